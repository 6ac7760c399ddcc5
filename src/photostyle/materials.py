"""The content's materials for the colour grade (:mod:`photostyle.grade`): where one affine
colour map may hold and where the next one begins.

* **Fit size**: clusters and maps are fitted with the photo's long side at ``FIT_SIDE`` (the
  maps are smooth; the blur of the features is one pixel of that size, so that the same photo
  at any size gets the same materials).
* **Clusters**: k-means of each pixel's smoothed Lab colour plus its position (the long side
  weighs ``POSITION_WEIGHT`` Lab units), per label region when labels are given, started from
  lightness groups so that the start does not depend on sampling.
* **Memberships** ``m_k(x)``: soft (``SOFTNESS`` Lab units), summing to 1, filtered by a
  guided filter with the content as the guide (``GUIDE_RADIUS``, ``GUIDE_EPS``) so that a
  faint texture takes its surroundings' material while strong edges keep their boundary.
Constants: ``docs/decisions.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photostyle.imaging.colourspace import rgb_to_lab

#: Materials (k-means clusters of the content).
MATERIALS = 8
#: Lloyd iterations of the clustering (:func:`cluster`).
KMEANS_ITER = 30
#: The clustering sees every ``KMEANS_STRIDE``-th row and column of the fit size (its
#: centres are means; the memberships are then computed for every pixel).
KMEANS_STRIDE = 2
#: Lab units that the long side of the photo weighs in the clustering.
POSITION_WEIGHT = 20.0
#: Softness of the memberships, in Lab units.
SOFTNESS = 6.0
#: Long side at which clusters and maps are fitted (the maps are smooth; sizes relative).
FIT_SIDE = 256
#: Guided filter of the memberships (content as guide): radius in pixels of the fit size and
#: regularisation (RGB variance), so that a faint texture inside a region (wisps in a sky,
#: a grain of rock) stays in the region's material instead of flickering between two.
GUIDE_RADIUS = 4  # 0: unfiltered
GUIDE_EPS = 1e-3


def fit_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(h, w)`` at which the field of a photo of ``shape`` is fitted: long side
    ``FIT_SIDE`` (the photo's own size when it is not longer)."""
    from photostyle.imaging.resize import scaled_shape

    h, w = shape[:2]
    return (h, w) if max(h, w) <= FIT_SIDE else scaled_shape((h, w), FIT_SIDE / max(h, w))


def fit_size(image: np.ndarray) -> np.ndarray:
    """``image`` (``H x W x C`` float) box-shrunk to :func:`fit_shape` (as it is when it
    is already that size)."""
    from photostyle.imaging.resize import resize

    small = fit_shape(image.shape)
    return image if image.shape[:2] == small else resize(image, small, "box")


def _features(content: np.ndarray) -> np.ndarray:
    """``H x W x 5`` float32: Lab blurred by one pixel of the fit size (a blur relative to
    the photo, so that any size gives the same memberships) and position in Lab units."""
    from scipy.ndimage import gaussian_filter

    h, w = content.shape[:2]
    sigma = max(h, w) / FIT_SIDE
    lab = gaussian_filter(rgb_to_lab(content), (sigma, sigma, 0), mode="reflect")
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) * np.float32(POSITION_WEIGHT / max(h, w))
    return np.concatenate([lab, xx[..., None], yy[..., None]], axis=2)


