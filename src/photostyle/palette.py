"""Palette match: the graded result's colours moved towards the style's, as a grade again.

The colour grade (:mod:`photostyle.grade`) fits the closed-form result with a smooth field of
per-material affine maps; a least-squares fit keeps what the result does to each material but
not all of its spread, so the grade ends further from the style's colours than the result.
This stage closes that gap without painting:

1. the graded result ``g`` and the style, both at the grade's fit size (every
   ``MATCH_STRIDE``-th row and column when that leaves ``MIN_SAMPLE`` pixels of each), are
   matched by Pitie et al.'s iterative distribution transfer (IDT, CVIU 2007; here without
   regraining):
   ``T = sliced_transfer(g, style)``, whose Lab distribution is the style's;
2. the displacement ``D = T - g`` is not applied per pixel (it would bend each material's
   colours and amplify grain) but fitted like the grade, by a field of affine maps of the
   content with the grade's materials and node spacing, its gains pulled towards 0 by
   ``MATCH_RIDGE``: mostly a smooth shift per material, a little gain;
3. that field is fitted to ``content + D`` (the fit pulls maps towards the identity, so the
   displacement's own gains are pulled towards 0); the grade's field plus it minus the
   identity is applied to the content once: ``out = clip(field_g(c) + field_d(c) - c)``.

**Two targets; the content's kept where it is better on both counts.** ``T(g)`` keeps
the order of colours of the closed-form result, which on a pair of unlike scenes may differ
from the content's: on pairs-wide 20 the result tones a snow bank bluer than the brighter
snow around it, and the transfer maps that small difference across the gap between the
style's two peaks of b (deep-blue water, coral), a peach bank on teal snow. The content's
own transfer ``T(c)`` (``towards="content"``, ``D = T(c) - g``) keeps the content's order
instead, and fails where the content's darkest colours meet a style whose darkest are
saturated (pair 44: a green stream bank turned red). Without labels
:func:`photostyle.stages.matched` runs the whole chain below for both targets and keeps the
content's only where it is better on both counts (:func:`chosen`): nearer the style's
colours (the sliced 1-Wasserstein distance in Lab, the measure IDT itself reduces) and
keeping at least as much of the content's structure (gradient SSIM). Colour alone took the
content's on a yellow dahlia under a red rose (dpst-dev 09) whose petals it flattened.

With label maps each content label is matched to its partner region of the style, and a
label without one is left as graded (towards the graded result only).

After :mod:`photostyle.coherence` has moved the materials' colours together, the stage ends
with one global colour map (:func:`match_globally`): the final graded colours ``g`` are
matched by IDT again, ``T(g)``, and one affine map ``M`` of the colour (3x3 and an offset)
is fitted by least squares to ``T(g)``, pulled towards the identity by ``GLOBAL_RIDGE``::

    M = argmin_M  sum_x |[g(x), 1] M - T(g(x))|^2 / N  +  GLOBAL_RIDGE |M_A - I|^2

and composed with every map of the field (per label group with labels). One function of the
colour for the whole photo cannot split a material, and it gives back the style's colours
that the per-material bound took away. Constants: ``docs/decisions.md``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

#: Ridge of the displacement field's gains towards 0 (colour variance units).
MATCH_RIDGE = 0.3
#: Random rotations of the distribution transfer, and quantiles matched per axis.
MATCH_ITERATIONS = 10
MATCH_QUANTILES = 256
#: Fewest pixels of a style region that a content label is matched to.
MIN_REGION_PIXELS = 64
#: The match's transfer and fit see every ``MATCH_STRIDE``-th row and column of the fit size
#: (graded content, memberships, style): the field it fits is coarse, and the transfer's
#: interpolation of every pixel was its cost.
MATCH_STRIDE = 2
#: Fewest pixels a subsample keeps of the content and of the style (else all pixels of both
#: are used): on a small image the transfer's 256 quantiles would rest on a pixel or two
#: each, and a change of 3e-5 in the input (another thread count's summation order) moved
#: the result by 4e-4 (measured on a 40 x 56 noise image).
MIN_SAMPLE = 8192
#: Random directions of the sliced distance by which :func:`chosen` picks the match.
PICK_DIRECTIONS = 32
#: Ridge of the global colour map's gains towards the identity (RGB second-moment units).
GLOBAL_RIDGE = 0.05
#: One pixel in ``GLOBAL_STRIDE`` (of the fit size, raster order; when that leaves
#: ``MIN_SAMPLE``) fits the global map: its 12 numbers and the transfer's quantiles need
#: few, and the transfer is the cost.
GLOBAL_STRIDE = 4


def sliced_transfer(x: np.ndarray, y: np.ndarray, seed: int = 0) -> np.ndarray:
    """Pitie's IDT of the colours ``x`` (``N x 3`` float) to the distribution of ``y``
    (``M x 3``): ``MATCH_ITERATIONS`` random rotations (seeded), each axis of ``x`` mapped
    onto ``y``'s by its ``MATCH_QUANTILES`` quantiles, linear with slope 1 beyond the ends.
    Returns ``N x 3`` float64, unclipped."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, np.float64).reshape(-1, 3)
    y = np.asarray(y, np.float64).reshape(-1, 3)
    q = (np.arange(MATCH_QUANTILES) + 0.5) / MATCH_QUANTILES
    for _ in range(MATCH_ITERATIONS):
        rot = np.linalg.qr(rng.standard_normal((3, 3)))[0]
        xp, yp = x @ rot, y @ rot
        kx, ky = _quantiles(xp, q), _quantiles(yp, q)
        for j in range(3):
            v = xp[:, j]
            lo, hi = kx[0, j], kx[-1, j]
            ends = np.minimum(v - lo, 0) + np.maximum(v - hi, 0)  # slope 1 outside
            xp[:, j] = np.interp(v, kx[:, j], ky[:, j]) + ends
        x = xp @ rot.T
    return x


