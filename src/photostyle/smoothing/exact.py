"""Exact photorealistic smoothing (Li et al. 2018, eq. 5) with a fast iterative solver.

The paper's closed form is ``R = (1-a) (I - a S)^-1 Y`` with ``S = D^-1/2 W D^-1/2``,
``a = 1/(1+lam)``, ``W`` the matting affinity of the content and ``D`` its degree. Writing
``W = D - L`` (``L`` the matting Laplacian) and ``R = D^1/2 Z`` gives the equivalent symmetric
positive-definite system (all three colour channels share the matrix)::

    (L + lam D) Z = lam D^1/2 Y,        R = D^1/2 Z

solved by preconditioned conjugate gradients (all channels at once), warm-started from the
guided-filter approximation, stopped at relative residual ``rtol``. Two back ends, chosen by
measurement (see ``benchmarks/results/smoothing.json``):

* ``"ichol"`` (CPU, up to ``ICHOL_MAX_PIXELS``): the matrix as its 5x5 stencil (built and
  applied on all cores, :class:`~photostyle.smoothing.affinity.StencilSystem`) and a thresholded
  incomplete-Cholesky factor as preconditioner, with the pixels numbered as one strip per
  thread plus separators so that factor and triangular solves run in parallel
  (:mod:`photostyle.smoothing.ichol`); the three channels go through in one pass (four SIMD
  lanes). About 15-30 iterations at 0.3 MP.
* ``"matfree"`` (CUDA, or CPU images above ``ICHOL_MAX_PIXELS``): matrix-free products with
  ``L`` from window sums (:mod:`photostyle.smoothing.matfree`: torch on CUDA, fused numba
  kernels on CPU) and a Jacobi preconditioner: O(N) memory (about 30 floats per pixel),
  several hundred cheap iterations.

Measured and rejected: pyamg smoothed aggregation (also with the colour channels as
near-null-space candidates): 15-40 iterations but set-up and per-cycle cost made it slower;
pymatting's own ``ichol`` (the same factor, sequential: 1.1-1.4 s against 0.4-0.5 s at 0.3 MP on
two cores) with its one-channel triangular solves.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numba
import numpy as np
import scipy.sparse as sp

from photostyle.io import resize_float
from photostyle.smoothing.affinity import (
    DEFAULT_EPS,
    StencilSystem,
    laplacian_stencil,
    window_counts,
)
from photostyle.smoothing.cg import pcg, progress_callback
from photostyle.smoothing.ichol import IncompleteCholesky, strip_order
from photostyle.smoothing.matfree import (
    MattingOperator,
    MattingOperatorCPU,
    pcg_jacobi,
    to_chw,
)

DEFAULT_LAM = 1e-4
#: CG stopping rule. Measured on dpst-dev pairs 03/09 (max |R - direct|, x255): rtol 2e-3 ->
#: 0.16/0.10 (18/16 its), 5e-3 -> 0.40/0.18 (15/14), 1e-2 -> 0.96/0.42, 2e-2 -> 1.8/0.62.
DEFAULT_RTOL = 5e-3
#: Largest image (pixels) for the incomplete-Cholesky back end on CPU (measured: 4 MP takes
#: 15 s and 3.9 GB peak RSS, about 0.9 kB per pixel; the matrix-free back end stays O(N)).
ICHOL_MAX_PIXELS = 4_500_000
#: Drop threshold of the incomplete-Cholesky factor and the diagonal shifts tried in turn.
#: Measured on dpst-dev (700 x 468, lam 1e-4): 3e-3 gives a factor of ~10 M non-zeros and
#: 13-16 CG iterations (``benchmarks/results/smoothing.json``); 1e-2 halves the factor but
#: needs 27 iterations, 3e-4 needs 5 but takes 3-4x longer to build.
ICHOL_DISCARD = 3e-3
ICHOL_SHIFTS = (1e-2, 3e-2, 0.1, 0.3, 1.0)


def _as_image(name: str, a: np.ndarray) -> np.ndarray:
    """Validate an ``H x W x 3`` finite array; float32 C-contiguous copy clipped to [0, 1]."""
    if not isinstance(a, np.ndarray) or a.ndim != 3 or a.shape[2] != 3:
        shape = getattr(a, "shape", type(a).__name__)
        raise ValueError(f"{name} must be an H x W x 3 array, got {shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return np.ascontiguousarray(np.clip(a, 0.0, 1.0).astype(np.float32))


def _as_content(content: np.ndarray) -> np.ndarray:
    """:func:`_as_image` plus the size check of the content (both sides >= 3)."""
    content = _as_image("content", content)
    h, w = content.shape[:2]
    if min(h, w) < 3:
        raise ValueError(f"content of {w}x{h} pixels is too small: both sides must be >= 3")
    return content


def _fit_stylized(stylized: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """:func:`_as_image`, bilinearly resized to ``shape`` (``H, W``) when it differs."""
    stylized = _as_image("stylized", stylized)
    h, w = shape
    if stylized.shape[:2] != (h, w):
        stylized = np.ascontiguousarray(resize_float(stylized, (w, h)))
    return stylized


def check_inputs(content: np.ndarray, stylized: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``H x W x 3`` float images in [0, 1]; resize ``stylized`` to the content size.

    The resize (bilinear, Pillow) lets a stylized image computed at a capped resolution be
    smoothed at the content's full resolution. Returns float32 C-contiguous copies.
    """
    content = _as_content(content)
    return content, _fit_stylized(stylized, content.shape[:2])


