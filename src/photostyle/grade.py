"""The result as a colour grade of the content: a coarse, material-aware field of affine maps.

The closed-form result ``R`` (F1 -> F2) follows the style per pixel, and on a pair whose
content and style show different scenes it paints: blotches of the style's colours over one
material, style texture in flat areas. This stage keeps what ``R`` does to each material of
the content and drops what it paints, by fitting ``R`` with a field of affine colour maps of
the content and returning that field applied to the content::

    out(x) = sum_k m_k(x) (A_k(x) c(x) + b_k(x))

* **Materials** ``m_k(x)``: soft memberships of each pixel in ``K`` clusters of the content
  (k-means of smoothed Lab colour plus position, and of the label maps when given), so that
  the map may change across the content's edges and across labelled regions.
* **Smooth in space**: per material, ``A_k, b_k`` live on a coarse grid of nodes (spacing a
  fraction of the photo's long side: relative, the same look at any size) with tent weights;
  each node's ridge least-squares fit of ``R ~ A c + b`` over its material is pulled towards
  the material's global fit with ``PRIOR_PIXELS`` pseudo-pixels, and the global fit towards
  the identity (the content's own contrast and detail) with ``RIDGE``.
* **Keeps the content's detail**: the output is an affine function of the content pixel, so
  every edge and grain of the content is kept (scaled by the map's gain) and nothing else is
  added.

``locality`` in [0, 1] is the knob: 0 is one grade per material for the whole photo, larger
values let the grade vary faster in space (node spacing ``2**(-6 locality)`` of the long
side), and 1 returns ``R`` itself (the per-pixel result of the closed-form method).
Constants: ``docs/decisions.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photostyle.imaging.colourspace import rgb_to_lab

#: Materials (k-means clusters of the content).
MATERIALS = 8
#: Lab units that the long side of the photo weighs in the clustering.
POSITION_WEIGHT = 20.0
#: Softness of the memberships, in Lab units.
SOFTNESS = 6.0
#: Long side at which clusters and maps are fitted (the maps are smooth; sizes relative).
FIT_SIDE = 256
#: Pull of each node's fit towards its material's global fit, in pseudo-pixels per node
#: (as a fraction of the mean node mass).
PRIOR_PIXELS = 0.5
#: Ridge of the global per-material fit towards the identity map (colour variance units).
RIDGE = 3e-2
#: Guided filter of the memberships (content as guide): radius in pixels of the fit size and
#: regularisation (RGB variance), so that a faint texture inside a region (wisps in a sky,
#: a grain of rock) stays in the region's material instead of flickering between two.
GUIDE_RADIUS = 4  # 0: unfiltered
GUIDE_EPS = 1e-3
#: The identity map ``[A; b]`` of :func:`fit_field` (``out = [c, 1] @ map``).
IDENTITY = np.vstack([np.eye(3), np.zeros((1, 3))])


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


def node_spacing(locality: float) -> float:
    """Node spacing of the field as a fraction of the long side."""
    return 2.0 ** (-6.0 * locality)


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
    per = k // (int(labels.max()) + 1)
    return (np.arange(k)[:, None, None] // per) == labels[None]


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


def cluster(features: np.ndarray, labels: np.ndarray | None, seed: int = 0) -> np.ndarray:
    """``K x 5`` cluster centres of the features ``H x W x 5`` (per label when given)."""
    from scipy.cluster.vq import kmeans2

    f = features.reshape(-1, 5)
    groups = (
        [np.ones(len(f), bool)]
        if labels is None
        else [labels.ravel() == lab for lab in range(int(labels.max()) + 1)]
    )
    per = max(1, MATERIALS // len(groups)) if labels is not None else MATERIALS
    centres = []
    for g in groups:
        x = f[g] if g.any() else f[:1]
        k = min(per, len(x))
        c, _ = kmeans2(x, k, minit="++", seed=seed)
        centres.append(np.concatenate([c, np.repeat(c[:1], per - k, 0)]) if k < per else c)
    return np.concatenate(centres)


def _tent(n_px: int, nodes: int) -> np.ndarray:
    """``nodes x n_px`` linear interpolation weights of pixel centres between grid nodes."""
    pos = (np.arange(n_px) + 0.5) / n_px * (nodes - 1)
    i0 = np.clip(np.floor(pos).astype(int), 0, max(nodes - 2, 0))
    t = pos - i0
    w = np.zeros((nodes, n_px))
    w[i0, np.arange(n_px)] = 1 - t
    if nodes > 1:
        w[i0 + 1, np.arange(n_px)] += t
    return w


def fit_field(
    content: np.ndarray, result: np.ndarray, m: np.ndarray, spacing: float, ridge: float = RIDGE
) -> np.ndarray:
    """Affine maps ``K x Gy x Gx x 4 x 3`` (``[A; b]``: ``out = [c, 1] @ map``) fitted to
    ``result`` on ``content`` (both ``H x W x 3``) with memberships ``m`` (``K x H x W``);
    ``ridge`` pulls each material's global map towards the identity."""
    h, w = content.shape[:2]
    gy = max(2, round(h / (spacing * max(h, w))) + 1)
    gx = max(2, round(w / (spacing * max(h, w))) + 1)
    ty, tx = _tent(h, gy), _tent(w, gx)
    c1 = np.concatenate([content, np.ones((h, w, 1), content.dtype)], 2).astype(np.float64)
    r = result.astype(np.float64)
    # moments per material and node: sum over pixels of tent(y) tent(x) m c c^T (and c r^T),
    # all materials at once, the x axis contracted first
    cc = c1[..., :, None] * c1[..., None, :]  # H x W x 4 x 4
    cr = c1[..., :, None] * r[..., None, :]  # H x W x 4 x 3
    outer = np.concatenate([cc.reshape(h, w, 16), cr.reshape(h, w, 12)], 2)
    moments = np.einsum("xw,khw,hwc->khxc", tx, m, outer, optimize=True)
    moments = np.einsum("yh,khxc->kyxc", ty, moments, optimize=True)
    k = len(m)
    maps = np.empty((k, gy, gx, 4, 3))
    eye = np.diag([1.0, 1.0, 1.0, 0.0])
    for q in range(k):
        scc = moments[q, ..., :16].reshape(gy, gx, 4, 4)
        scr = moments[q, ..., 16:].reshape(gy, gx, 4, 3)
        gcc, gcr = scc.sum((0, 1)), scr.sum((0, 1))
        n = gcc[3, 3]
        if n < 1e-6:  # a material without pixels here (an absent label): left unchanged
            maps[q] = IDENTITY
            continue
        glob = np.linalg.solve(gcc / n + ridge * eye, gcr / n + ridge * IDENTITY)
        prior = PRIOR_PIXELS * n / (gy * gx)
        lhs = scc + prior * (gcc / n) + prior * ridge * eye
        rhs = scr + prior * (gcc / n) @ glob + prior * ridge * glob
        maps[q] = np.linalg.solve(lhs, rhs)
    return maps