def _quantiles(v: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.quantile(v, q, axis=0)`` (its linear rule) of ``v`` (``N x C``) from one sort of
    each column: several times faster than numpy's partition for 256 quantiles."""
    s = np.sort(v, axis=0)
    pos = q * (len(s) - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, len(s) - 1)
    t = (pos - lo)[:, None]
    return s[lo] + (s[hi] - s[lo]) * t


def displacement(
    graded: np.ndarray,
    style: np.ndarray,
    labels: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """``sliced_transfer(graded, style) - graded`` (``h x w x 3`` float32, both images at
    the grade's fit size); with ``labels`` (the content's ``h x w`` and the style's int maps
    at those sizes), per content label to the style's pixels of the same label (zero where
    the style has fewer than ``MIN_REGION_PIXELS`` of it)."""
    g = graded.reshape(-1, 3)
    s = style.reshape(-1, 3)
    if labels is None:
        return (sliced_transfer(g, s) - g).astype(np.float32).reshape(graded.shape)
    own, theirs = labels[0].ravel(), labels[1].ravel()
    d = np.zeros_like(g, dtype=np.float64)
    for lab in np.unique(own):
        part = theirs == lab
        if part.sum() < MIN_REGION_PIXELS:
            continue
        here = own == lab
        d[here] = sliced_transfer(g[here], s[part]) - g[here]
    return d.astype(np.float32).reshape(graded.shape)


def match_palette(
    maps: np.ndarray,
    style: np.ndarray,
    locality: float,
    materials: object,
    labels: tuple[np.ndarray, np.ndarray] | None = None,
    towards: Literal["result", "content"] = "result",
) -> np.ndarray:
    """The grade's field ``maps`` (``K x Gy x Gx x 4 x 3``, :func:`~photostyle.grade.grade_maps`
    on ``materials``, the grade's :class:`~photostyle.materials.Materials`, at ``locality``)
    moved towards the colours of ``style`` (``h x w x 3`` float32 in [0, 1], any size):
    the graded content at the fit size is matched to the style, the displacement is fitted by
    a field of the same shape, and the two fields are summed, so that one application to the
    content (:func:`~photostyle.grade.apply_field`) grades and matches. ``labels``: the
    content's and the style's int label maps (any sizes) or None. ``towards``: ``"result"``
    matches the graded result (``D = T(g) - g``); ``"content"`` (without labels) the content
    itself (``D = T(c) - g``), whose order of colours the match then keeps (module docstring).
    Returns the summed field."""
    from photostyle.grade import IDENTITY, apply_field, fit_field, node_spacing
    from photostyle.materials import fit_size

    content, s = materials.content_small, fit_size(style)
    sub = _match_sample(content, s)
    cs = content[sub]
    labels = _fit_labels(labels, content, style)
    if labels is not None:
        labels = (labels[0][sub], labels[1][sub])
    graded = apply_field(content, materials.small, maps)[sub]
    if towards == "content" and labels is None:
        d = sliced_transfer(cs.reshape(-1, 3), s[sub].reshape(-1, 3)).reshape(graded.shape)
        d = (d - graded).astype(np.float32)
    elif towards == "result":
        d = displacement(graded, s[sub], labels)
    else:
        raise ValueError(f"towards must be 'result' or 'content' (without labels), got {towards!r}")
    # fit_field pulls gains towards the identity; fitted to ``content + d`` it pulls the
    # displacement's own gains towards 0, and subtracting the identity leaves the shift
    small = materials.small[:, sub[0], sub[1]]
    spacing = node_spacing(locality)
    shift = fit_field(cs, cs + d, small, spacing, MATCH_RIDGE, grid=maps.shape[1:3])
    return maps + shift - IDENTITY


def chosen(fields: list[np.ndarray], style: np.ndarray, materials: object) -> int:
    """Index of the field of ``fields`` (each ``K x Gy x Gx x 4 x 3`` on ``materials``) to
    keep: the first, unless a later one is better on both counts, its graded content nearer
    the style's colours (``style``: ``h x w x 3`` float32 in [0, 1], any size; the sliced
    1-Wasserstein distance in Lab over ``PICK_DIRECTIONS`` random directions,
    :func:`photostyle.metrics.sliced_wasserstein_lab`) and keeping at least as much of the
    content's structure (:func:`photostyle.metrics.structure_ssim`, the gradient pattern), both
    measured on every ``MATCH_STRIDE``-th row and column of the fit size, clipped to [0, 1].
    Of several such, the nearest."""
    from photostyle.grade import apply_field
    from photostyle.materials import fit_size
    from photostyle.metrics import lab_quantiles, sliced_wasserstein_lab, structure_ssim

    content, s = materials.content_small, fit_size(style)
    sub = _match_sample(content, s)
    ref = lab_quantiles(s[sub], PICK_DIRECTIONS)
    c = np.ascontiguousarray(content[sub])
    m = np.ascontiguousarray(materials.small[:, sub[0], sub[1]])
    scores = []
    for f in fields:
        out = np.clip(apply_field(c, m, f), 0, 1)
        colour = sliced_wasserstein_lab(out, None, PICK_DIRECTIONS, style_quantiles=ref)
        scores.append((colour, structure_ssim(c, out)))
    better = [i for i, (d, t) in enumerate(scores) if d < scores[0][0] and t >= scores[0][1]]
    return min(better, key=lambda i: scores[i][0]) if better else 0


def _match_sample(content: np.ndarray, style: np.ndarray) -> tuple[slice, slice]:
    """The rows and columns of the fit size (``content``, ``style``: both at their fit sizes)
    that the match sees: every ``MATCH_STRIDE``-th, or all (:func:`_step`)."""
    kept = [(a.shape[0] // MATCH_STRIDE) * (a.shape[1] // MATCH_STRIDE) for a in (content, style)]
    return (slice(None, None, _step(MATCH_STRIDE, kept)),) * 2


def _step(stride: int, kept: list[int]) -> int:
    """``stride``, or 1 where a subsample at it would keep fewer than ``MIN_SAMPLE`` pixels of
    one of the images matched (``kept``: each image's pixel count at that stride)."""
    return stride if min(kept) >= MIN_SAMPLE else 1


def _fit_labels(
    labels: tuple[np.ndarray, np.ndarray] | None, content_small: np.ndarray, style: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The label maps (content, style; any sizes) at the fit sizes of the content
    (``content_small``'s) and of ``style`` (nearest), or None."""
    if labels is None:
        return None
    from photostyle.imaging.resize import resize
    from photostyle.materials import fit_shape

    return (
        resize(labels[0], content_small.shape[:2], "nearest"),
        resize(labels[1], fit_shape(style.shape), "nearest"),
    )


def global_map(graded: np.ndarray, target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The ``4 x 3`` affine colour map ``[A; b]`` (``out = [g, 1] @ M``) minimising
    ``sum w |[g, 1] M - target|^2 / sum w + GLOBAL_RIDGE |A - I|^2`` over the colours
    ``graded`` and ``target`` (``N x 3``) with weights ``weight`` (``N``)."""
    from photostyle.grade import IDENTITY

    g1 = np.concatenate([graded, np.ones((len(graded), 1))], 1).astype(np.float64)
    w = weight.astype(np.float64)[:, None] / max(float(weight.sum()), 1e-12)
    reg = GLOBAL_RIDGE * np.diag([1.0, 1.0, 1.0, 0.0])
    lhs = g1.T @ (w * g1) + reg
    return np.linalg.solve(lhs, g1.T @ (w * target.astype(np.float64)) + reg @ IDENTITY)


def match_globally(
    maps: np.ndarray,
    style: np.ndarray,
    materials: object,
    labels: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The field ``maps`` (``K x Gy x Gx x 4 x 3`` on ``materials``) composed with one global
    colour map (:func:`global_map`, module docstring) that moves the graded content towards
    ``style``'s colours (``h x w x 3`` float32 in [0, 1], any size); with ``labels`` (the
    content's and the style's int maps, any sizes) one map per label group, fitted on its
    materials' memberships and matched to its partner region. Returns the composed field:
    ``A' = A M_A``, ``b' = b M_A + M_b`` per node."""
    from photostyle.grade import apply_field
    from photostyle.materials import fit_size

    cs = materials.content_small
    labels = _fit_labels(labels, cs, style)
    graded = apply_field(cs, materials.small, maps)
    s = fit_size(style)
    n = _step(GLOBAL_STRIDE, [a[..., 0].size // GLOBAL_STRIDE for a in (graded, s)])
    if labels is None:
        g = graded.reshape(-1, 3)[::n]
        d = sliced_transfer(g, s.reshape(-1, 3)[::n]) - g
    else:  # the whole fit size: label regions are matched to their partners one by one
        d = displacement(graded, s, labels).reshape(-1, 3)[::n]
        g = graded.reshape(-1, 3)[::n]
    out = maps.copy()
    memberships = materials.small.reshape(len(maps), -1)[:, ::n]
    for group in np.unique(materials.groups):
        own = materials.groups == group
        m = global_map(g, g + d, memberships[own].sum(0))
        out[own, ..., :3, :] = maps[own, ..., :3, :] @ m[:3]
        out[own, ..., 3, :] = maps[own, ..., 3, :] @ m[:3] + m[3]
    return out
