"""The stylizing look fit: a smooth global colour map that keeps the transfer's local contrast,
takes the style's colours and stays photorealistic (used by :meth:`photostyle.looks.look.Look.fit`
when the style is given).

A look cannot copy a transfer pixel for pixel (the transfer varies in space), and the
per-colour mean of the result (the plain regression of ``look.py``) flattens contrast and
pulls colours to the middle. This fit instead solves, for the lattice ``L`` (``n^3 x 3``),
over the content/result pairs ``(c, r)`` (each at most ``WORK_PIXELS``)::

    min_L  sum_pairs (1/M) [ ||G (W L - r)||^2 + beta ||W L - r||^2 + gamma ||W L - t||^2
                             + mu tr((W L)^T Lap (W L)) ]  +  s ||D2 L||^2

* ``W``: trilinear weights of the content colours (``M x n^3``), ``G``: horizontal and vertical
  pixel differences: the look reproduces the transfer's *local* contrast (its gradients),
  not its spatially varying offsets;
* ``t``: the current look's colours moved to the style's colour distribution by Pitie et
  al.'s iterative distribution transfer (random rotations, monotone 1D transport per axis,
  ties moved to their conditional mean so that a flat background is not torn apart);
  re-estimated ``ITERATIONS`` times (a fixed-point iteration);
* ``Lap``: the matting Laplacian of the content (the affinity of F2's smoothing), so
  ``tr(Y^T Lap Y)`` is the energy of ``Y``'s residual from a locally affine function of the
  content: the same photorealism criterion as the smoothing;
* ``D2``: second differences of the lattice (unvisited cells continue the data affinely).

Then the style-statistics step of :mod:`photostyle.looks.gram` (``GRAM_WEIGHT``): from that
solution, L-BFGS preconditioned by this problem's own matrix lowers the VGG Gram distance of
the look's image to the style (the statistic PhotoWCT matches) with a penalty on colours that
leave [0, 1] (a clipped look adds edges that are not locally affine in the content). Last,
the gain bound of :mod:`photostyle.looks.gain`: no steep slope where the content's colours
crowd together in a flat region (their noise would become grain).

The fit starts from the result's own colours (the first distribution-transfer target) and
factorises one sparse system. The weights (gamma, mu, Gram weight), the gain bound G, the rule
that chose them on all 60 pairs-wide pairs and the fit's working sizes are in
``docs/decisions.md``.
"""

from __future__ import annotations

import numpy as np

from photostyle.looks.gain import LOOK_MAX_GAIN, bound_gain

#: Pixels of each content/result pair used by the fit (area-downscaled above this).
WORK_PIXELS = 100_000
#: Lattice solved (directly); larger looks are its exact trilinear refinement when
#: ``(n - 1)`` is a multiple of ``SOLVE_SIZE - 1`` (33 = 2 * 16 + 1).
SOLVE_SIZE = 17
GRADIENT_WEIGHT, BETA, GAMMA, MU = 1.0, 0.01, 3.0, 300.0
ITERATIONS, ROTATIONS = 5, 5
#: Weights of the Gram loss and of the range penalty, and L-BFGS iterations, of the
#: style-statistics step (:mod:`photostyle.looks.gram`); ``GRAM_WEIGHT = 0`` skips it.
GRAM_WEIGHT, RANGE_WEIGHT, GRAM_ITERATIONS = 0.1, 10.0, 3


