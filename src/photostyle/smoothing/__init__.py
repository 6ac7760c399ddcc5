"""Photorealistic smoothing (F2): the system, its solvers, and the working resolution.

* :mod:`~photostyle.smoothing.affinity`: the system: the content's matting affinity /
  Laplacian (5x5 stencil, applied without assembling a matrix).
* :mod:`~photostyle.smoothing.solvers`: the solvers behind one interface (parallel
  incomplete-Cholesky PCG, matrix-free PCG on CPU or CUDA, direct LU), with
  :mod:`~photostyle.smoothing.cg` and :mod:`~photostyle.smoothing.ichol` as their parts.
* :mod:`~photostyle.smoothing.exact`: the closed form ``R = (1-a)(I - aS)^-1 Y`` at the
  image's own size (:func:`smooth_exact`, :func:`smooth_direct`).
* :mod:`~photostyle.smoothing.guided`: the guided-filter approximation (:func:`smooth_guided`).
* :mod:`~photostyle.smoothing.resolution`: the working resolution: parameters given at a
  reference size, solve at a capped size, local affine upsampling to full size.
* :mod:`~photostyle.smoothing.inputs`: validation, done once at these entrances.
"""

from __future__ import annotations

import importlib

import numpy as np

from photostyle.defaults import DEFAULT_LAM

#: Public names, imported on first use (PEP 562): ``photostyle.smoothing.inputs`` and
#: ``.resolution`` stay light (no numba, no torch) for the command line's early checks.
_LAZY = {
    "smooth_direct": "photostyle.smoothing.exact",
    "smooth_exact": "photostyle.smoothing.exact",
    "smooth_guided": "photostyle.smoothing.guided",
}
__all__ = ["DEFAULT_LAM", "smooth", "smooth_direct", "smooth_exact", "smooth_guided"]

METHODS = ("exact", "guided")


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'photostyle.smoothing' has no attribute {name!r}")


def smooth(
    content: np.ndarray,
    stylized: np.ndarray,
    method: str = "exact",
    lam: float = DEFAULT_LAM,
    device: str = "auto",
    **kwargs: object,
) -> np.ndarray:
    """Smooth ``stylized`` (``h x w x 3`` float in [0,1]) guided by ``content`` (``H x W x 3``).

    ``method="exact"`` solves the paper's closed form at the content's size (``lam`` applies);
    ``"guided"`` runs the guided-filter approximation (``radius``, ``eps`` keyword arguments).
    Returns ``H x W x 3`` float32 in [0, 1].
    """
    if method == "exact":
        from photostyle.smoothing.exact import smooth_exact

        return smooth_exact(content, stylized, lam=lam, device=device, **kwargs)
    if method == "guided":
        from photostyle.smoothing.guided import smooth_guided

        return smooth_guided(content, stylized, device=device, **kwargs)
    raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
