"""Global statistics matching before the final smoothing (``colour_fix``, ``detail_match``).

The stylization and the smoothing pull colours and local contrast towards the content and lose
some of the style's saturation, contrast and crispness. Two global corrections, both applied
to a guided-filter preview of the result before the final smoothing:

:func:`match_colour` applies the one affine colour map ``x -> A (x - m_x) + m_y`` that gives
the image the mean ``m_y`` and covariance ``S_y`` of a reference (the style), with ``A`` the
Monge-Kantorovich linear map::

    A = S_x^-1/2 (S_x^1/2 S_y S_x^1/2)^1/2 S_x^-1/2

A global affine colour map adds no edges or textures, so the result stays photorealistic
(locally affine in the content colours, like the smoothing output).

:func:`match_detail` scales each difference-of-Gaussians band of the image (4 scales) by one
gain per colour channel so that the band's energy matches the reference's: the style's local
contrast (crisp night lights, hazy distance) without copying any of its texture.

With label maps (``regions=(content_labels, style_labels)``) both work per region, with the
region rule of the WCT (:func:`photostyle.labels.match_regions` at the coarsest level): each
content label with a style partner gets the map (and the gains) from its own statistics to its
partner's; a label too small or without a partner keeps the global ones. The regions are
joined without seams: every map is applied with a soft weight (the label's indicator blurred
by a Gaussian of ``REGION_BLUR`` times the long side, weights summing to 1), and the final
smoothing sees the joined image.
"""

from __future__ import annotations

import numpy as np

from photostyle.imaging.resize import resize, resize_by

#: Added to both colour covariances (variance units, colours in [0, 1]).
COV_FLOOR = 1e-4


def _check_pair(image: np.ndarray, reference: np.ndarray) -> None:
    if image.ndim != 3 or image.shape[2] != 3 or reference.ndim != 3 or reference.shape[2] != 3:
        raise ValueError(f"need two H x W x 3 images, got {image.shape} and {reference.shape}")


def _sqrtm(s: np.ndarray, inverse: bool = False, floor: float = 1e-5) -> np.ndarray:
    """Symmetric square root (or inverse root) of a PSD ``3 x 3`` matrix, eigenvalues floored."""
    w, v = np.linalg.eigh(s)
    w = np.maximum(w, floor * max(float(w.max()), 1e-12))
    return (v * w ** (-0.5 if inverse else 0.5)) @ v.T


