"""Photorealistic smoothing (F2): exact matting-Laplacian solve and guided-filter approximation."""

from __future__ import annotations

import numpy as np

from photostyle.smoothing.exact import DEFAULT_LAM, smooth_direct, smooth_exact
from photostyle.smoothing.guided import smooth_guided

__all__ = ["DEFAULT_LAM", "smooth", "smooth_direct", "smooth_exact", "smooth_guided"]

METHODS = ("exact", "guided")


def smooth(
    content: np.ndarray,
    stylized: np.ndarray,
    method: str = "exact",
    lam: float = DEFAULT_LAM,
    device: str = "auto",
    **kwargs: object,
) -> np.ndarray:
    """Smooth ``stylized`` (``h x w x 3`` float in [0,1]) guided by ``content`` (``H x W x 3``).

    ``method="exact"`` solves the paper's closed form (``lam`` applies); ``"guided"`` runs the
    guided-filter approximation (``radius``, ``eps`` keyword arguments). Returns ``H x W x 3``
    float32 in [0, 1].
    """
    if method == "exact":
        return smooth_exact(content, stylized, lam=lam, device=device, **kwargs)
    if method == "guided":
        return smooth_guided(content, stylized, device=device, **kwargs)
    raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
