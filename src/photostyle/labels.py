"""Label maps: mask parsing, palette snapping, resizing and the region-matching rule.

Two mask kinds are accepted:

* **index masks**: 8-bit ``L`` or ``P`` images whose pixel value is the label;
* **colour-coded masks** as published with Luan et al.'s examples: RGB, anti-aliased, with
  many colours near the palette white, black, red, green, blue, yellow, grey, light blue,
  purple. Every pixel is snapped to the nearest palette colour (label = palette index), then
  isolated pixels (no 3x3 neighbour with the same label) take the most frequent label of
  their 3x3 neighbourhood. A mask whose pixels are mostly (> 50 %) far (RGB distance > 80)
  from every palette colour is refused with a clear error rather than guessed.

A mask whose size differs from its image by a few pixels (at most 2 % per side) with the same
aspect ratio is resized with nearest neighbour; any other mismatch is an error.

Region rule (:func:`match_regions`): a content label is stylized with the style pixels of the
same label when both regions have more than ``min_pixels`` (default 10) feature pixels and
their size ratio is below ``max_ratio`` (default 100); otherwise (label missing from the
style, or too small) it falls back to the whole style image. The fallbacks are reported.

Automatic labels (:func:`auto_labels`, training-free): the content's and the style's VGG
``relu4_1`` features, each centred on its own image mean, projected jointly on their first
principal components and upsampled to pixel resolution, plus each image's Lab colour
standardised *per image* (so a sunset sky and a noon sky still look alike), are clustered
together with k-means; the same label therefore means similar content in both images. ``K``
is chosen by the silhouette score among 2..6, counting only clusterings whose every cluster
covers at least 3 % of each image; when no clustering qualifies (or the best silhouette is
below 0.1) a single label is returned, i.e. plain global transfer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from photostyle.files.images import DEFAULT_MAX_PIXELS, ImageError, _open_checked
from photostyle.imaging.colourspace import rgb_to_lab
from photostyle.imaging.resize import resize

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
#: RGB distance beyond which a mask colour is 'unknown'; > 50 % unknown pixels is an error
UNKNOWN_COLOUR_DISTANCE = 80.0


def snap_to_palette(rgb: np.ndarray) -> np.ndarray:
    """``H x W x 3`` uint8 colours -> ``H x W`` int32 index of the nearest palette colour."""
    x = rgb.reshape(-1, 1, 3).astype(np.float32)
    d = ((x - PALETTE_RGB[None]) ** 2).sum(-1)
    return d.argmin(1).astype(np.int32).reshape(rgb.shape[:2])


def _window_counts(labels: np.ndarray, ids: np.ndarray, size: int, mode: str) -> np.ndarray:
    """``len(ids) x H x W``: pixels of each label in the ``size x size`` window (scipy border
    ``mode``)."""
    from scipy.ndimage import uniform_filter

    return np.stack(
        [uniform_filter((labels == i).astype(np.float32), size, mode=mode) * size**2 for i in ids]
    )


def clean_isolated(labels: np.ndarray) -> np.ndarray:
    """Give pixels with no equal 3x3 neighbour the most frequent label around them."""
    ids = np.unique(labels)
    if len(ids) < 2:
        return labels
    counts = _window_counts(labels, ids, 3, "nearest")
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
    labels = snap_to_palette(rgb)
    dist = np.linalg.norm(rgb.astype(np.float32) - PALETTE_RGB[labels], axis=-1)
    if (dist > UNKNOWN_COLOUR_DISTANCE).mean() > 0.5:
        raise ValueError(
            "most mask colours are far from the label palette (white, black, red, green, blue, "
            "yellow, grey, light blue, purple); use those colours or an index mask"
        )
    return clean_isolated(labels)


def _check_size(size: tuple[int, int], shape: tuple[int, int], name: str) -> None:
    """A mask of ``size = (h, w)`` may differ from its image's ``shape`` by a few pixels."""
    (h, w), (H, W) = size, shape
    if abs(h - H) > max(2, SIZE_TOLERANCE * H) or abs(w - W) > max(2, SIZE_TOLERANCE * W):
        raise ValueError(
            f"{name}: size {w}x{h} does not match its image {W}x{H} (aspect ratio "
            f"{w / h:.3f} vs {W / H:.3f}); masks must have the image's size"
        )


def fit_to(labels: np.ndarray, shape: tuple[int, int], name: str = "mask") -> np.ndarray:
    """Resize labels to ``shape`` (nearest) when they differ by a few pixels; else raise."""
    if labels.shape == tuple(shape):
        return labels
    _check_size(labels.shape, shape, name)
    return resize(labels, shape, "nearest")


def load_labels(
    path: str | os.PathLike, shape: tuple[int, int], out_shape: tuple[int, int] | None = None
) -> np.ndarray:
    """Read a mask file for an image of ``shape`` (``H, W``); return ``H x W`` int32 labels,
    or labels of ``out_shape`` when given.

    With ``out_shape`` the mask is resized (nearest) to it *before* its colours are snapped and
    isolated pixels cleaned, so that the cleaning works at the resolution the labels are used
    at (the stylization size), the same for a 0.3 MP and a 48 MP mask, and costs O(out_shape).
    """
    im = _open_checked(Path(path), DEFAULT_MAX_PIXELS, decode=False)
    try:
        _check_size((im.height, im.width), shape, str(path))
    except ValueError as exc:
        raise ImageError(str(exc)) from None
    target = tuple(out_shape or shape)
    try:
        if (im.height, im.width) != target:
            im = im.resize(target[::-1], Image.NEAREST)
        labels = mask_to_labels(im)
    except (OSError, SyntaxError) as exc:
        raise ImageError(f"{path}: truncated or corrupt mask ({exc})") from None
    except ValueError as exc:
        raise ImageError(f"{path}: {exc}") from None
    return labels


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