def _mk_map(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Monge-Kantorovich affine map ``x -> x A^T + b`` from the colours ``x`` (``n x 3``) to
    the mean and covariance of ``y`` (``m x 3``), float64."""
    mx, my = x.mean(0), y.mean(0)
    # the floor (std 0.01 = 2.6/255 per channel) bounds the gain on flat images, which would
    # otherwise amplify noise
    sx = np.cov(x, rowvar=False) + COV_FLOOR * np.eye(3)
    sy = np.cov(y, rowvar=False) + COV_FLOOR * np.eye(3)
    r, ri = _sqrtm(sx), _sqrtm(sx, inverse=True)
    a = ri @ _sqrtm(r @ sy @ r) @ ri
    return a, my - mx @ a.T


def match_colour(
    image: np.ndarray, reference: np.ndarray, regions: tuple | None = None
) -> np.ndarray:
    """Affine colour map of ``image`` to the colour mean/covariance of ``reference``.

    Args:
        image: ``H x W x 3`` float in [0, 1].
        reference: ``h x w x 3`` float in [0, 1] (any size).
        regions: optional ``(image_labels, reference_labels)``, int label maps of any size
            (resized, nearest, to their images): one map per partnered region, joined with
            soft weights (module docstring).

    Returns:
        ``H x W x 3`` float32 in [0, 1] (clipped).
    """
    _check_pair(image, reference)
    x = image.reshape(-1, 3).astype(np.float64)
    y = reference.reshape(-1, 3).astype(np.float64)
    maps = [_mk_map(x, y)]
    if regions is None:
        out = x @ maps[0][0].T + maps[0][1]
    else:
        partners, li, lr = _regions(regions, image.shape[:2], reference.shape[:2])
        maps += [_mk_map(x[li == c], y[lr == s]) for c, s in partners.items()]
        weights = region_weights(regions[0], list(partners), image.shape[:2]).reshape(len(maps), -1)
        out = np.zeros_like(x)
        for (a, b), w in zip(maps, weights, strict=True):
            out += w[:, None] * (x @ a.T + b)
    return np.clip(out, 0.0, 1.0).reshape(image.shape).astype(np.float32)


#: Width of the soft region weights (Gaussian sigma) as a fraction of the label map's long side.
#: The result hardly depends on it (``docs/decisions.md``).
REGION_BLUR = 0.0025


def _regions(
    regions: tuple, image_shape: tuple[int, int], reference_shape: tuple[int, int]
) -> tuple[dict[int, int], np.ndarray, np.ndarray]:
    """The partnered labels (the WCT's rule at its coarsest level, 1/8 of the label maps) and
    both label maps resized (nearest) to their images, flattened."""
    from photostyle.labels import match_regions

    lc, ls = (np.asarray(r, np.int32) for r in regions)
    coarse = [
        resize(m, (max(1, m.shape[0] // 8), max(1, m.shape[1] // 8)), "nearest") for m in (lc, ls)
    ]
    plan = match_regions(coarse[0].ravel(), coarse[1].ravel())
    partners = {c: s for c, s in plan.pairs.items() if s is not None}
    li = resize(lc, image_shape, "nearest").ravel()
    lr = resize(ls, reference_shape, "nearest").ravel()
    partners = {c: s for c, s in partners.items() if (li == c).sum() > 3 and (lr == s).sum() > 3}
    return partners, li, lr


def region_weights(labels: np.ndarray, keep: list[int], shape: tuple[int, int]) -> np.ndarray:
    """Soft weights ``(1 + len(keep)) x H x W`` (float32, summing to 1 per pixel) of the labels
    ``keep`` and, first, of all other labels together; computed on the label map's own grid
    (Gaussian of ``REGION_BLUR`` times its long side) and resized (bilinear) to ``shape``."""
    from scipy.ndimage import gaussian_filter

    sigma = REGION_BLUR * max(labels.shape)
    ind = [~np.isin(labels, keep)] + [labels == k for k in keep]
    w = np.stack([gaussian_filter(m.astype(np.float32), sigma, mode="nearest") for m in ind], -1)
    w /= np.maximum(w.sum(-1, keepdims=True), 1e-6)
    if w.shape[:2] != tuple(shape):
        w = np.clip(resize(w, shape), 0, None)
        w /= np.maximum(w.sum(-1, keepdims=True), 1e-6)
    return np.ascontiguousarray(np.moveaxis(w, -1, 0))


#: Gaussian scales (pixels at the working resolution) of the detail bands of :func:`match_detail`.
DETAIL_SIGMAS = (1.0, 2.0, 4.0, 8.0)
#: Range of the per-band, per-channel detail gains (bounds noise amplification on flat images).
DETAIL_GAIN_RANGE = (0.5, 3.0)
#: Long side (pixels) at which the band energies of image and reference are compared.
DETAIL_WORK_SIDE = 512
#: From this ratio of the image's long side to the working side on, :func:`match_detail`
#: computes the Gaussian low-passes on the image downsized by ``int(ratio)``: O(N) instead of
#: O(N sigma) (``docs/decisions.md``).
DETAIL_PYRAMID_RATIO = 2.0


def dog_bands(image: np.ndarray, sigmas: tuple[float, ...]) -> tuple[list[np.ndarray], np.ndarray]:
    """Difference-of-Gaussians bands of an ``H x W x C`` float image.

    ``g_0 = image``, ``g_k = G_{sigma_k} * g_{k-1}``, band ``b_k = g_{k-1} - g_k``, so that
    ``image = g_K + sum_k b_k`` exactly. Returns the ``K`` bands and the base ``g_K`` (same
    shape and dtype as ``image``).
    """
    from scipy.ndimage import gaussian_filter

    bands, cur = [], image
    for s in sigmas:
        low = gaussian_filter(cur, (s, s, 0), mode="reflect")
        bands.append(cur - low)
        cur = low
    return bands, cur


def _work_side(image: np.ndarray, reference: np.ndarray) -> int:
    return min(DETAIL_WORK_SIDE, max(image.shape[:2]), max(reference.shape[:2]))


def detail_gains(
    image: np.ndarray, reference: np.ndarray, regions: tuple | None = None
) -> np.ndarray:
    """Per-band, per-channel gains ``g_k = sqrt(E[b_k(ref)^2] / E[b_k(image)^2])``.

    Both images are first resized (bilinear) to the same long side ``min(DETAIL_WORK_SIDE,
    both long sides)``, so that a band is the same relative scale in both. Returns
    ``len(DETAIL_SIGMAS) x 3`` float64, clipped to ``DETAIL_GAIN_RANGE``; with ``regions``
    (as in :func:`match_colour`), ``(1 + R) x len(DETAIL_SIGMAS) x 3``: the global gains, then
    those of each partnered region (energies over the region's pixels).
    """
    partners = _regions(regions, image.shape[:2], reference.shape[:2])[0] if regions else None
    return _detail_gains(image, reference, regions, partners)


def _detail_gains(
    image: np.ndarray, reference: np.ndarray, regions: tuple | None, partners: dict | None
) -> np.ndarray:
    """:func:`detail_gains` with the partnered labels (of :func:`_regions`) given."""
    side = _work_side(image, reference)

    def energies(a: np.ndarray, labels: np.ndarray | None, keep: list[int]) -> np.ndarray:
        f = side / max(a.shape[:2])
        if f < 1:
            a = resize_by(a, f)
        sq = [
            b.astype(np.float64) ** 2
            for b in dog_bands(np.asarray(a, np.float32), DETAIL_SIGMAS)[0]
        ]
        out = [np.array([b.mean((0, 1)) for b in sq])]
        if labels is not None:
            lab = resize(labels, a.shape[:2], "nearest")
            out += [np.array([b[lab == k].mean(0) for b in sq]) for k in keep]
        return np.stack(out)

    if regions is None:
        e_ref, e_img = energies(reference, None, []), energies(image, None, [])
    else:
        e_img = energies(image, np.asarray(regions[0], np.int32), list(partners))
        e_ref = energies(reference, np.asarray(regions[1], np.int32), list(partners.values()))
    gains = np.clip(np.sqrt(e_ref / np.maximum(e_img, 1e-12)), *DETAIL_GAIN_RANGE)
    return gains if regions is not None else gains[0]


def _gain_maps(gains: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Gains per band as ``K x h x w x 3`` maps joined with the soft region ``weights``
    (``(1 + R) x h x w``), or ``K x 1 x 1 x 3`` without regions (``gains`` ``K x 3``)."""
    if weights is None:
        return gains[:, None, None, :]
    return np.einsum("jkc,jhw->khwc", gains, weights, optimize=True).astype(np.float32)


def match_detail(
    image: np.ndarray, reference: np.ndarray, regions: tuple | None = None
) -> np.ndarray:
    """Give ``image`` the detail energy per scale of ``reference`` (local-contrast match).

    ``out = g_K + sum_k gain_k * b_k`` with the difference-of-Gaussians bands ``b_k`` of
    :func:`dog_bands` and the gains of :func:`detail_gains` (per band and colour channel, and
    with ``regions`` per region, joined with the soft weights of :func:`region_weights`); the
    band scales are ``DETAIL_SIGMAS`` at the working resolution, i.e. multiplied by
    ``long side / working side`` at the image's own size. Scaling existing detail adds no new
    edges; the exact smoothing run afterwards keeps the result locally affine in the content.

    ``image``: ``H x W x 3`` float in [0, 1]; ``reference``: any size, ``h x w x 3`` float in
    [0, 1]. Returns the ``H x W x 3`` float32 result, clipped to [0, 1].
    """
    _check_pair(image, reference)
    partners = _regions(regions, image.shape[:2], reference.shape[:2])[0] if regions else None
    gains = _detail_gains(image, reference, regions, partners).astype(np.float32)
    keep = list(partners or {})

    def maps(shape: tuple[int, int]) -> np.ndarray:
        w = region_weights(np.asarray(regions[0], np.int32), keep, shape) if regions else None
        return _gain_maps(gains, w)

    scale = max(image.shape[:2]) / _work_side(image, reference)
    img = image.astype(np.float32)
    if scale < DETAIL_PYRAMID_RATIO:
        bands, base = dog_bands(img, tuple(s * scale for s in DETAIL_SIGMAS))
        out = base + sum(b * g for b, g in zip(bands, maps(img.shape[:2]), strict=True))
    else:
        out = _match_detail_pyramid(img, maps, scale)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _match_detail_pyramid(img: np.ndarray, maps: object, scale: float) -> np.ndarray:
    """:func:`match_detail` for large images: low-passes at ``1/f`` size, ``f = int(scale)``.

    ``out = x + sum_k (gain_k - 1) b_k = gain_1 x + up(sum_{k>=2} (gain_k - 1) b_k
    - (gain_1 - 1) g_1)``: only ``x`` itself is touched at full size, the bands and ``g_1``
    come from the downsized image (bilinear, antialiased) and are upsampled once. Measured on
    dpst pair 03 upscaled to 2100 x 1404 / 4237 x 2832: 0.7 / 1.7 s instead of 3.5 / 28 s;
    the change it makes differs from the full-size one by 12 % (RMS), at most 4.9/255.
    ``maps(shape)``: the gains per band at that size (see :func:`_gain_maps`).
    """

    h, w = img.shape[:2]
    f = int(scale)
    small = resize_by(img, 1 / f)
    gains = maps(small.shape[:2])
    bands, _ = dog_bands(small, tuple(s * scale / f for s in DETAIL_SIGMAS))
    low1 = small - bands[0]
    delta = sum(b * (g - 1) for b, g in zip(bands[1:], gains[1:], strict=True))
    delta = delta - low1 * (gains[0] - 1)
    return img * maps((h, w))[0] + resize(delta, (h, w))
