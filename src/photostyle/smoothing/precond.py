"""Incomplete-Cholesky preconditioner applied to several right-hand sides at once.

The factor ``A ~ L L^T`` comes from pymatting's thresholded incomplete Cholesky (``ichol``,
written for matting Laplacians). Its triangular solves are done here by numba kernels that
process all colour channels in one pass over the factor (``N x C`` blocks), which reads the
factor once per application instead of once per channel.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from numba import njit, prange
from pymatting import ichol

#: Drop threshold of the incomplete factor and the diagonal shifts tried in turn (pymatting
#: adds ``shift * diag``); measured on dpst-dev (700 x 468, lam 1e-4): 3e-3 / 1e-2 gives a
#: factor of ~10 M non-zeros in 1.2-1.5 s and 20-40 CG iterations, against 3.4-5 s for 3e-4
#: (fewer iterations, but the set-up dominated). ``benchmarks/results/smoothing.json``.
DEFAULT_DISCARD = 3e-3
DEFAULT_SHIFTS = (1e-2, 3e-2, 0.1, 0.3, 1.0)


@njit(cache=True, parallel=True, nogil=True)
def _csr_matmat(
    data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, x: np.ndarray, out: np.ndarray
) -> None:
    n, c = x.shape
    for i in prange(n):
        for q in range(c):
            out[i, q] = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            v = data[k]
            for q in range(c):
                out[i, q] += v * x[j, q]


class ParallelCSR:
    """A CSR matrix whose product with an ``N x C`` block uses all cores (numba ``prange``).

    ``A @ X`` for ``X`` of shape ``N x C`` (float64); scipy's own product is single-threaded.
    """

    def __init__(self, A: sp.csr_matrix) -> None:
        A = A.tocsr()
        self.shape = A.shape
        self.data = A.data.astype(np.float64)
        self.indices = A.indices
        self.indptr = A.indptr

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float64)
        out = np.empty_like(x)
        _csr_matmat(self.data, self.indices, self.indptr, x, out)
        return out


@njit(cache=True, nogil=True)
def _solve_l(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, x: np.ndarray) -> None:
    n, c = x.shape
    for j in range(n):
        k0 = indptr[j]
        inv = 1.0 / data[k0]
        for q in range(c):
            x[j, q] *= inv
        for k in range(k0 + 1, indptr[j + 1]):
            i = indices[k]
            v = data[k]
            for q in range(c):
                x[i, q] -= v * x[j, q]


@njit(cache=True, nogil=True)
def _solve_lt(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, x: np.ndarray) -> None:
    n, c = x.shape
    for i in range(n - 1, -1, -1):
        k0 = indptr[i]
        for k in range(k0 + 1, indptr[i + 1]):
            j = indices[k]
            v = data[k]
            for q in range(c):
                x[i, q] -= v * x[j, q]
        inv = 1.0 / data[k0]
        for q in range(c):
            x[i, q] *= inv


def ichol_preconditioner(
    A: sp.csr_matrix, discard: float = DEFAULT_DISCARD, shifts: tuple = DEFAULT_SHIFTS
) -> Callable[[np.ndarray], np.ndarray]:
    """``M(r) = (L L^T)^-1 r`` for ``r`` of shape ``N x C`` (float64), ``L`` = ichol(A).

    The first diagonal shift in ``shifts`` for which the factorisation succeeds is used.
    """
    # pymatting print()s a warning for every shift that fails: keep it off our stdout
    with contextlib.redirect_stdout(io.StringIO()):
        factor = ichol(A.tocsc(), discard_threshold=discard, shifts=list(shifts))
    data, indices, indptr = factor.Ltuple

    def apply(r: np.ndarray) -> np.ndarray:
        x = np.array(r, dtype=np.float64, order="C", copy=True)
        _solve_l(data, indices, indptr, x)
        _solve_lt(data, indices, indptr, x)
        return x

    return apply
