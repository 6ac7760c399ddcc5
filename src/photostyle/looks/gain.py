"""The gain bound of a look: no grain where the content's colours crowd together.

A global colour map with a steep slope where many pixels have nearly one colour (a grey
overcast sky, a black night sky) stretches those few levels over a wide range and multiplies
their sensor noise: Pitie, Kokaram & Dahyot (2007) call the effect grain. The matting term of
the fit cannot see it (a steep *affine* map is perfectly locally affine), and a ``.cube`` is a
pure colour map, so the remedy lives in the lattice itself.

For a lattice ``L`` (``n^3 x 3``, trilinear), the slope in cell ``q`` is its Jacobian ``J_q``
(``3 x 3``, the mean of the cell's edge differences times ``n - 1``), with the gain
``|J_q| = ||J_q||_F / sqrt(3)`` (identity: 1). The content's pixels in the cell allow::

    A_q = ( mean_{i in q} 1 / a_i^2 )^(-1/2),     a_i = G * sqrt(1 + v_i / (k sigma^2))

``v_i``: the 3 x 3 window variance of the content around pixel ``i``, ``sigma^2`` its noise
floor (both from :mod:`photostyle.smoothing.noise`, measured at the fit's working size, so
relative to the photo), ``G = LOOK_MAX_GAIN``, ``k = LOOK_NOISE_FACTOR``. A cell whose pixels
sit in flat regions allows about ``G``; one whose pixels carry real texture allows the slope
the fit wants. The mean of ``1 / a^2`` lets the flat pixels of a mixed cell dominate.

The bounded lattice keeps every edge difference of ``L`` but those of the cells over their
bound, which are scaled by ``f_q = min(1, A_q / |J_q|)`` (an edge takes the smallest ``f`` of
its cells), and is integrated back by least squares::

    min_L'  (1/E) sum_e w_e ((D L')_e - f_e (D L)_e)^2 (n - 1)^2  +  beta ||W (L' - L)||^2 / M

``D``: the lattice's ``E`` first differences along r, g and b; ``w_e = EMPTY_WEIGHT +`` the pixel
density of the edge's cells (relative to uniform), so the rise a bounded cell gives up moves
into colours no pixel has; ``W``: the content's trilinear weights (``beta = DATA_WEIGHT``)
keep the levels of the data.

The slope can instead be the steepest direction's gain ``||J_q||_2`` (``norm="spectral"``): a
map that squashes chroma and stretches luminance has a mean slope of 1 but a luminance gain
up to ``sqrt(3)``. It traces the same trade as the mean slope, shifted in G, so the shipped
bound stays the mean slope (``docs/decisions.md``).
"""

from __future__ import annotations

import numpy as np

#: The gain bound ``G`` in flat cells and the noise factor ``k`` of the module docstring;
#: ``G = inf`` switches the bound off (``docs/decisions.md``).
LOOK_MAX_GAIN = 1.0
LOOK_NOISE_FACTOR = 4.0
#: How a cell's slope is measured (:func:`cell_gains`): ``"frobenius"`` (the mean slope,
#: shipped) or ``"spectral"`` (the steepest direction), see the module docstring.
GAIN_NORMS = ("frobenius", "spectral")
#: Weights of empty lattice edges and of the data levels in the integration: how close the
#: cells come to their bound against how far the data colours move (``docs/decisions.md``).
EMPTY_WEIGHT = 0.01
DATA_WEIGHT = 10.0


def cell_index(rgb: np.ndarray, n: int) -> np.ndarray:
    """Flat index (``(r * (n-1) + g) * (n-1) + b``) of the lattice cell of each colour
    (``M x 3`` in [0, 1])."""
    from photostyle.looks.lattice import cell_origin

    i = cell_origin(rgb, n)
    return (i[:, 0] * (n - 1) + i[:, 1]) * (n - 1) + i[:, 2]


