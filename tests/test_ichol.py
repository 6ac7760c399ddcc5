"""The parallel system build, strip ordering, incomplete Cholesky and fused CG."""

import contextlib
import io

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve, spsolve_triangular

from photostyle.smoothing.affinity import (
    matting_laplacian,
    smoothing_operator,
    smoothing_system,
    window_counts,
)
from photostyle.smoothing.cg import pcg
from photostyle.smoothing.ichol import SEPARATOR, IncompleteCholesky, strip_order


def photo_like(rng, h, w):
    """Smooth colour ramps with an edge and noise: a matrix with the usual huge range."""
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([xx, yy, 0.5 * (xx + yy)], -1) + 0.02 * rng.standard_normal((h, w, 3))
    img[:, w // 2 :] = 1 - img[:, w // 2 :]
    return np.clip(img, 0, 1)


@pytest.mark.parametrize("h,w,parts", [(30, 7, 1), (30, 7, 2), (41, 5, 3), (12, 9, 4)])
def test_strip_order_has_no_coupling_between_strips(h, w, parts):
    perm, bounds = strip_order(h, w, parts)
    assert np.array_equal(np.sort(perm), np.arange(h * w))
    n_strips = len(bounds) - 2
    assert 1 <= n_strips <= parts and bounds[0] == 0 and bounds[-1] == h * w
    assert h * w - bounds[n_strips] == (n_strips - 1) * SEPARATOR * w
    A, _ = smoothing_system(np.random.default_rng(1).random((h, w, 3)), 1e-4, perm=perm)
    for s in range(n_strips):
        for t in range(n_strips):
            block = A[bounds[s] : bounds[s + 1], bounds[t] : bounds[t + 1]]
            assert (s == t) or block.nnz == 0 or abs(block).max() == 0


def test_system_matches_pymatting_laplacian(rng):
    """The parallel stencil build equals pymatting's cf_laplacian + lam D, in any order."""
    h, w, lam = 23, 31, 1e-3
    img = photo_like(rng, h, w)
    ref = matting_laplacian(img) + sp.diags(lam * window_counts(h, w))
    A, sd = smoothing_system(img, lam)
    assert abs(A - ref).max() < 1e-10 * abs(ref).max()
    assert np.allclose(sd**2, window_counts(h, w))
    perm, _ = strip_order(h, w, 2)
    Ap, _ = smoothing_system(img, lam, perm=perm)
    assert abs(Ap - ref[perm][:, perm]).max() < 1e-10 * abs(ref).max()
    assert Ap.has_sorted_indices
    op, _ = smoothing_operator(img, lam, perm=perm)  # matrix-free product, same numbering
    x = rng.standard_normal((h * w, 4))
    assert np.abs(op @ x - Ap @ x).max() < 1e-10 * np.abs(Ap @ x).max()
    x7 = rng.standard_normal((h * w, 7))  # any number of columns, in blocks of four lanes
    assert np.abs(op @ x7 - Ap @ x7).max() < 1e-10 * np.abs(Ap @ x7).max()


def test_one_strip_is_pymatting_ichol(rng):
    """With one strip the column kernel reproduces pymatting's thresholded factor."""
    from pymatting import ichol

    img = photo_like(rng, 30, 40)
    op, _ = smoothing_operator(img, 1e-4)
    A = op.tocsr()
    M = IncompleteCholesky(op, np.array([0, A.shape[0], A.shape[0]]), 3e-3, (1e-2,))
    with contextlib.redirect_stdout(io.StringIO()):
        ref = ichol(A.tocsc(), discard_threshold=3e-3, shifts=[1e-2])
    r = rng.standard_normal((A.shape[0], 4))
    expected = np.column_stack([ref(r[:, q].copy()) for q in range(4)])
    assert M.nnz == len(ref.Ltuple[0])
    assert np.abs(M(r) - expected).max() < 1e-5 * np.abs(expected).max()  # float32 storage


@pytest.mark.parametrize("parts", [2, 3])
def test_strips_without_dropping_give_the_exact_inverse(rng, parts):
    """discard = 0 makes the factor complete: M(r) = A^-1 r, whatever the strip split."""
    h, w = 26, 12
    perm, bounds = strip_order(h, w, parts)
    op, _ = smoothing_operator(photo_like(rng, h, w), 1e-2, perm=perm)
    A = op.tocsr()
    M = IncompleteCholesky(op, bounds, 0.0, (0.0,), dtype=np.float64)
    r = rng.standard_normal((h * w, 4))
    expected = np.column_stack([spsolve(A.tocsc(), r[:, q]) for q in range(4)])
    assert np.abs(M(r) - expected).max() < 1e-6 * np.abs(expected).max()


def test_thresholded_strip_factor_is_applied_as_factored(rng):
    """M(r) = L^-T L^-1 r for the stored factor (parallel triangular solves)."""
    h, w = 40, 20
    perm, bounds = strip_order(h, w, 2)
    op, _ = smoothing_operator(photo_like(rng, h, w), 1e-4, perm=perm)
    A = op.tocsr()
    M = IncompleteCholesky(op, bounds, 3e-3, (1e-2, 0.1))
    L = sp.csc_matrix(M.L, shape=A.shape).astype(np.float64).tocsr()
    assert M.nnz < 0.9 * (h * w) ** 2 / 2  # really incomplete
    r = rng.standard_normal((h * w, 4))
    z = spsolve_triangular(L, r, lower=True)
    expected = spsolve_triangular(L.T.tocsr(), z, lower=False)
    assert np.abs(M(r) - expected).max() < 1e-9 * np.abs(expected).max()


def test_pcg_solves_several_columns(rng):
    h, w = 20, 24
    A, _ = smoothing_system(photo_like(rng, h, w), 1e-3)
    b = rng.random((h * w, 4))
    b[:, 3] = 0.0  # a zero right-hand side stays zero
    x, iters = pcg(A, b, np.zeros_like(b), lambda r: r / A.diagonal()[:, None], 1e-8)
    expected = np.column_stack([spsolve(A.tocsc(), b[:, q]) for q in range(4)])
    assert 0 < iters < 500
    assert np.abs(x - expected).max() < 1e-5 * np.abs(expected).max()
    assert not x[:, 3].any()


def test_parallel_exact_on_photo_like_image_matches_direct():
    """Strips + separators on a photo-like image: the default solver agrees with the direct."""
    from synthetic import pair

    from photostyle.smoothing import smooth_direct, smooth_exact

    c, y = pair(120, 160, 9)
    info: dict = {}
    out = smooth_exact(c, y, device="cpu", backend="ichol", info=info)
    assert np.abs(out - smooth_direct(c, y)).max() <= 1 / 255
    assert info["iterations"] > 0
