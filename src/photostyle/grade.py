"""The result as a colour grade of the content: a coarse, material-aware field of affine maps.

The closed-form result ``R`` (F1 -> F2) follows the style per pixel, and on a pair whose
content and style show different scenes it paints: blotches of the style's colours over one
material, style texture in flat areas. This stage keeps what ``R`` does to each material of
the content and drops what it paints, by fitting ``R`` with a field of affine colour maps of
the content and returning that field applied to the content::

    out(x) = sum_k m_k(x) (A_k(x) c(x) + b_k(x))

* **Materials** ``m_k(x)``: soft memberships of each pixel in ``K`` clusters of the content
  (k-means of smoothed Lab colour plus position, and of the label maps when given), so that
  the map may change across the content's edges and across labelled regions
  (:mod:`photostyle.materials`).
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

import numpy as np

from photostyle.materials import Materials, content_materials, fit_size

#: Pull of each node's fit towards its material's global fit, in pseudo-pixels per node
#: (as a fraction of the mean node mass).
PRIOR_PIXELS = 0.5
#: Ridge of the global per-material fit towards the identity map (colour variance units).
RIDGE = 3e-2
#: The identity map ``[A; b]`` of :func:`fit_field` (``out = [c, 1] @ map``).
IDENTITY = np.vstack([np.eye(3), np.zeros((1, 3))])


def node_spacing(locality: float) -> float:
    """Node spacing of the field as a fraction of the long side."""
    return 2.0 ** (-6.0 * locality)


def _tent(n_px: int, nodes: int, corners: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``nodes x n_px`` linear interpolation weights between grid nodes, and each pixel's
    left node (``n_px`` ints, non-decreasing; its weights lie on that node and the next).
    The nodes span the pixel centres' positions ``(i + 0.5) / n_px`` of the fit, or with
    ``corners`` lie on the first and last pixel centre (bilinear ``align_corners``)."""
    if corners:
        pos = np.arange(n_px) * (nodes - 1) / max(n_px - 1, 1)
    else:
        pos = (np.arange(n_px) + 0.5) / n_px * (nodes - 1)
    i0 = np.clip(np.floor(pos).astype(int), 0, max(nodes - 2, 0))
    t = pos - i0
    w = np.zeros((nodes, n_px))
    w[i0, np.arange(n_px)] = 1 - t
    if nodes > 1:
        w[i0 + 1, np.arange(n_px)] += t
    return w, i0


def _spans(left: np.ndarray) -> list[tuple[slice, int, int]]:
    """``(nodes, a, b)`` per run of pixels ``a .. b-1`` with one left node (``left`` from
    :func:`_tent`): the two nodes (one for a one-node axis) that carry their weights."""
    starts = np.flatnonzero(np.r_[True, left[1:] != left[:-1]])
    ends = np.r_[starts[1:], len(left)]
    return [
        (slice(int(left[a]), int(left[a]) + 2), int(a), int(b))
        for a, b in zip(starts, ends, strict=True)
    ]


def grid_shape(h: int, w: int, spacing: float) -> tuple[int, int]:
    """Nodes ``(Gy, Gx)`` of a field with node ``spacing`` (a fraction of the long side) on
    an ``h x w`` image: at least two per axis."""
    return (
        max(2, round(h / (spacing * max(h, w))) + 1),
        max(2, round(w / (spacing * max(h, w))) + 1),
    )


def fit_field(
    content: np.ndarray,
    result: np.ndarray,
    m: np.ndarray,
    spacing: float,
    ridge: float = RIDGE,
    grid: tuple[int, int] | None = None,
) -> np.ndarray:
    """Affine maps ``K x Gy x Gx x 4 x 3`` (``[A; b]``: ``out = [c, 1] @ map``) fitted to
    ``result`` on ``content`` (both ``H x W x 3``) with memberships ``m`` (``K x H x W``);
    ``ridge`` pulls each material's global map towards the identity. ``grid``: the nodes
    ``(Gy, Gx)`` (default :func:`grid_shape`), so that a fit on a subsample of an image's
    pixels gives that image's field."""
    h, w = content.shape[:2]
    gy, gx = grid or grid_shape(h, w, spacing)
    moments = node_moments(content, m, (gy, gx), result)
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