def allowed_gains(
    contents: list[np.ndarray], n: int, max_gain: float, factor: float = LOOK_NOISE_FACTOR
) -> tuple[np.ndarray, np.ndarray]:
    """``(A, density)``: the allowed gain ``A_q`` of each cell (``(n-1)^3`` float64, ``inf``
    where no pixel falls) and the pixel density per cell (mean 1 over the lattice).
    ``contents``: ``H x W x 3`` float images in [0, 1] (the fit's working size)."""
    from photostyle.imaging.windows import window_variance
    from photostyle.smoothing.noise import noise_floor

    cells = (n - 1) ** 3
    inv_sq, count = np.zeros(cells), np.zeros(cells)
    for c in contents:
        v = window_variance(c)
        a_inv_sq = 1.0 / (max_gain**2 * (1.0 + v.ravel() / (factor * noise_floor(v))))
        q = cell_index(c.reshape(-1, 3), n)
        inv_sq += np.bincount(q, a_inv_sq, cells)
        count += np.bincount(q, minlength=cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        allowed = np.where(count > 0, np.sqrt(count / inv_sq), np.inf)
    return allowed, count * cells / max(count.sum(), 1.0)


def edge_differences(table: np.ndarray) -> list[np.ndarray]:
    """The lattice's differences along r, g and b: ``(n-1) x n x n x 3``, ``n x (n-1) x n x 3``
    and ``n x n x (n-1) x 3`` (``table``: ``n^3 x 3``)."""
    n = round(len(table) ** (1 / 3))
    t = table.reshape(n, n, n, 3)
    return [np.diff(t, axis=a) for a in range(3)]


def cell_gains(table: np.ndarray, norm: str = GAIN_NORMS[0]) -> np.ndarray:
    """``|J_q|`` of every cell (``(n-1)^3``) of the lattice ``table`` (``n^3 x 3``):
    ``norm`` ``"frobenius"``: ``||J_q||_F / sqrt(3)`` (the gain averaged over colour
    directions); ``"spectral"``: ``||J_q||_2`` (the gain along the steepest direction)."""
    n = round(len(table) ** (1 / 3))
    cols = []
    for a, d in enumerate(edge_differences(table)):
        # the 4 parallel edges of each cell: average over the two other axes
        others = [x for x in range(3) if x != a]
        for x in others:
            d = (np.take(d, range(n - 1), axis=x) + np.take(d, range(1, n), axis=x)) / 2
        cols.append(d * (n - 1))
    jac = np.stack(cols, -1)  # (n-1)^3 x 3 (out) x 3 (in)
    if norm == "spectral":
        return np.linalg.norm(jac, ord=2, axis=(-2, -1)).ravel()
    return (np.linalg.norm(jac, axis=(-2, -1)) / np.sqrt(3)).ravel()


def _edge_min(per_cell: np.ndarray, n: int, axis: int) -> np.ndarray:
    """The smallest value of the (up to 4) cells around each edge along ``axis``; edges on
    the lattice's faces have fewer cells (``per_cell``: ``(n-1)^3``)."""
    c = per_cell.reshape(n - 1, n - 1, n - 1)
    others = [x for x in range(3) if x != axis]
    pad = [(0, 0)] * 3
    for x in others:
        pad[x] = (1, 1)
    c = np.pad(c, pad, constant_values=np.inf)
    out = np.full([n - 1 if x == axis else n for x in range(3)], np.inf)
    for s0 in (0, 1):
        for s1 in (0, 1):
            sl = [slice(None)] * 3
            sl[others[0]] = slice(s0, s0 + n)
            sl[others[1]] = slice(s1, s1 + n)
            out = np.minimum(out, c[tuple(sl)])
    return out


def bound_gain(
    table: np.ndarray,
    contents: list[np.ndarray],
    data_gram,  # noqa: ANN001 (scipy sparse matrix)
    max_gain: float = LOOK_MAX_GAIN,
    norm: str = GAIN_NORMS[0],
) -> np.ndarray:
    """The lattice ``table`` (``n^3 x 3`` float64) with its gain bounded (module docstring;
    ``norm``: how :func:`cell_gains` measures a cell's slope).
    ``contents``: the fit's contents (``H x W x 3`` float in [0, 1]); ``data_gram``:
    ``W^T W / M`` of their trilinear weights ``W`` (``M x n^3``), averaged over the contents
    (sparse).
    Returns ``table`` itself where no cell is over."""
    import scipy.sparse as sp

    from photostyle.looks.lattice import factorize, first_differences

    if not np.isfinite(max_gain):
        return table
    n = round(len(table) ** (1 / 3))
    allowed, density = allowed_gains(contents, n, max_gain)
    f = np.minimum(1.0, allowed / np.maximum(cell_gains(table, norm), 1e-12))
    if f.min() >= 1.0:
        return table
    d = first_differences(n)
    scale = np.concatenate([_edge_min(f, n, a).ravel() for a in range(3)])
    # an edge's density: the largest of its cells' (the empty lattice gets EMPTY_WEIGHT)
    dens = np.concatenate([-_edge_min(-density, n, a).ravel() for a in range(3)])
    w = sp.diags((EMPTY_WEIGHT + dens) * (n - 1) ** 2 / len(dens))
    target = scale[:, None] * (d @ table)
    a = (d.T @ w @ d + DATA_WEIGHT * data_gram + 1e-9 * sp.identity(n**3)).tocsc()
    b = d.T @ (w @ target) + DATA_WEIGHT * (data_gram @ table) + 1e-9 * table
    return factorize(a).solve(b)