def memberships(f: np.ndarray, centres: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    """``K x H x W`` float32 soft memberships (summing to 1) of the pixels with features ``f``
    (``H x W x 5``, :func:`_features`) in the clusters ``centres`` (``K x 5``); with
    ``labels`` (``H x W`` int), only the clusters of the pixel's own label
    (:func:`own_clusters`)."""
    d2 = np.stack([((f - c.astype(np.float32)) ** 2).sum(-1) for c in centres])  # K x H x W
    if labels is not None:
        d2 = np.where(own_clusters(len(centres), labels), d2, np.inf)
    d2 -= d2.min(0, keepdims=True)
    m = np.exp(-d2 / np.float32(2 * SOFTNESS**2))
    return m / m.sum(0, keepdims=True)


def own_clusters(k: int, labels: np.ndarray) -> np.ndarray:
    """``k x H x W`` bool: the clusters of each pixel's own label (``labels``: ``H x W`` int,
    numbered 0..n-1; cluster ``q`` belongs to label ``q // (k // n)``)."""
    return label_groups(k, int(labels.max()) + 1)[:, None, None] == labels[None]


def label_groups(k: int, n: int) -> np.ndarray:
    """``K`` int: the label (0..n-1) whose pixels cluster ``q`` of ``k`` belongs to
    (:func:`cluster` gives each of ``n`` labels ``k // n`` consecutive clusters)."""
    return np.arange(k) // (k // n)


def guided_memberships(
    m: np.ndarray,
    small: np.ndarray,
    full: np.ndarray,
    own: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
) -> tuple[np.ndarray, np.ndarray]:
    """Memberships ``m`` (``K x h x w`` float32, at the fit size of ``small``, the content
    there) filtered by a colour guided filter (He et al. 2013) with ``small`` as the guide,
    radius ``GUIDE_RADIUS`` and ``GUIDE_EPS``: ``q = mean(a)^T I + mean(b)``. The same
    coefficients, bilinearly enlarged, applied to ``full`` (the content, ``H x W x 3``) give
    the memberships at its size (guided upsampling, as the fast guided filter does: the full
    size follows the content's edges without a second clustering or filter there). Each is
    then kept to its pixels' own clusters (``own``: the :func:`own_clusters` at both sizes,
    or None) and renormalised. Strong edges of the content keep their material boundary; a
    faint texture takes its surroundings' material. Returns ``(K x h x w, K x H x W)``."""
    import torch

    from photostyle.imaging.layout import to_chw
    from photostyle.smoothing.guided import apply_coefficients, guided_filter_torch

    out = []
    with torch.no_grad():
        g = to_chw(small, "cpu", torch.float32)
        src = torch.from_numpy(np.ascontiguousarray(m))
        a, b = guided_filter_torch(g, src, GUIDE_RADIUS, GUIDE_EPS)
        for guide, mask in zip((g, to_chw(full, "cpu", torch.float32)), own, strict=True):
            q = apply_coefficients(a, b, guide).clamp_(min=0.0).numpy()
            if mask is not None:
                q *= mask
            out.append(q / np.maximum(q.sum(0, keepdims=True), np.float32(1e-6)))
    return out[0], out[1]


def cluster(features: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    """``K x 5`` cluster centres of the features ``H x W x 5`` (per label when given).

    k-means (Lloyd, ``KMEANS_ITER`` iterations) started from the means of ``K`` equal groups
    of the pixels sorted by lightness: a start that does not sample pixels, so that the same
    photo at two sizes, or with one level of noise, gets the same materials (a seeded
    k-means++ start moved the memberships by 0.19 under +-1/255 noise; this one by 0.0004,
    ``docs/decisions.md``)."""
    import warnings

    from scipy.cluster.vq import kmeans2

    f = features.reshape(-1, 5).astype(np.float64)
    groups = (
        [np.ones(len(f), bool)]
        if labels is None
        else [labels.ravel() == lab for lab in range(int(labels.max()) + 1)]
    )
    per = max(1, MATERIALS // len(groups))
    centres = []
    for g in groups:
        x = f[g] if g.any() else f[:1]
        k = min(per, len(x))
        order = np.argsort(x[:, 0], kind="stable")
        start = np.stack([x[part].mean(0) for part in np.array_split(order, k)])
        with warnings.catch_warnings():  # a flat photo leaves clusters empty: they keep their start
            warnings.filterwarnings("ignore", "One of the clusters is empty")
            c, _ = kmeans2(x, start, minit="matrix", iter=KMEANS_ITER)
        centres.append(np.concatenate([c, np.repeat(c[:1], per - k, 0)]) if k < per else c)
    return np.concatenate(centres).astype(np.float32)


@dataclass(frozen=True)
class Materials:
    """The content's side of the grade, the same for every result graded on it (a sweep
    computes it once): the cluster ``centres`` (``K x 5``), the content at the fit size
    (``h x w x 3`` float32), the memberships there (``small``, ``K x h x w``) and at the
    content's size (``full``, ``K x H x W``), and each cluster's label group (``groups``,
    ``K`` int: all 0 without labels)."""

    centres: np.ndarray
    content_small: np.ndarray
    small: np.ndarray
    full: np.ndarray
    groups: np.ndarray


def content_materials(content: np.ndarray, labels: np.ndarray | None = None) -> Materials:
    """The :class:`Materials` of ``content`` (``H x W x 3`` float32 in [0, 1]) with an
    ``H x W`` int label map of any size (or None): clusters and memberships at the fit size,
    filtered and carried to the content's size by :func:`guided_memberships` (or, with
    ``GUIDE_RADIUS`` 0, unfiltered at both sizes)."""
    from photostyle.imaging.resize import resize

    small = fit_shape(content.shape)
    cs = fit_size(content)
    if labels is not None:  # the partition matters, not the ids: number the labels 0..n-1
        labels = np.unique(labels, return_inverse=True)[1].reshape(labels.shape)
    ls = None if labels is None else resize(labels, small, "nearest")
    fs = _features(cs)
    sub = (slice(None, None, KMEANS_STRIDE),) * 2
    centres = cluster(fs[sub], None if ls is None else ls[sub])
    lab_full = None if labels is None else resize(labels, content.shape[:2], "nearest")
    m = memberships(fs, centres, ls)
    k = len(centres)
    groups = label_groups(k, 1 if labels is None else int(labels.max()) + 1)
    if GUIDE_RADIUS == 0:
        full = memberships(_features(content), centres, lab_full)
        return Materials(centres, cs, m, full, groups)
    own = tuple(None if x is None else own_clusters(k, x) for x in (ls, lab_full))
    return Materials(centres, cs, *guided_memberships(m, cs, content, own), groups)
