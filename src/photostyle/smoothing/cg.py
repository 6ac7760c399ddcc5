"""Preconditioned conjugate gradients on several right-hand sides at once, on all CPU cores.

Each column of an ``N x C`` block is an independent CG run; the vector updates and dot
products are fused numba kernels (one pass over memory each, all threads), so the cost of an
iteration is the matrix product and the preconditioner.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

import numpy as np
from numba import njit, prange

#: Seconds between two progress messages of a running solve (see ``progress`` arguments).
PROGRESS_EVERY_S = 0.5
_CHUNKS = 64


class Operator(Protocol):
    """Anything with ``A @ X`` for ``N x C`` float64 blocks."""

    def __matmul__(self, x: np.ndarray) -> np.ndarray: ...


@njit(cache=True, parallel=True, nogil=True)
def _dot(a, b):  # noqa: ANN001, ANN202
    n, c = a.shape
    part = np.zeros((_CHUNKS, c))
    for t in prange(_CHUNKS):
        for i in range(t * n // _CHUNKS, (t + 1) * n // _CHUNKS):
            for q in range(c):
                part[t, q] += a[i, q] * b[i, q]
    return part.sum(axis=0)


@njit(cache=True, parallel=True, nogil=True)
def _step(x, r, p, ap, alpha):  # noqa: ANN001, ANN202
    """``x += alpha p``, ``r -= alpha Ap``; returns the squared column norms of the new ``r``."""
    n, c = x.shape
    part = np.zeros((_CHUNKS, c))
    for t in prange(_CHUNKS):
        for i in range(t * n // _CHUNKS, (t + 1) * n // _CHUNKS):
            for q in range(c):
                x[i, q] += alpha[q] * p[i, q]
                r[i, q] -= alpha[q] * ap[i, q]
                part[t, q] += r[i, q] * r[i, q]
    return part.sum(axis=0)


@njit(cache=True, parallel=True, nogil=True)
def _direction(p, z, beta):  # noqa: ANN001, ANN202
    n, c = p.shape
    for i in prange(n):
        for q in range(c):
            p[i, q] = z[i, q] + beta[q] * p[i, q]


def pcg(
    A: Operator,
    b: np.ndarray,
    x: np.ndarray,
    M: Callable[[np.ndarray], np.ndarray],
    rtol: float,
    maxiter: int = 500,
    callback: Callable[[int, float], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Preconditioned CG on ``N x C`` float64 blocks ``b`` and first guess ``x`` (updated).

    Each column is an independent CG run (scalars are per column), stopped together when every
    column has ``||r|| <= rtol ||b||`` (columns with ``b = 0`` stop at ``r = 0``). Returns the
    solution and the number of iterations. ``callback(iteration, largest relative
    residual)`` is called after every iteration.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    # operators and preconditioners that can write into a given array avoid one allocation
    # of N x C per iteration (``A.matmul(x, out)``, ``M.apply(r, out)``)
    matmul = getattr(A, "matmul", None) or (lambda v, out: np.copyto(out, A @ v))
    precond = getattr(M, "apply", None) or (lambda v, out: np.copyto(out, M(v)))
    r = b - A @ x
    bnorm = np.sqrt(_dot(b, b))
    bnorm[bnorm == 0] = 1.0
    z, ap = np.empty_like(r), np.empty_like(r)
    precond(r, z)
    p = z.copy()
    rz = _dot(r, z)
    rel = np.sqrt(_dot(r, r)) / bnorm
    for it in range(1, maxiter + 1):
        if (rel <= rtol).all():
            return x, it - 1
        if callback is not None and it > 1:
            callback(it - 1, float(rel.max()))
        matmul(p, ap)
        alpha = rz / np.maximum(_dot(p, ap), 1e-300)
        rel = np.sqrt(_step(x, r, p, ap, alpha)) / bnorm
        precond(r, z)
        rz_new = _dot(r, z)
        _direction(p, z, rz_new / np.maximum(rz, 1e-300))
        rz = rz_new
    return x, maxiter


def solve_fraction(first: float, rel: float, rtol: float) -> float:
    """How far a CG solve is, in [0, 1], from its relative residuals.

    CG residuals fall about geometrically, so the fraction is measured on a log scale:
    ``log(first / rel) / log(first / rtol)`` (``first``: the residual after iteration 1).
    """
    if first <= rtol or rel <= rtol:
        return 1.0
    if rel >= first:
        return 0.0
    return min(1.0, math.log(first / rel) / math.log(first / rtol))


def progress_callback(
    progress: Callable[..., None] | None, rtol: float
) -> Callable[[int, float], None] | None:
    """CG callback that calls ``progress(message, fraction)`` at most every
    ``PROGRESS_EVERY_S`` seconds: the iteration, the residual and the estimated time left
    (:func:`solve_fraction`, extrapolated from the time taken so far)."""
    from photostyle.progress import format_seconds, time_left

    if progress is None:
        return None
    state = {"t0": time.perf_counter(), "last": time.perf_counter(), "first": None, "f": 0.0}

    def callback(it: int, rel: float) -> None:
        now = time.perf_counter()
        if state["first"] is None:
            state["first"], state["t0"] = rel, now
        state["f"] = max(state["f"], solve_fraction(state["first"], rel, rtol))
        if now - state["last"] >= PROGRESS_EVERY_S:
            state["last"] = now
            left = format_seconds(time_left(now - state["t0"], state["f"]))
            progress(
                f"smoothing: CG iteration {it}, residual {rel:.1e} (stops at {rtol:.1e}), {left}",
                state["f"],
            )

    return callback
