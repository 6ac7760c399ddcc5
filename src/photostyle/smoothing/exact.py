"""Exact photorealistic smoothing (Li et al. 2018, eq. 5) with a fast iterative solver.

The paper's closed form is ``R = (1-a) (I - a S)^-1 Y`` with ``S = D^-1/2 W D^-1/2``,
``a = 1/(1+lam)``, ``W`` the matting affinity of the content and ``D`` its degree. Writing
``W = D - L`` (``L`` the matting Laplacian) and ``R = D^1/2 Z`` gives the equivalent symmetric
positive-definite system (all three colour channels share the matrix)::

    (L + lam D) Z = lam D^1/2 Y,        R = D^1/2 Z

built once per content (:mod:`photostyle.smoothing.affinity`), solved by one of the solvers
of :mod:`photostyle.smoothing.solvers` (preconditioned CG, all channels at once), warm-started
from the guided-filter approximation and stopped at relative residual ``rtol``. This is the
plain formula at the image's own size; :mod:`photostyle.smoothing.resolution` gives the same
look at every photo size for :func:`photostyle.transfer`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from photostyle.defaults import DEFAULT_LAM
from photostyle.smoothing.affinity import DEFAULT_EPS
from photostyle.smoothing.cg import progress_callback
from photostyle.smoothing.inputs import as_content, check_lam, fit_stylized
from photostyle.smoothing.solvers import make_solver

#: CG stopping rule: relative residual; within a level of the direct solve
#: (``docs/decisions.md``).
DEFAULT_RTOL = 5e-3


class ExactSmoother:
    """The system ``(L + lam D) Z = lam D^1/2 Y`` of one content image, built once.

    Build (matrix and preconditioner) is most of the cost of a solve; keeping it lets several
    stylized images (e.g. several styles for one photo) be smoothed with the same content
    for the price of the CG iterations only.

    Args:
        content: ``H x W x 3`` float in [0, 1], defines the matting affinity (validated here).
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

        self._build(as_content(content), check_lam(lam), eps, backend, resolve_device(device))

    @classmethod
    def checked(
        cls, content: np.ndarray, lam: float, device: str, eps: float = DEFAULT_EPS
    ) -> ExactSmoother:
        """Internal entrance for callers that validated their inputs where they entered
        (:func:`photostyle.transfer`): ``content`` float32 C-contiguous ``H x W x 3`` in [0, 1]
        with both sides >= 3, ``lam > 0``, ``device`` resolved (``"cpu"``/``"cuda"``).
        Nothing is checked or copied again; :meth:`solve_checked` is its solve."""
        self = cls.__new__(cls)
        self._build(content, lam, eps, "auto", device)
        return self

    def _build(self, content: np.ndarray, lam: float, eps: float, backend: str, dev: str) -> None:
        self.content, self.lam, self.device = content, lam, dev
        self.solver = make_solver(content, lam, eps, backend, dev)
        self.info = dict(self.solver.info)

    def solve(
        self,
        stylized: np.ndarray,
        rtol: float = DEFAULT_RTOL,
        x0: np.ndarray | None = None,
        progress: Callable[..., None] | None = None,
    ) -> np.ndarray:
        """``R`` for ``Y = stylized`` (``h x w x 3`` in [0, 1], resized to the content size).

        ``x0``: first guess of ``R`` (default: the guided-filter result); ``progress``: optional
        callback ``progress(message, fraction)`` on the running solve (see
        :func:`photostyle.smoothing.cg.progress_callback`). Returns ``H x W x 3`` float32
        clipped to [0, 1]; ``self.info`` receives ``solve_s`` and ``iterations``.
        """
        stylized = fit_stylized(stylized, self.content.shape[:2])
        x0 = None if x0 is None else np.asarray(x0, np.float32)
        return self.solve_checked(stylized, x0, rtol, progress)

    def solve_checked(
        self,
        stylized: np.ndarray,
        x0: np.ndarray | None = None,
        rtol: float = DEFAULT_RTOL,
        progress: Callable[..., None] | None = None,
    ) -> np.ndarray:
        """:meth:`solve` for inputs already checked: ``stylized`` float32 C-contiguous at the
        content's size in [0, 1], ``x0`` float32 at that size or ``None`` (the guided-filter
        result)."""
        import time

        if x0 is None:
            from photostyle.smoothing.guided import guided_smooth

            x0 = guided_smooth(self.content, stylized, device=self.device)

        t0 = time.perf_counter()
        cb = progress_callback(progress, rtol)
        R, iters = self.solver.solve(stylized, x0, rtol, cb)
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
    progress: Callable[..., None] | None = None,
) -> np.ndarray:
    """Exact photorealistic smoothing ``R = (1-a)(I - aS)^-1 Y``, ``a = 1/(1+lam)``.

    Args:
        content: ``H x W x 3`` float in [0, 1], defines the matting affinity.
        stylized: ``Y``, ``h x w x 3`` float in [0, 1]; bilinearly resized to ``H x W`` if needed.
        lam: ``lam > 0``; smaller keeps less of ``Y`` and more of the content's structure.
        eps: covariance regularisation of the matting affinity (paper: 1e-7).
        rtol: relative residual at which CG stops.
        x0: optional first guess of ``R`` (``H x W x 3``); default the guided-filter result.
        backend: ``"auto"``, ``"ichol"``, ``"matfree"`` or ``"direct"``
            (:mod:`photostyle.smoothing.solvers`).
        device: ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
        info: optional dict that receives timings and the iteration count.
        progress: optional callback ``progress(message, fraction)`` on the running solve.

    Returns:
        ``R``: ``H x W x 3`` float32 clipped to [0, 1].
    """
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
    return smooth_exact(content, stylized, lam, eps, backend="direct", device="cpu")