def match_1d(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Monotone transport of samples ``x`` (``M``) onto the distribution of ``z`` (``K``):
    the sample of rank ``i`` goes to the ``(i + 0.5) / M`` quantile of ``z``; samples with
    equal values get the mean of their ranks' targets."""
    m = len(x)
    _, inv, cnt = np.unique(x, return_inverse=True, return_counts=True)
    zs = np.sort(z)
    target = np.interp((np.arange(m) + 0.5) * len(zs) / m - 0.5, np.arange(len(zs)), zs)
    csum = np.concatenate([[0.0], np.cumsum(target)])
    ends = np.cumsum(cnt)
    return ((csum[ends] - csum[ends - cnt]) / cnt)[inv]


def distribution_transfer(y: np.ndarray, z: np.ndarray, rotations: int, seed: int) -> np.ndarray:
    """Pitie's iterative distribution transfer of colours ``y`` (``M x 3``) towards the colours
    ``z`` (``K x 3``): per random orthonormal basis, :func:`match_1d` on each axis."""
    rng = np.random.default_rng(seed)
    y = y.copy()
    for _ in range(rotations):
        rot, _ = np.linalg.qr(rng.standard_normal((3, 3)))
        py, pz = y @ rot, z @ rot
        moved = np.stack([match_1d(py[:, a], pz[:, a]) for a in range(3)], 1)
        y += (moved - py) @ rot.T
    return y


def _differences(h: int, w: int):  # noqa: ANN202 (scipy sparse matrix)
    """Horizontal and vertical forward differences of an ``h x w`` image (stacked rows)."""
    import scipy.sparse as sp

    def d1(k: int) -> sp.spmatrix:
        return sp.diags([-np.ones(k - 1), np.ones(k - 1)], [0, 1], (k - 1, k))

    return sp.vstack([sp.kron(sp.identity(h), d1(w)), sp.kron(d1(h), sp.identity(w))]).tocsr()


def stylizing_table(
    pairs: list[tuple[np.ndarray, np.ndarray]],
    style: np.ndarray,
    size: int,
    smoothness: float,
    max_gain: float = LOOK_MAX_GAIN,
) -> np.ndarray:
    """The lattice (``size^3 x 3``, indexed ``(r * size + g) * size + b``) of the fit in the
    module docstring. ``pairs``: content/result images (``H x W x 3`` float in [0, 1], each
    pair one size); ``style``: ``H x W x 3`` float in [0, 1]; ``max_gain``: the gain bound of
    :mod:`photostyle.looks.gain` (``inf``: none)."""
    from photostyle.looks.lattice import factorize, resample, second_differences, weights_matrix
    from photostyle.smoothing.affinity import matting_laplacian
    from photostyle.smoothing.resolution import at_most

    def work(image: np.ndarray) -> np.ndarray:
        return at_most(image, WORK_PIXELS).astype(np.float64)

    n = min(size, SOLVE_SIZE)
    a = smoothness * (second_differences(n).T @ second_differences(n))
    b = np.zeros((n**3, 3))
    ws, cs, rs, wtw_sum = [], [], [], 0.0
    for content, result in pairs:
        c, r = work(content), work(result)
        cs.append(c)
        h, w = c.shape[:2]
        m = h * w
        wm = weights_matrix(c.reshape(-1, 3), n)
        g = _differences(h, w)
        gw, r = g @ wm, r.reshape(-1, 3)
        wtw = (wm.T @ wm) / m
        lap = matting_laplacian(c)
        a = a + GRADIENT_WEIGHT * (gw.T @ gw) / m + BETA * wtw + MU * (wm.T @ (lap @ wm)) / m
        b += (GRADIENT_WEIGHT * (gw.T @ (g @ r)) + BETA * (wm.T @ r)) / m
        ws.append(wm)
        rs.append(r)
        wtw_sum = wtw_sum + wtw
    z = work(style).reshape(-1, 3)
    hessian = (a + GAMMA * wtw_sum).tocsr()
    lu = factorize(hessian)
    y = np.clip(np.concatenate(rs), 0.0, 1.0)  # the first target: the result's own colours
    for k in range(ITERATIONS):
        t = distribution_transfer(y, z, ROTATIONS, seed=k)
        bt, start = b.copy(), 0
        for wm in ws:
            bt += GAMMA * (wm.T @ t[start : start + wm.shape[0]]) / wm.shape[0]
            start += wm.shape[0]
        table = lu.solve(bt)
        y = np.clip(np.concatenate([wm @ table for wm in ws]), 0.0, 1.0)
    if GRAM_WEIGHT:
        table = _style_statistics(table, (hessian, lu), bt, ws, [c for c, _ in pairs], style)
    table = np.clip(bound_gain(table, cs, wtw_sum / len(pairs), max_gain), 0.0, 1.0)
    return table if n == size else resample(table, n, size)


def _style_statistics(table, system, b, ws, contents, style):  # noqa: ANN001, ANN202
    """The step of :mod:`photostyle.looks.gram` from ``table`` (``n^3 x 3``) for the quadratic
    problem ``1/2 L^T H L - b^T L``; ``system``: ``(H, sparse LU of H)``; ``ws``: the
    contents' trilinear weight matrices at the working size."""
    from photostyle.device import resolve_device
    from photostyle.looks import gram as look_gram

    h, lu = system
    n = round(len(table) ** (1 / 3))
    gram = look_gram.GramLoss(contents, style, n, resolve_device())

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        hx = h @ x
        g_val, g_grad = gram(x)
        r_val, r_grad = look_gram.range_penalty(x, ws)
        value = 0.5 * np.sum(x * hx) - np.sum(b * x) + GRAM_WEIGHT * g_val + RANGE_WEIGHT * r_val
        return value, hx - b + GRAM_WEIGHT * g_grad + RANGE_WEIGHT * r_grad

    return look_gram.minimize(objective, table, lu.solve, GRAM_ITERATIONS)
