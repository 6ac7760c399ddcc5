"""8-bit output without banding: Floyd-Steinberg error diffusion (numba).

A result is float; an 8-bit file holds 256 levels per channel. Plain rounding turns a smooth
gradient finer than one level per pixel (a sky, a large photo's soft shading, a grey result
of three colour channels) into flat bands with steps; error diffusion passes each pixel's
rounding error on to its unvisited neighbours (weights 7/16 right, 3/16, 5/16, 1/16 on the
next row), so every neighbourhood keeps the float image's mean level (as photo tools dither
when they reduce 16 bits to 8). Rows are visited in serpentine order (left to right, then
right to left), which avoids the diagonal "worm" patterns of a fixed direction. Values that
are already on the 8-bit grid are kept exactly (no error to diffuse).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def _diffuse(image, out):  # noqa: ANN001, ANN202
    h, w, channels = image.shape
    for k in prange(channels):
        cur = np.zeros(w + 2, np.float32)  # error carried into this row (pixel x at x + 1)
        nxt = np.zeros(w + 2, np.float32)
        for y in range(h):
            nxt[:] = 0.0
            forward = y % 2 == 0
            for i in range(w):
                x = i if forward else w - 1 - i
                v = min(max(image[y, x, k], 0.0), 1.0) * 255.0 + cur[x + 1]
                q = min(max(np.floor(v + 0.5), 0.0), 255.0)
                out[y, x, k] = np.uint8(q)
                d = v - q
                ahead, behind = (x + 2, x) if forward else (x, x + 2)
                cur[ahead] += d * 0.4375
                nxt[behind] += d * 0.1875
                nxt[x + 1] += d * 0.3125
                nxt[ahead] += d * 0.0625
            cur, nxt = nxt, cur


def dither_to_uint8(image: np.ndarray) -> np.ndarray:
    """``H x W`` or ``H x W x C`` float in [0, 1] (clipped) -> uint8 of the same shape, by
    serpentine Floyd-Steinberg error diffusion per channel (see the module docstring)."""
    a = np.asarray(image, np.float32)
    if a.ndim not in (2, 3):
        raise ValueError(f"image must be H x W or H x W x C, got shape {a.shape}")
    a3 = np.ascontiguousarray(a if a.ndim == 3 else a[:, :, None])
    out = np.empty(a3.shape, np.uint8)
    _diffuse(a3, out)
    return out if a.ndim == 3 else out[:, :, 0]