def apply_field(content: np.ndarray, m: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """``sum_k m_k(x) [c(x), 1] @ map_k(x)``, the maps interpolated (bilinear) from the grid
    to ``content``'s size. The sum is linear in the maps, so the memberships weigh the
    interpolated maps first and one product with the content follows (and a sum of fields,
    as :func:`photostyle.palette.match_palette` returns, is applied at the cost of one).
    Returns ``H x W x 3`` float32 clipped to [0, 1]."""
    import torch
    import torch.nn.functional as F

    h, w = content.shape[:2]
    k, gy, gx = maps.shape[:3]
    grid = torch.from_numpy(maps.reshape(k, gy, gx, 12).transpose(0, 3, 1, 2).astype(np.float32))
    weights = torch.from_numpy(np.ascontiguousarray(m, np.float32))
    field = torch.zeros(12, h, w)
    for q in range(k):
        # node centres span pixel centres 0.5 .. n-0.5: align_corners on the pixel grid
        up = F.interpolate(grid[q : q + 1], size=(h, w), mode="bilinear", align_corners=True)
        field.addcmul_(up[0], weights[q])
    a = field.view(4, 3, h, w)  # [c, 1] @ A: input channel, output channel
    c = torch.from_numpy(np.ascontiguousarray(content, np.float32)).permute(2, 0, 1)
    out = a[3] + a[0] * c[0] + a[1] * c[1] + a[2] * c[2]
    out.clamp_(0.0, 1.0)
    return out.permute(1, 2, 0).numpy().copy()


@dataclass(frozen=True)
class Materials:
    """The content's side of the grade, the same for every result graded on it (a sweep
    computes it once): the cluster ``centres`` (``K x 5``), the content at the fit size
    (``h x w x 3`` float32) and the memberships there (``small``, ``K x h x w``) and at the
    content's size (``full``, ``K x H x W``)."""

    centres: np.ndarray
    content_small: np.ndarray
    small: np.ndarray
    full: np.ndarray


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
    centres = cluster(fs, ls)
    lab_full = None if labels is None else resize(labels, content.shape[:2], "nearest")
    m = memberships(fs, centres, ls)
    if GUIDE_RADIUS == 0:
        return Materials(centres, cs, m, memberships(_features(content), centres, lab_full))
    own = tuple(None if x is None else own_clusters(len(centres), x) for x in (ls, lab_full))
    return Materials(centres, cs, *guided_memberships(m, cs, content, own))


def grade_maps(result: np.ndarray, locality: float, materials: Materials) -> np.ndarray:
    """The field of affine maps (:func:`fit_field`, ``K x Gy x Gx x 4 x 3``) that grades the
    content of ``materials`` towards ``result`` (``H x W x 3`` float32 at the content's size
    or at :func:`fit_shape`) at ``locality`` < 1."""
    m = materials
    if result.shape[:2] not in (m.full.shape[1:], m.small.shape[1:]):
        raise ValueError(f"result of {result.shape[:2]} for a content of {m.full.shape[1:]}")
    return fit_field(m.content_small, fit_size(result), m.small, node_spacing(locality))


def grade(
    content: np.ndarray,
    result: np.ndarray,
    locality: float,
    labels: np.ndarray | None = None,
    materials: Materials | None = None,
) -> np.ndarray:
    """``result`` re-expressed as a material-aware, spatially smooth colour grade of
    ``content`` (``H x W x 3`` float32 in [0, 1]; ``labels``: an ``H x W`` int map or None;
    ``materials``: :func:`content_materials` of the two, when already computed).
    ``result`` is ``H x W x 3`` float32 at the content's size or at :func:`fit_shape` (the
    field only sees it there: a smaller result saves its cost upstream). ``locality`` 1
    returns ``result``. Returns ``H x W x 3`` float32 at the content's size."""
    if locality >= 1.0:
        return result
    m = materials or content_materials(content, labels)
    return apply_field(content, m.full, grade_maps(result, locality, m))
