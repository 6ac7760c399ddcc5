"""The one preconditioned conjugate-gradient solver, on several right-hand sides at once.

Every smoothing back end (the stencil with incomplete Cholesky, the matrix-free operators on
CPU and CUDA) solves with :func:`pcg`. A block holds independent right-hand sides
("columns"): numpy blocks are ``N x C`` float64 (columns last), torch blocks are
``C x H x W`` float64 on any device (columns first). On numpy the vector updates and dot
products are fused numba kernels (one pass over memory each, all threads); on torch they are
plain tensor operations. So the cost of an iteration is the operator and the preconditioner.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from numba import njit, prange

#: Seconds between two progress messages of a running solve (see ``progress`` arguments).
PROGRESS_EVERY_S = 0.5
_CHUNKS = 64


class Operator(Protocol):
    """A symmetric positive definite operator on blocks: ``A @ X`` (a new block).

    Operators may also offer ``A.matmul(X, out)`` (write into ``out``, saving one allocation
    per iteration) and ``A.diag`` (the diagonal, one column's shape, for a Jacobi
    preconditioner). The matting operators all follow it: :class:`~photostyle.smoothing.
    affinity.StencilSystem`, :class:`~photostyle.smoothing.matfree.MattingOperatorCPU` and
    the torch :class:`~photostyle.smoothing.matfree.MattingOperator`.
    """

    def __matmul__(self, x: Any) -> Any: ...


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


class _NumpyBlocks:
    """Vector kernels on ``N x C`` float64 numpy blocks (numba, all threads)."""

    dot, step, direction = staticmethod(_dot), staticmethod(_step), staticmethod(_direction)
    sqrt, empty_like = staticmethod(np.sqrt), staticmethod(np.empty_like)
    copy, duplicate = staticmethod(np.copyto), staticmethod(np.copy)

    @staticmethod
    def prepare(v: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(v, dtype=np.float64)

    @staticmethod
    def at_least(v: np.ndarray, floor: float) -> np.ndarray:
        return np.maximum(v, floor)


class _TorchBlocks:
    """Vector kernels on ``C x ...`` float64 torch blocks (any device)."""

    @staticmethod
    def prepare(v: Any) -> Any:
        import torch

        return v.to(torch.float64).contiguous()

    @staticmethod
    def dot(a: Any, b: Any) -> Any:
        return (a * b).sum(dim=tuple(range(1, a.ndim)))

    @staticmethod
    def step(x: Any, r: Any, p: Any, ap: Any, alpha: Any) -> Any:
        shape = (-1,) + (1,) * (x.ndim - 1)
        x += alpha.view(shape) * p
        r -= alpha.view(shape) * ap
        return _TorchBlocks.dot(r, r)

    @staticmethod
    def direction(p: Any, z: Any, beta: Any) -> None:
        p.mul_(beta.view((-1,) + (1,) * (p.ndim - 1))).add_(z)

    sqrt = staticmethod(lambda v: v.sqrt())
    at_least = staticmethod(lambda v, floor: v.clamp_min(floor))
    empty_like = staticmethod(lambda v: v.new_empty(v.shape))
    copy = staticmethod(lambda out, v: out.copy_(v))
    duplicate = staticmethod(lambda v: v.clone())


def _blocks(b: Any) -> type[_NumpyBlocks] | type[_TorchBlocks]:
    return _NumpyBlocks if isinstance(b, np.ndarray) else _TorchBlocks


def pcg(
    A: Operator,
    b: Any,
    x: Any,
    M: Callable[[Any], Any],
    rtol: float,
    maxiter: int = 500,
    callback: Callable[[int, float], None] | None = None,
) -> tuple[Any, int]:
    """Preconditioned CG for ``A x = b``; ``b`` and the first guess ``x`` are blocks.

    Blocks are numpy ``N x C`` or torch ``C x ...`` float64 (see the module doc); ``x`` is
    updated in place where it already is a contiguous float64 block. Each column is an
    independent CG run (scalars are per column), stopped together when every column has
    ``||r|| <= rtol ||b||`` (columns with ``b = 0`` stop at ``r = 0``). ``M(r)`` applies the
    preconditioner (or ``M.apply(r, out)``). Returns the solution and the number of
    iterations. ``callback(iteration, largest relative residual)`` is called after every
    iteration.

    Breakdown: where rounding makes a nearly singular system indefinite (the matting
    Laplacian of a photo with large flat areas at a small lambda: its entries grow like
    1/eps there), a search direction can have ``p^T A p <= 0`` or the iterate overflow; CG
    then stops with the last finite iterate instead of returning NaN.
    """
    k = _blocks(b)
    x, b = k.prepare(x), k.prepare(b)
    # operators and preconditioners that can write into a given array avoid one allocation
    # of a block per iteration (``A.matmul(x, out)``, ``M.apply(r, out)``)
    matmul = getattr(A, "matmul", None) or (lambda v, out: k.copy(out, A @ v))
    precond = getattr(M, "apply", None) or (lambda v, out: k.copy(out, M(v)))
    r = b - A @ x
    bnorm = k.sqrt(k.dot(b, b))
    bnorm[bnorm == 0] = 1.0
    z, ap = k.empty_like(r), k.empty_like(r)
    precond(r, z)
    p = k.duplicate(z)
    rz = k.dot(r, z)
    rel = k.sqrt(k.dot(r, r)) / bnorm
    for it in range(1, maxiter + 1):
        if bool((rel <= rtol).all()):
            return x, it - 1
        if callback is not None and it > 1:
            callback(it - 1, float(rel.max()))
        matmul(p, ap)
        pap = k.dot(p, ap)
        if not bool(((pap > 0) | (rz == 0)).all()):  # breakdown: no positive curvature
            return x, it - 1  # (a column already solved has p = 0 and rz = 0: not one)
        alpha = rz / k.at_least(pap, 1e-300)
        new_rel = k.sqrt(k.step(x, r, p, ap, alpha)) / bnorm
        if not bool((new_rel < float("inf")).all()):  # overflow (NaN compares false too)
            k.step(x, r, p, ap, -alpha)  # the last finite iterate is the answer
            return x, it - 1
        rel = new_rel
        precond(r, z)
        rz_new = k.dot(r, z)
        k.direction(p, z, rz_new / k.at_least(rz, 1e-300))
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