def node_moments(
    content: np.ndarray, m: np.ndarray, grid: tuple[int, int], result: np.ndarray | None = None
) -> np.ndarray:
    """Per material and node of a ``grid`` ``(Gy, Gx)``, the sums over pixels of
    ``tent_y tent_x m_k [c, 1] [c, 1]^T`` (16 values) and, with ``result``, of
    ``tent_y tent_x m_k [c, 1] r^T`` (12 more): ``K x Gy x Gx x 16`` (or ``x 28``) float64,
    for ``content`` and ``result`` ``H x W x 3`` and memberships ``m`` ``K x H x W``."""
    h, w = content.shape[:2]
    (ty, _), (tx, left) = _tent(h, grid[0]), _tent(w, grid[1])
    c1 = np.concatenate([content, np.ones((h, w, 1), content.dtype)], 2).astype(np.float64)
    outer = (c1[..., :, None] * c1[..., None, :]).reshape(h, w, 16)  # c c^T
    if result is not None:
        cr = c1[..., :, None] * result.astype(np.float64)[..., None, :]  # c r^T
        outer = np.concatenate([outer, cr.reshape(h, w, 12)], 2)
    # the x axis contracted first, per run of columns between two nodes: one product per row
    # of the memberships times those nodes' tent weights with the pixels' moments
    k, c = len(m), outer.shape[2]
    mt = m.astype(np.float64).transpose(1, 0, 2)  # h x K x w
    rows = np.zeros((h, k, grid[1], c))
    for nodes, a, b in _spans(left):
        mw = mt[:, :, None, a:b] * tx[nodes, a:b]  # h x K x 2 x n
        part = np.matmul(mw.reshape(h, -1, b - a), outer[:, a:b])
        rows[:, :, nodes] += part.reshape(h, k, -1, c)
    return np.einsum("yh,hkxc->kyxc", ty, rows, optimize=True)


def apply_field(content: np.ndarray, m: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """``sum_k m_k(x) [c(x), 1] @ map_k(x)``, the maps interpolated (bilinear, node centres on
    the first and last pixel centres: ``align_corners``) from the grid to ``content``'s size.
    The sum is linear in the maps (so a sum of fields, as
    :func:`photostyle.palette.match_palette` returns, is applied at the cost of one), and the
    interpolation is separable with two nodes per pixel along x: the rows are interpolated
    on the grid first (``P = T_y G``, tiny), then for the columns between each two nodes
    ``j, j+1`` one batched product per row of the ``12 x 2K`` node maps with the memberships
    times the two tent weights (``2K x n``) gives the field; no map is enlarged to the image
    (ten times faster than enlarging each material's maps). Returns ``H x W x 3`` float32
    clipped to [0, 1]."""
    import torch

    h, w = content.shape[:2]
    k, gy, gx = maps.shape[:3]
    (ty, _), (tx, left) = _tent(h, gy, corners=True), _tent(w, gx, corners=True)
    grid = torch.from_numpy(maps.reshape(k, gy, gx, 12).astype(np.float32))
    rows = torch.einsum("yh,kyxc->hxkc", torch.from_numpy(ty.astype(np.float32)), grid)
    weights = torch.from_numpy(np.ascontiguousarray(m, np.float32)).permute(1, 0, 2)  # h K w
    tents = torch.from_numpy(tx.astype(np.float32))
    c = torch.from_numpy(np.ascontiguousarray(content, np.float32)).permute(0, 2, 1)  # h 3 w
    out = torch.empty(h, 3, w)
    for nodes, a, b in _spans(left):
        pair = rows[:, nodes].reshape(h, -1, 12)  # h x (2 K) x 12: the two nodes' maps
        mw = (tents[nodes, a:b][None, :, None] * weights[:, None, :, a:b]).reshape(h, -1, b - a)
        field = torch.bmm(pair.transpose(1, 2), mw).view(h, 4, 3, b - a)
        ch = c[:, :, a:b]
        out[:, :, a:b] = (
            field[:, 3]
            + field[:, 0] * ch[:, 0:1]
            + field[:, 1] * ch[:, 1:2]
            + field[:, 2] * ch[:, 2:3]
        )
    return out.clamp_(0.0, 1.0).permute(0, 2, 1).numpy().copy()


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
