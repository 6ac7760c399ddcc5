"""Images as the library takes them (paths, PIL images, arrays, tensors) and gives them back.

Every entry point converts its inputs with :func:`as_array` (``float32 H x W x 3`` in [0, 1],
the working format) and returns its result with :func:`like`, as the same kind of object as
the caller's input.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from PIL import Image

from photostyle.files.images import load_image, pil_to_array, to_uint8
from photostyle.imaging.layout import to_chw, to_hwc

ImageLike = str | os.PathLike | Image.Image | np.ndarray | torch.Tensor


def as_array(image: ImageLike, name: str = "image") -> np.ndarray:
    """Any supported image input -> ``float32 H x W x 3`` in [0, 1].

    Paths are read with :func:`photostyle.files.images.load_image`; PIL images are converted
    like files; arrays may be ``H x W x 3`` uint8 (0..255) or float ([0, 1]); tensors
    ``3 x H x W`` or ``1 x 3 x H x W`` float in [0, 1].
    """
    if isinstance(image, str | os.PathLike):
        return load_image(image)
    if isinstance(image, Image.Image):
        return pil_to_array(image)
    if isinstance(image, torch.Tensor):
        t = image.detach().cpu()
        t = t[0] if t.ndim == 4 and t.shape[0] == 1 else t
        if t.ndim != 3 or t.shape[0] != 3:
            raise ValueError(
                f"{name}: tensor must be 3 x H x W or 1 x 3 x H x W, got {tuple(image.shape)}"
            )
        image = to_hwc(t.float())
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"{name}: array must be H x W x 3, got shape {image.shape}")
        if image.dtype == np.uint8:
            return image.astype(np.float32) / 255.0
        a = image.astype(np.float32)
        if not np.isfinite(a).all():
            raise ValueError(f"{name}: array contains NaN or infinite values")
        return np.clip(a, 0.0, 1.0)
    raise TypeError(f"{name}: unsupported image type {type(image).__name__}")


def like(result: np.ndarray, template: ImageLike) -> ImageLike:
    """Return ``result`` (H x W x 3 float) as the same kind of object as ``template``."""
    if isinstance(template, torch.Tensor):
        t = to_chw(result)
        return t[None] if template.ndim == 4 else t
    if isinstance(template, Image.Image):
        return Image.fromarray(to_uint8(result))
    if isinstance(template, np.ndarray) and template.dtype == np.uint8:
        return to_uint8(result)
    return result
