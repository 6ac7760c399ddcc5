"""3D LUT interpolation kernels (numba, all cores): a 12 MP photo in about 0.1 s on 2 cores.

``lut``: ``N x N x N x 3`` float32 indexed ``[r, g, b]`` over [0, 1]^3; ``image``: ``H x W x 3``
float32 (clipped to [0, 1] on lookup); results, clipped to [0, 1], are written into ``out``.

* :func:`trilinear`: the 8 corners of the cell, weighted by the three fractions;
* :func:`tetrahedral`: the 4 corners of the tetrahedron (of the cell's 6) holding the colour,
  as ffmpeg's ``lut3d`` (its default) and most grading tools do; it keeps the grey axis exact.
"""

from __future__ import annotations

from numba import njit, prange


@njit(cache=True, inline="always")
def _cell(v, s):  # noqa: ANN001, ANN202
    x = min(max(v, 0.0), 1.0) * s
    i = min(int(x), s - 1)
    return i, x - i


@njit(cache=True, inline="always")
def _trilinear_at(lut, i, j, k, c, fr, fg, fb):  # noqa: ANN001, ANN202
    c00 = lut[i, j, k, c] * (1 - fr) + lut[i + 1, j, k, c] * fr
    c01 = lut[i, j, k + 1, c] * (1 - fr) + lut[i + 1, j, k + 1, c] * fr
    c10 = lut[i, j + 1, k, c] * (1 - fr) + lut[i + 1, j + 1, k, c] * fr
    c11 = lut[i, j + 1, k + 1, c] * (1 - fr) + lut[i + 1, j + 1, k + 1, c] * fr
    return (c00 * (1 - fg) + c10 * fg) * (1 - fb) + (c01 * (1 - fg) + c11 * fg) * fb


@njit(cache=True, inline="always")
def _tetrahedral_at(lut, i, j, k, c, fr, fg, fb):  # noqa: ANN001, ANN202
    c000, c111 = lut[i, j, k, c], lut[i + 1, j + 1, k + 1, c]
    if fr > fg:
        if fg > fb:  # r > g > b
            return (
                (1 - fr) * c000
                + (fr - fg) * lut[i + 1, j, k, c]
                + (fg - fb) * lut[i + 1, j + 1, k, c]
                + fb * c111
            )
        if fr > fb:  # r > b >= g
            return (
                (1 - fr) * c000
                + (fr - fb) * lut[i + 1, j, k, c]
                + (fb - fg) * lut[i + 1, j, k + 1, c]
                + fg * c111
            )
        return (
            (1 - fb) * c000
            + (fb - fr) * lut[i, j, k + 1, c]
            + (fr - fg) * lut[i + 1, j, k + 1, c]
            + fg * c111
        )  # b >= r > g
    if fb > fg:  # b > g >= r
        return (
            (1 - fb) * c000
            + (fb - fg) * lut[i, j, k + 1, c]
            + (fg - fr) * lut[i, j + 1, k + 1, c]
            + fr * c111
        )
    if fb > fr:  # g >= b > r
        return (
            (1 - fg) * c000
            + (fg - fb) * lut[i, j + 1, k, c]
            + (fb - fr) * lut[i, j + 1, k + 1, c]
            + fr * c111
        )
    return (
        (1 - fg) * c000
        + (fg - fr) * lut[i, j + 1, k, c]
        + (fr - fb) * lut[i + 1, j + 1, k, c]
        + fb * c111
    )  # g >= r >= b


@njit(cache=True, parallel=True, nogil=True)
def _apply(image, lut, out, tetra):  # noqa: ANN001, ANN202
    s = lut.shape[0] - 1
    for y in prange(image.shape[0]):
        for x in range(image.shape[1]):
            i, fr = _cell(image[y, x, 0], s)
            j, fg = _cell(image[y, x, 1], s)
            k, fb = _cell(image[y, x, 2], s)
            for c in range(3):
                if tetra:
                    v = _tetrahedral_at(lut, i, j, k, c, fr, fg, fb)
                else:
                    v = _trilinear_at(lut, i, j, k, c, fr, fg, fb)
                out[y, x, c] = min(max(v, 0.0), 1.0)


def trilinear(image, lut, out) -> None:  # noqa: ANN001
    """Trilinear interpolation of ``lut`` at every pixel of ``image`` into ``out``."""
    _apply(image, lut, out, False)


def tetrahedral(image, lut, out) -> None:  # noqa: ANN001
    """Tetrahedral interpolation of ``lut`` at every pixel of ``image`` into ``out``."""
    _apply(image, lut, out, True)


@njit(cache=True, parallel=True, nogil=True)
def lookup_u8(image, table, out):  # noqa: ANN001, ANN201
    """8-bit frames through a full ``256 x 256 x 256 x 3`` uint8 table (one gather a pixel)."""
    for y in prange(image.shape[0]):
        for x in range(image.shape[1]):
            r, g, b = image[y, x, 0], image[y, x, 1], image[y, x, 2]
            for c in range(3):
                out[y, x, c] = table[r, g, b, c]
