"""Validation of the smoothing inputs, done once where an image enters :mod:`photostyle.smoothing`.

The public functions (:func:`~photostyle.smoothing.smooth`, ``smooth_exact``, ``smooth_direct``,
``smooth_guided``, :class:`~photostyle.smoothing.exact.ExactSmoother`) call these; everything
behind them (solvers, filters, the working-resolution helpers) takes validated arrays.
"""

from __future__ import annotations

import numpy as np

from photostyle.options import check_lam  # noqa: F401 (the one check of lam, re-exported)


def as_image(name: str, a: np.ndarray) -> np.ndarray:
    """Validate an ``H x W x 3`` finite array; float32 C-contiguous, clipped to [0, 1].

    No copy is made when ``a`` is already float32, C-contiguous and inside [0, 1].
    """
    if not isinstance(a, np.ndarray) or a.ndim != 3 or a.shape[2] != 3:
        shape = getattr(a, "shape", type(a).__name__)
        raise ValueError(f"{name} must be an H x W x 3 array, got {shape}")
    a = np.ascontiguousarray(a, dtype=np.float32)
    lo, hi = float(a.min()), float(a.max())  # NaN propagates into both
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return a if lo >= 0.0 and hi <= 1.0 else np.clip(a, 0.0, 1.0)


def as_content(content: np.ndarray) -> np.ndarray:
    """:func:`as_image` plus the size check of the content (both sides >= 3)."""
    content = as_image("content", content)
    h, w = content.shape[:2]
    if min(h, w) < 3:
        raise ValueError(f"content of {w}x{h} pixels is too small: both sides must be >= 3")
    return content


def fit_stylized(stylized: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """:func:`as_image`, bilinearly resized to ``shape`` (``H, W``) when it differs.

    The resize (Pillow, float) lets a stylized image computed at a capped resolution be
    smoothed at the content's resolution.
    """
    from photostyle.imaging.resize import resize

    stylized = as_image("stylized", stylized)
    h, w = shape
    if stylized.shape[:2] != (h, w):
        stylized = np.ascontiguousarray(resize(stylized, (h, w)))
    return stylized


def check_inputs(content: np.ndarray, stylized: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate a content and a stylized image (``H x W x 3`` float in [0, 1]); the stylized
    one is resized to the content size. Returns float32 C-contiguous arrays."""
    content = as_content(content)
    return content, fit_stylized(stylized, content.shape[:2])