def _descriptors(
    feat_c: np.ndarray, feat_s: np.ndarray, rgb_c: np.ndarray, rgb_s: np.ndarray, n_pc: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel descriptors (``H*W x d``) of both images: joint PCA of the features
    (upsampled, unit variance per component) and per-image standardised Lab colour."""
    flat = [f.reshape(f.shape[0], -1).T.astype(np.float64) for f in (feat_c, feat_s)]
    flat = [fl - fl.mean(0) for fl in flat]  # per-image centring: ignore the global look
    allf = np.concatenate(flat)
    _, _, vt = np.linalg.svd(allf, full_matrices=False)
    proj = vt[:n_pc].T
    std = (allf @ proj).std(0) + 1e-8
    out = []
    for f, fl, rgb in ((feat_c, flat[0], rgb_c), (feat_s, flat[1], rgb_s)):
        z = ((fl @ proj) / std).astype(np.float32).reshape(*f.shape[1:], n_pc)
        z = resize(z, rgb.shape[:2]).reshape(-1, n_pc)
        lab = rgb_to_lab(rgb).reshape(-1, 3)
        lab = (lab - lab.mean(0)) / (lab.std(0) + 1e-3)
        out.append(np.concatenate([z, 0.5 * lab], 1))
    return out[0], out[1]


def _silhouette(x: np.ndarray, lab: np.ndarray) -> float:
    """Mean silhouette coefficient of a labelling of the rows of ``x`` (n x d, small n)."""
    d = np.sqrt(np.maximum(((x[:, None] - x[None]) ** 2).sum(-1), 0))
    ids = np.unique(lab)
    mean_d = np.stack([d[:, lab == i].mean(1) for i in ids], 1)  # n x K
    own = np.searchsorted(ids, lab)
    n_own = np.bincount(own, minlength=len(ids))[own]
    a = mean_d[np.arange(len(x)), own] * n_own / np.maximum(n_own - 1, 1)
    mean_d[np.arange(len(x)), own] = np.inf
    b = mean_d.min(1)
    return float(np.mean((b - a) / np.maximum(np.maximum(a, b), 1e-12)))


def mode_filter(labels: np.ndarray, size: int = 5) -> np.ndarray:
    """Each pixel takes the most frequent label of its ``size x size`` window."""
    ids = np.unique(labels)
    if len(ids) < 2:
        return labels
    return ids[_window_counts(labels, ids, size, "reflect").argmax(0)].astype(np.int32)


def auto_labels(
    feat_c: np.ndarray,
    feat_s: np.ndarray,
    rgb_c: np.ndarray,
    rgb_s: np.ndarray,
    k: int | None = None,
    k_max: int = 6,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Joint training-free label maps for a content and a style image (see module docstring).

    Args:
        feat_c, feat_s: VGG features ``C x h x w`` / ``C x h' x w'`` (float, e.g. ``relu4_1``).
        rgb_c, rgb_s: the images ``H x W x 3`` / ``H' x W' x 3``, float32 in [0, 1].
        k: number of labels, or ``None`` to choose it (2..``k_max``, silhouette).
        seed: k-means seed (results are deterministic).

    Returns:
        ``H x W`` and ``H' x W'`` int32 label maps with values in ``0..K-1``.
    """
    from scipy.cluster.vq import kmeans2

    if k is not None and k < 1:
        raise ValueError(f"number of automatic labels must be >= 1, got {k}")
    xc, xs = _descriptors(feat_c, feat_s, rgb_c, rgb_s, n_pc=8)
    rng = np.random.default_rng(seed)
    sample = np.concatenate(
        [x[rng.choice(len(x), min(len(x), 3000), replace=False)] for x in (xc, xs)]
    )
    n_half = min(len(xc), 3000)
    sil_idx = rng.choice(len(sample), min(len(sample), 1500), replace=False)
    best, best_score = None, 0.1
    for kk in [k] if k is not None else range(2, k_max + 1):
        if kk == 1:
            break
        centres, lab = kmeans2(sample, kk, minit="++", seed=seed)
        cover = [
            np.bincount(part, minlength=kk) / len(part) for part in (lab[:n_half], lab[n_half:])
        ]
        if k is None and min(c.min() for c in cover) < 0.03:
            continue
        score = _silhouette(sample[sil_idx], lab[sil_idx]) if k is None else 1.0
        if score > best_score:
            best, best_score = centres, score
    shapes = (rgb_c.shape[:2], rgb_s.shape[:2])
    if best is None:
        return tuple(np.zeros(sh, np.int32) for sh in shapes)
    out = []
    for x, sh in ((xc, shapes[0]), (xs, shapes[1])):
        d = (x**2).sum(1)[:, None] - 2 * x @ best.T + (best**2).sum(1)[None]
        out.append(mode_filter(d.argmin(1).astype(np.int32).reshape(sh)))
    return out[0], out[1]
