"""Incomplete-Cholesky preconditioner applied to several right-hand sides at once.

The factor ``A ~ L L^T`` comes from pymatting's thresholded incomplete Cholesky (``ichol``,
written for matting Laplacians). Its triangular solves are done here by numba kernels that
process all colour channels in one pass over the factor (``N x C`` blocks), which reads the
factor once per application instead of once per channel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from numba import njit
from pymatting import ichol

DEFAULT_DISCARD = 3e-4


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
    A: sp.csr_matrix, discard: float = DEFAULT_DISCARD
) -> Callable[[np.ndarray], np.ndarray]:
    """``M(r) = (L L^T)^-1 r`` for ``r`` of shape ``N x C`` (float64), ``L`` = ichol(A)."""
    factor = ichol(A.tocsc(), discard_threshold=discard)
    data, indices, indptr = factor.Ltuple

    def apply(r: np.ndarray) -> np.ndarray:
        x = np.array(r, dtype=np.float64, order="C", copy=True)
        _solve_l(data, indices, indptr, x)
        _solve_lt(data, indices, indptr, x)
        return x

    return apply