def check_lam(lam: float) -> float:
    """``lam`` must be a finite number > 0; returns it as float."""
    lam = float(lam)
    if not np.isfinite(lam) or lam <= 0:
        raise ValueError(f"lam must be a finite number > 0, got {lam}")
    return lam


def smoothing_operator(
    content: np.ndarray, lam: float, eps: float = DEFAULT_EPS, perm: np.ndarray | None = None
) -> tuple[StencilSystem, np.ndarray]:
    """``(A, sqrt(D))``: ``A = L + lam D`` of a content ``H x W x 3`` as a stencil operator.

    Unknowns are numbered by ``perm`` (new index -> row-major pixel; default row-major);
    ``sqrt(D)`` (float64) in the same order.
    """
    h, w = content.shape[:2]
    perm = np.arange(h * w) if perm is None else perm
    d = window_counts(h, w)[perm]
    return StencilSystem(laplacian_stencil(content, eps), lam * d, perm), np.sqrt(d)


def smoothing_system(
    content: np.ndarray, lam: float, eps: float = DEFAULT_EPS, perm: np.ndarray | None = None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """:func:`smoothing_operator` with ``A`` assembled (csr, float64, sorted indices)."""
    A, sd = smoothing_operator(content, lam, eps, perm)
    return A.tocsr(), sd


class ExactSmoother:
    """The system ``(L + lam D) Z = lam D^1/2 Y`` of one content image, built once.

    Build (matrix and preconditioner) is most of the cost of a solve; keeping it lets several
    stylized images (e.g. several styles for one photo) be smoothed with the same content
    for the price of the CG iterations only.

    Args:
        content: ``H x W x 3`` float in [0, 1], defines the matting affinity.
        lam, eps, backend, device: as in :func:`smooth_exact`.
    """

    def __init__(
        self,
        content: np.ndarray,
        lam: float = DEFAULT_LAM,
        eps: float = DEFAULT_EPS,
        backend: str = "auto",
        device: str = "auto",
    ) -> None:
        from photostyle.device import resolve_device

        self.content = _as_content(content)
        self.lam = check_lam(lam)
        h, w = self.content.shape[:2]
        self.device = resolve_device(device)
        if backend == "auto":
            backend = "ichol" if self.device == "cpu" and h * w <= ICHOL_MAX_PIXELS else "matfree"
        if backend not in ("ichol", "matfree"):
            raise ValueError(f"backend must be 'auto', 'ichol' or 'matfree', got {backend!r}")
        self.backend = backend
        t0 = time.perf_counter()
        if self.device != "cpu":
            self.op = MattingOperator(to_chw(self.content, self.device), self.lam, eps)
            self.sd_t = self.op.d.sqrt()[None]
            t1 = t2 = time.perf_counter()
        elif backend == "ichol":
            # one strip of pixels per thread, separators last (see photostyle.smoothing.ichol)
            self.perm, bounds = strip_order(h, w, numba.get_num_threads())
            self.A, self.sd = smoothing_operator(self.content, self.lam, eps, self.perm)
            self.width, self.maxiter = 4, 500  # 4 columns: one SIMD lane per colour channel
            t1 = time.perf_counter()
            self.M = IncompleteCholesky(self.A, bounds, ICHOL_DISCARD, ICHOL_SHIFTS)
            t2 = time.perf_counter()
        else:
            self.A = MattingOperatorCPU(self.content, self.lam, eps)
            self.sd, self.perm, self.width = np.sqrt(self.A.d.ravel()), None, 3
            inv_diag = 1.0 / self.A.diag[:, None]
            t1 = t2 = time.perf_counter()
            self.M, self.maxiter = (lambda r: r * inv_diag), 5000
        self.info = {"backend": backend, "system_s": t1 - t0, "precond_s": t2 - t1}

    def solve(
        self,
        stylized: np.ndarray,
        rtol: float = DEFAULT_RTOL,
        x0: np.ndarray | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> np.ndarray:
        """``R`` for ``Y = stylized`` (``h x w x 3`` in [0, 1], resized to the content size).

        ``x0``: first guess of ``R`` (default: the guided-filter result); ``progress``: optional
        callback receiving a line on the running solve every ``PROGRESS_EVERY_S`` seconds.
        Returns ``H x W x 3``
        float32 clipped to [0, 1]; ``self.info`` receives ``solve_s`` and ``iterations``.
        """
        from photostyle.smoothing.guided import smooth_guided

        content = self.content  # validated once, in __init__
        h, w = content.shape[:2]
        stylized = _fit_stylized(stylized, (h, w))
        if x0 is None:
            x0 = smooth_guided(content, stylized, device=self.device)
        t0 = time.perf_counter()
        if self.device == "cpu":
            Y, X0 = stylized.reshape(-1, 3), np.asarray(x0).reshape(-1, 3)
            if self.perm is not None:
                Y, X0 = Y[self.perm], X0[self.perm]
            b, Z0 = np.zeros((h * w, self.width)), np.zeros((h * w, self.width))
            b[:, :3] = self.lam * self.sd[:, None] * Y
            Z0[:, :3] = X0 / self.sd[:, None]
            cb = progress_callback(progress, rtol)
            Z, iters = pcg(self.A, b, Z0, self.M, rtol=rtol, maxiter=self.maxiter, callback=cb)
            R = self.sd[:, None] * Z[:, :3]
            if self.perm is not None:
                R[self.perm] = R.copy()
            R = R.reshape(h, w, 3)
        else:
            b = self.lam * self.sd_t * to_chw(stylized, self.device)
            z0, cb = to_chw(x0, self.device) / self.sd_t, progress_callback(progress, rtol)
            Z, iters = pcg_jacobi(self.op, b, z0, rtol=rtol, callback=cb)
            R = (self.sd_t * Z).permute(1, 2, 0).cpu().numpy()
        self.info.update(solve_s=time.perf_counter() - t0, iterations=iters)
        return np.clip(R, 0.0, 1.0).astype(np.float32)


def smooth_exact(
    content: np.ndarray,
    stylized: np.ndarray,
    lam: float = DEFAULT_LAM,
    eps: float = DEFAULT_EPS,
    rtol: float = DEFAULT_RTOL,
    x0: np.ndarray | None = None,
    backend: str = "auto",
    device: str = "auto",
    info: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> np.ndarray:
    """Exact photorealistic smoothing ``R = (1-a)(I - aS)^-1 Y``, ``a = 1/(1+lam)``.

    Args:
        content: ``H x W x 3`` float in [0, 1], defines the matting affinity.
        stylized: ``Y``, ``h x w x 3`` float in [0, 1]; bilinearly resized to ``H x W`` if needed.
        lam: ``lam > 0``; smaller keeps less of ``Y`` and more of the content's structure.
        eps: covariance regularisation of the matting affinity (paper: 1e-7).
        rtol: relative residual at which CG stops.
        x0: optional first guess of ``R`` (``H x W x 3``); default the guided-filter result.
        backend: ``"auto"``, ``"ichol"`` or ``"matfree"`` (see the module docstring).
        device: ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
        info: optional dict that receives timings and the iteration count.
        progress: optional callback receiving a line on the running solve every
            ``PROGRESS_EVERY_S`` seconds (iteration and relative residual).

    Returns:
        ``R``: ``H x W x 3`` float32 clipped to [0, 1].
    """
    content, stylized = check_inputs(content, stylized)
    smoother = ExactSmoother(content, lam, eps, backend=backend, device=device)
    out = smoother.solve(stylized, rtol=rtol, x0=x0, progress=progress)
    if info is not None:
        info.update(smoother.info)
    return out


def smooth_direct(
    content: np.ndarray, stylized: np.ndarray, lam: float = DEFAULT_LAM, eps: float = DEFAULT_EPS
) -> np.ndarray:
    """Reference: the same system solved by sparse direct factorisation (scipy ``factorized``).

    This is the paper's method; memory and time grow fast with the image size.
    """
    from scipy.sparse.linalg import factorized

    content, stylized = check_inputs(content, stylized)
    lam = check_lam(lam)
    A, sd = smoothing_system(content, lam, eps)
    solve = factorized(A.tocsc())
    b = lam * sd[:, None] * stylized.reshape(-1, 3).astype(np.float64)
    Z = np.column_stack([solve(b[:, i]) for i in range(3)])
    R = (sd[:, None] * Z).reshape(content.shape)
    return np.clip(R, 0.0, 1.0).astype(np.float32)
