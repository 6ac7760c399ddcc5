"""The gain bound of a look (looks/gain.py): cell slopes, allowed gains, the bounded lattice."""

import numpy as np

from photostyle.looks.gain import allowed_gains, bound_gain, cell_gains
from photostyle.looks.lattice import weights_matrix
from photostyle.looks.look import Look
from photostyle.metrics import grain_gain


def _lattice(fn, n: int) -> np.ndarray:
    g = np.linspace(0, 1, n)
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    return fn(grid)


def test_cell_gains_are_the_trilinear_map_slopes(rng):
    n = 9
    assert np.allclose(cell_gains(_lattice(lambda x: x, n)), 1.0)
    assert np.allclose(cell_gains(_lattice(lambda x: 0.2 + 2.5 * x, n)), 2.5)
    # a curved map: the gain of a cell against the finite-difference Jacobian of the trilinear
    # look at the cell's centre (an independent computation through Look.apply)
    table = _lattice(
        lambda x: np.stack([x[:, 0] ** 2, np.sin(2 * x[:, 1]), x[:, 2] * x[:, 0]], 1), n
    )
    look = Look(table.reshape(n, n, n, 3).astype(np.float32))
    q = rng.integers(0, n - 1, (20, 3))
    centre = (q + 0.5) / (n - 1)
    h = 1e-3
    jac = np.stack(
        [
            (
                look.apply((centre + h * e)[None].astype(np.float32), "trilinear")[0]
                - look.apply((centre - h * e)[None].astype(np.float32), "trilinear")[0]
            )
            / (2 * h)
            for e in np.eye(3)
        ],
        -1,
    )
    expect = np.linalg.norm(jac, axis=(1, 2)) / np.sqrt(3)
    flat = (q[:, 0] * (n - 1) + q[:, 1]) * (n - 1) + q[:, 2]
    assert np.allclose(cell_gains(table)[flat], expect, rtol=2e-3)
    # the steepest direction: the largest singular value of the same Jacobians
    steepest = np.linalg.svd(jac, compute_uv=False)[:, 0]
    assert np.allclose(cell_gains(table, "spectral")[flat], steepest, rtol=2e-3)
    # a map that stretches one direction and squashes the others: mean slope 1, steepest 1.6
    squash = _lattice(lambda x: x * np.array([1.6, 0.4, np.sqrt(3 - 1.6**2 - 0.4**2)]), n)
    assert np.allclose(cell_gains(squash), 1.0)
    assert np.allclose(cell_gains(squash, "spectral"), 1.6)


def _flat_and_textured(rng) -> np.ndarray:
    """Left half: a flat grey with sensor noise (std 1.5/255); right: strong texture."""
    img = np.full((96, 128, 3), 0.5, np.float32)
    img[:, :64] += rng.normal(0, 1.5 / 255, (96, 64, 1)).astype(np.float32)
    img[:, 64:] = rng.random((96, 64, 3)).astype(np.float32) * 0.3 + 0.05
    return np.clip(img, 0, 1)


def test_allowed_gain_is_about_g_where_the_content_is_flat(rng):
    c = _flat_and_textured(rng)
    n = 17
    allowed, density = allowed_gains([c.astype(np.float64)], n, 1.0)
    q_flat = (8 * 16 + 8) * 16 + 8  # the cell of grey 0.5
    assert 1.0 <= allowed[q_flat] < 1.3
    visited = np.isfinite(allowed)
    assert np.isclose(density.mean(), 1.0) and (density[~visited] == 0).all()
    # textured cells (variance far above the noise floor) allow far steeper slopes
    assert np.median(allowed[visited & (np.arange(len(allowed)) != q_flat)]) > 5


def test_bound_gain_removes_the_grain_of_a_steep_map_and_keeps_the_rest(rng):
    c = _flat_and_textured(rng)
    n = 17
    # a look that stretches the greys around 0.5 twelve-fold (the sky of a sunset style) and is
    # the identity elsewhere: smooth in colour, and it multiplies the flat region's noise
    steep = lambda x: np.clip(0.5 + (x - 0.5) * (1 + 11 * np.exp(-(((x - 0.5) / 0.08) ** 2))), 0, 1)  # noqa: E731
    table = _lattice(steep, n)
    cw = c.astype(np.float64)
    w = weights_matrix(cw.reshape(-1, 3), n)
    gram = (w.T @ w) / w.shape[0]
    bounded = bound_gain(table, [cw], gram, max_gain=1.0)
    before = Look(table.reshape(n, n, n, 3).astype(np.float32)).apply(c)
    after = Look(bounded.reshape(n, n, n, 3).astype(np.float32)).apply(c)
    flat = (slice(None), slice(0, 64))
    g_before, g_after = (grain_gain(c[flat], x[flat]) for x in (before, after))
    assert g_before > 4 and g_after < 1.5
    # the textured half keeps its colours (its cells were not over their bound)
    assert np.abs(after[:, 64:] - before[:, 64:]).mean() < 2 / 255
    # a look within its bound everywhere is returned as it is
    ident = _lattice(lambda x: x, n)
    assert bound_gain(ident, [cw], gram, max_gain=1.0) is ident
    assert bound_gain(table, [cw], gram, max_gain=np.inf) is table
