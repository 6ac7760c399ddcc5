"""Solvers of the smoothing system, behind one small interface (:class:`Solver`).

Every solver is built once for a content image and then solves, for any stylized ``Y``::

    (L + lam D) Z = lam D^1/2 Y,        R = D^1/2 Z

(see :mod:`photostyle.smoothing.exact`). Back ends, chosen by measurement
(``benchmarks/results/smoothing.json``):

* :class:`IcholSolver` (CPU, up to ``ICHOL_MAX_PIXELS``): the matrix as its 5x5 stencil and a
  thresholded incomplete-Cholesky preconditioner, pixels numbered as one strip per thread plus
  separators so that factor and triangular solves run in parallel; the three channels as four
  SIMD lanes. About 15-30 CG iterations at 0.3 MP, lam 1e-4.
* :class:`MatfreeSolver` (CPU images above ``ICHOL_MAX_PIXELS``): matrix-free products from
  window sums (numba) and a Jacobi preconditioner: O(N) memory, hundreds of cheap iterations.
* :class:`TorchSolver` (CUDA): the same matrix-free operator in torch.
* :class:`DirectSolver`: sparse LU (scipy), the paper's reference; small images only.

The back ends measured and rejected are listed in ``docs/decisions.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import numpy as np

from photostyle.smoothing.affinity import DEFAULT_EPS

#: Largest image (pixels) for the incomplete-Cholesky back end on CPU (about 0.9 kB per pixel;
#: the matrix-free back end stays O(N)).
ICHOL_MAX_PIXELS = 4_500_000
#: Drop threshold of the incomplete-Cholesky factor (factor size against CG iterations,
#: ``docs/decisions.md``) and the diagonal shifts tried in turn.
ICHOL_DISCARD = 3e-3
ICHOL_SHIFTS = (1e-2, 3e-2, 0.1, 0.3, 1.0)
BACKENDS = ("auto", "ichol", "matfree", "direct")

Callback = Callable[[int, float], None]


class Solver(Protocol):
    """A smoothing system built for one content image.

    ``info`` holds ``backend``, ``system_s`` and ``precond_s`` (build seconds).
    """

    info: dict

    def solve(
        self, y: np.ndarray, x0: np.ndarray, rtol: float, callback: Callback | None
    ) -> tuple[np.ndarray, int]:
        """``R`` (``H x W x 3`` float64, unclipped) and the iteration count for ``Y = y``.

        ``y``, ``x0`` (first guess of ``R``): ``H x W x 3`` float32, already validated;
        ``callback(iteration, largest relative residual)`` after every iteration.
        """
        ...


class _BlockSolver:
    """CPU solvers on ``N x C`` blocks in a pixel numbering ``perm`` (``None``: row-major)."""

    perm: np.ndarray | None
    sd: np.ndarray
    width: int
    maxiter: int

    def __init__(self, content: np.ndarray, lam: float) -> None:
        self.shape = content.shape[:2]
        self.lam = lam

    def solve(
        self, y: np.ndarray, x0: np.ndarray, rtol: float, callback: Callback | None
    ) -> tuple[np.ndarray, int]:
        from photostyle.smoothing.cg import pcg

        h, w = self.shape
        Y, X0 = y.reshape(-1, 3), x0.reshape(-1, 3)
        if self.perm is not None:
            Y, X0 = Y[self.perm], X0[self.perm]
        b, Z0 = np.zeros((h * w, self.width)), np.zeros((h * w, self.width))
        b[:, :3] = self.lam * self.sd[:, None] * Y
        Z0[:, :3] = X0 / self.sd[:, None]
        Z, iters = pcg(self.A, b, Z0, self.M, rtol=rtol, maxiter=self.maxiter, callback=callback)
        R = self.sd[:, None] * Z[:, :3]
        if self.perm is not None:
            R[self.perm] = R.copy()
        return R.reshape(h, w, 3), iters


class IcholSolver(_BlockSolver):
    """Stencil operator + parallel thresholded incomplete Cholesky (see the module doc)."""

    def __init__(self, content: np.ndarray, lam: float, eps: float = DEFAULT_EPS) -> None:
        import numba

        from photostyle.smoothing.affinity import smoothing_operator
        from photostyle.smoothing.ichol import IncompleteCholesky, strip_order

        super().__init__(content, lam)
        h, w = self.shape
        t0 = time.perf_counter()
        # one strip of pixels per thread, separators last (see photostyle.smoothing.ichol)
        self.perm, bounds = strip_order(h, w, numba.get_num_threads())
        self.A, self.sd = smoothing_operator(content, lam, eps, self.perm)
        self.width, self.maxiter = 4, 500  # 4 columns: one SIMD lane per colour channel
        t1 = time.perf_counter()
        self.M = IncompleteCholesky(self.A, bounds, ICHOL_DISCARD, ICHOL_SHIFTS)
        t2 = time.perf_counter()
        self.info = {"backend": "ichol", "system_s": t1 - t0, "precond_s": t2 - t1}


class MatfreeSolver(_BlockSolver):
    """Matrix-free operator (numba window sums) + Jacobi preconditioner, O(N) memory."""

    def __init__(self, content: np.ndarray, lam: float, eps: float = DEFAULT_EPS) -> None:
        from photostyle.smoothing.matfree import MattingOperatorCPU

        super().__init__(content, lam)
        t0 = time.perf_counter()
        self.A = MattingOperatorCPU(content, lam, eps)
        self.sd, self.perm, self.width = np.sqrt(self.A.d.ravel()), None, 3
        inv_diag = 1.0 / self.A.diag[:, None]
        self.M, self.maxiter = (lambda r: r * inv_diag), 5000
        self.info = {"backend": "matfree", "system_s": time.perf_counter() - t0, "precond_s": 0}


class TorchSolver:
    """The matrix-free operator in torch (CUDA or CPU) with Jacobi-preconditioned CG."""

    def __init__(
        self, content: np.ndarray, lam: float, eps: float = DEFAULT_EPS, device: str = "cuda"
    ) -> None:
        import torch

        from photostyle.imaging.layout import to_chw
        from photostyle.smoothing.matfree import MattingOperator

        t0 = time.perf_counter()
        self.device, self.lam = device, lam
        self.op = MattingOperator(to_chw(content, device, torch.float64), lam, eps)
        self.sd = self.op.d.sqrt()[None]
        inv_diag = 1.0 / self.op.diag[None]
        self.jacobi = lambda r: r * inv_diag
        self.info = {"backend": "matfree", "system_s": time.perf_counter() - t0, "precond_s": 0}

    def solve(
        self, y: np.ndarray, x0: np.ndarray, rtol: float, callback: Callback | None
    ) -> tuple[np.ndarray, int]:
        import torch

        from photostyle.imaging.layout import to_chw, to_hwc
        from photostyle.smoothing.cg import pcg

        b = self.lam * self.sd * to_chw(y, self.device, torch.float64)
        x = to_chw(x0, self.device, torch.float64) / self.sd
        Z, iters = pcg(self.op, b, x, self.jacobi, rtol, maxiter=5000, callback=callback)
        return to_hwc(self.sd * Z), iters


class DirectSolver:
    """Sparse LU of the assembled system (scipy ``factorized``): the paper's method.

    Memory and time grow fast with the size (about 3 GB at 0.3 MP); ``x0``, ``rtol`` and
    ``callback`` are ignored.
    """

    def __init__(self, content: np.ndarray, lam: float, eps: float = DEFAULT_EPS) -> None:
        from scipy.sparse.linalg import factorized

        from photostyle.smoothing.affinity import smoothing_system

        t0 = time.perf_counter()
        self.shape, self.lam = content.shape, lam
        A, self.sd = smoothing_system(content, lam, eps)
        self._solve = factorized(A.tocsc())
        self.info = {"backend": "direct", "system_s": time.perf_counter() - t0, "precond_s": 0}

    def solve(
        self, y: np.ndarray, x0: np.ndarray, rtol: float, callback: Callback | None
    ) -> tuple[np.ndarray, int]:
        b = self.lam * self.sd[:, None] * y.reshape(-1, 3).astype(np.float64)
        Z = np.column_stack([self._solve(b[:, i]) for i in range(3)])
        return (self.sd[:, None] * Z).reshape(self.shape), 1


def make_solver(
    content: np.ndarray,
    lam: float,
    eps: float = DEFAULT_EPS,
    backend: str = "auto",
    device: str = "cpu",
) -> Solver:
    """The solver for a validated content (``H x W x 3`` float32 in [0, 1]) and ``lam > 0``.

    ``backend="auto"``: :class:`TorchSolver` on CUDA, :class:`IcholSolver` on CPU up to
    ``ICHOL_MAX_PIXELS``, :class:`MatfreeSolver` above.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    h, w = content.shape[:2]
    if backend == "direct":
        return DirectSolver(content, lam, eps)
    if device != "cpu":
        return TorchSolver(content, lam, eps, device)
    if backend == "auto":
        backend = "ichol" if h * w <= ICHOL_MAX_PIXELS else "matfree"
    return (
        IcholSolver(content, lam, eps) if backend == "ichol" else MatfreeSolver(content, lam, eps)
    )
