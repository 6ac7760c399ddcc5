"""Resizing ``H x W x C`` arrays: one function, sizes always as ``(h, w)``.

Float images are resized per channel in Pillow's float mode (``F``), so no 8-bit rounding
happens; Pillow's bilinear filter widens its support when it shrinks, so a downsize is
antialiased (the same look at every photo size). Integer label maps use nearest neighbour.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

#: Pillow filters by name.
METHODS = {"bilinear": Image.BILINEAR, "box": Image.BOX, "nearest": Image.NEAREST}


def resize(image: np.ndarray, shape: tuple[int, int], method: str = "bilinear") -> np.ndarray:
    """``image`` resized to ``shape = (h, w)``.

    Args:
        image: ``H x W x C`` float (any range) for ``"bilinear"`` and ``"box"``; ``H x W``
            int label map (values within int32) for ``"nearest"``.
        shape: ``(h, w)``, both >= 1.
        method: ``"bilinear"`` (antialiased when shrinking), ``"box"`` (the mean over each
            output pixel's footprint: area averaging, as metrics downsample) or
            ``"nearest"``.

    Returns:
        ``h x w x C`` float32 (bilinear, box) or ``h x w`` int32 (nearest).
    """
    size = (int(shape[1]), int(shape[0]))  # Pillow counts (width, height)
    if method == "nearest":
        return np.asarray(Image.fromarray(image.astype(np.int32)).resize(size, Image.NEAREST))
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    chans = [
        Image.fromarray(np.ascontiguousarray(image[:, :, i], dtype=np.float32)).resize(
            size, METHODS[method]
        )
        for i in range(image.shape[2])
    ]
    return np.stack([np.asarray(c, dtype=np.float32) for c in chans], axis=2)


def scaled_shape(shape: tuple[int, int], factor: float, min_side: int = 1) -> tuple[int, int]:
    """``(h, w)`` times ``factor``, rounded, each side at least ``min_side``."""
    h, w = shape[:2]
    return max(min_side, round(h * factor)), max(min_side, round(w * factor))


def resize_by(image: np.ndarray, factor: float, min_side: int = 1) -> np.ndarray:
    """``image`` (``H x W x C`` float) scaled by ``factor`` (bilinear), sides >= ``min_side``."""
    return resize(image, scaled_shape(image.shape, factor, min_side))


def fit_long_side(image: np.ndarray, long_side: int, min_side: int = 1) -> np.ndarray:
    """``image`` shrunk so that its long side is ``long_side`` (unchanged when it is not
    longer), each side at least ``min_side``."""
    f = long_side / max(image.shape[:2])
    return image if f >= 1 else resize_by(image, f, min_side)
