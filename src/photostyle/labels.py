"""Label maps: mask parsing, palette snapping, resizing and the region-matching rule.

Two mask kinds are accepted:

* **index masks**: 8-bit ``L`` or ``P`` images whose pixel value is the label;
* **colour-coded masks** as published with Luan et al.'s examples: RGB, anti-aliased, with
  many colours near the palette white, black, red, green, blue, yellow, grey, light blue,
  purple. Every pixel is snapped to the nearest palette colour (label = palette index), then
  isolated pixels (no 3x3 neighbour with the same label) take the most frequent label of
  their 3x3 neighbourhood.

A mask whose size differs from its image by a few pixels (at most 2 % per side) with the same
aspect ratio is resized with nearest neighbour; any other mismatch is an error.

Region rule (:func:`match_regions`): a content label is stylized with the style pixels of the
same label when both regions have more than ``min_pixels`` (default 10) feature pixels and
their size ratio is below ``max_ratio`` (default 100); otherwise (label missing from the
style, or too small) it falls back to the whole style image. The fallbacks are reported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from photostyle.io import DEFAULT_MAX_PIXELS, ImageError, _open_checked

PALETTE: dict[str, tuple[int, int, int]] = {
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "grey": (128, 128, 128),
    "light blue": (0, 255, 255),
    "purple": (255, 0, 255),
}
PALETTE_RGB = np.array(list(PALETTE.values()), dtype=np.float32)
SIZE_TOLERANCE = 0.02


def snap_to_palette(rgb: np.ndarray) -> np.ndarray:
    """``H x W x 3`` uint8 colours -> ``H x W`` int32 index of the nearest palette colour."""
    x = rgb.reshape(-1, 1, 3).astype(np.float32)
    d = ((x - PALETTE_RGB[None]) ** 2).sum(-1)
    return d.argmin(1).astype(np.int32).reshape(rgb.shape[:2])


def clean_isolated(labels: np.ndarray) -> np.ndarray:
    """Give pixels with no equal 3x3 neighbour the most frequent label around them."""
    from scipy.ndimage import uniform_filter

    ids = np.unique(labels)
    if len(ids) < 2:
        return labels
    counts = np.stack(
        [uniform_filter((labels == i).astype(np.float32), 3, mode="nearest") * 9 for i in ids]
    )
    own = np.take_along_axis(counts, np.searchsorted(ids, labels)[None], 0)[0]
    isolated = own < 1.5  # only the pixel itself
    out = labels.copy()
    out[isolated] = ids[counts[:, isolated].argmax(0)]
    return out


def mask_to_labels(mask: Image.Image | np.ndarray) -> np.ndarray:
    """Parse an index or colour-coded mask to ``H x W`` int32 labels (see module docstring)."""
    if isinstance(mask, Image.Image):
        if mask.mode in ("L", "P", "I", "I;16"):
            return np.asarray(mask, dtype=np.int32).copy()
        mask = np.asarray(mask.convert("RGB"))
    a = np.asarray(mask)
    if a.ndim == 2:
        return a.astype(np.int32)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise ValueError(f"mask must be H x W or H x W x 3, got shape {a.shape}")
    rgb = a[:, :, :3]
    if rgb.dtype != np.uint8:
        rgb = (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    return clean_isolated(snap_to_palette(rgb))


def fit_to(labels: np.ndarray, shape: tuple[int, int], name: str = "mask") -> np.ndarray:
    """Resize labels to ``shape`` (nearest) when they differ by a few pixels; else raise."""
    h, w = labels.shape
    H, W = shape
    if (h, w) == (H, W):
        return labels
    if abs(h - H) > max(2, SIZE_TOLERANCE * H) or abs(w - W) > max(2, SIZE_TOLERANCE * W):
        raise ValueError(
            f"{name}: size {w}x{h} does not match its image {W}x{H} (aspect ratio "
            f"{w / h:.3f} vs {W / H:.3f}); masks must have the image's size"
        )
    return np.asarray(Image.fromarray(labels.astype(np.int32)).resize((W, H), Image.NEAREST))


def load_labels(path: str | os.PathLike, shape: tuple[int, int]) -> np.ndarray:
    """Read a mask file and return labels of the image's ``shape`` (``H x W`` int32)."""
    im = _open_checked(Path(path), DEFAULT_MAX_PIXELS)
    try:
        labels = mask_to_labels(im)
    except ValueError as exc:
        raise ImageError(f"{path}: {exc}") from None
    try:
        return fit_to(labels, shape, str(path))
    except ValueError as exc:
        raise ImageError(str(exc)) from None


@dataclass
class RegionPlan:
    """Which style pixels each content label uses: ``pairs[label] = style label or None``."""

    pairs: dict[int, int | None] = field(default_factory=dict)
    fallbacks: dict[int, str] = field(default_factory=dict)


def match_regions(
    content: np.ndarray, style: np.ndarray, min_pixels: int = 10, max_ratio: float = 100.0
) -> RegionPlan:
    """Apply the region rule to label maps at feature resolution (``h x w`` ints)."""
    plan = RegionPlan()
    s_ids, s_counts = np.unique(style, return_counts=True)
    s_count = dict(zip(s_ids.tolist(), s_counts.tolist(), strict=True))
    for lab, n_c in zip(*np.unique(content, return_counts=True), strict=True):
        lab, n_c = int(lab), int(n_c)
        n_s = s_count.get(lab, 0)
        if n_s == 0:
            reason = "not in the style mask"
        elif min(n_c, n_s) <= min_pixels:
            reason = f"too small ({n_c} content / {n_s} style feature pixels <= {min_pixels})"
        elif max(n_c, n_s) / min(n_c, n_s) >= max_ratio:
            reason = f"size ratio {max(n_c, n_s) / min(n_c, n_s):.0f} >= {max_ratio:.0f}"
        else:
            plan.pairs[lab] = lab
            continue
        plan.pairs[lab] = None
        plan.fallbacks[lab] = reason
    return plan


def downsample_labels(labels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of labels to a feature map's ``(h, w)``."""
    return np.asarray(Image.fromarray(labels.astype(np.int32)).resize(shape[::-1], Image.NEAREST))
