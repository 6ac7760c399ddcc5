"""Compile the numba kernels once, into numba's on-disk cache (``photostyle warmup``).

The smoothing's kernels (:mod:`photostyle.smoothing.affinity`, ``ichol``, ``cg``,
``matfree``), the LUT kernels (:mod:`photostyle.looks.kernels`) and the 8-bit dithering
(:mod:`photostyle.files.dither`) are compiled with
``cache=True``: the first process that runs them compiles them (about 14 s on 2 cores) and
writes the machine code beside the sources (or, where that folder is not writable, as for a
system-wide pip install, in numba's per-user cache); every later process loads it in well
under a second. ``make install`` runs :func:`warm_up`, so the first ``photostyle transfer``
after installation runs at the speed of the second.
"""

from __future__ import annotations

import time

import numpy as np


def warm_up() -> dict:
    """Run every numba kernel once on a tiny image; returns the seconds taken per back end.

    Calls the same entry points as the pipeline (parallel incomplete-Cholesky solve and the
    matrix-free solve, both through :func:`photostyle.smoothing.smooth_exact`), so that every
    type signature they use is compiled and cached.
    """
    from photostyle.smoothing import smooth_exact

    rng = np.random.default_rng(0)
    content = rng.random((24, 32, 3)).astype(np.float32)
    stylized = rng.random((24, 32, 3)).astype(np.float32)
    seconds = {}
    for backend in ("ichol", "matfree"):
        t0 = time.perf_counter()
        smooth_exact(content, stylized, backend=backend, device="cpu", progress=lambda *a: None)
        seconds[backend] = round(time.perf_counter() - t0, 2)
    from photostyle.looks.look import Look

    t0 = time.perf_counter()
    for interpolation in ("tetrahedral", "trilinear"):
        Look.identity(3).apply(content, interpolation)
    Look.identity(3).apply_u8((content * 255).astype(np.uint8))
    seconds["lut"] = round(time.perf_counter() - t0, 2)
    from photostyle.files.dither import dither_to_uint8

    t0 = time.perf_counter()
    dither_to_uint8(content)
    seconds["dither"] = round(time.perf_counter() - t0, 2)
    return seconds
