"""Window statistics: box means and sums over square windows, in torch and numpy.

Torch functions take ``... x H x W`` tensors on any device and keep their dtype; the numpy
function takes ``H x W x C`` arrays. Three border rules, each where the method needs it:

* :func:`box_mean`: windows of radius ``r`` clipped at the border, the mean over the pixels
  inside (the guided filter's rule);
* :func:`window_sums` / :func:`window_sums_full`: the 3x3 windows fully inside the image and,
  per pixel, the sum over the windows that hold it (the matting Laplacian's rule);
* :func:`window_variance`: 3x3 windows with the border reflected (the noise floor's rule).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def box_mean(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over ``(2r+1)^2`` windows clipped at the borders; ``x``: ``... x H x W``.

    Uses cumulative sums, O(N) for any ``r``; the window is shrunk at the image border and
    the mean divides by the number of pixels actually inside.
    """
    h, w = x.shape[-2:]

    def csum(t: torch.Tensor, dim: int, n: int) -> torch.Tensor:
        # window i sums positions i - r .. i + r clipped to 0 .. n - 1: the cumulative sum at
        # its upper end, c[min(i + r, n - 1)], less the one before its lower end, c[i - r - 1]
        # where that exists (a copy and a subtraction of slices, no padded copy)
        c = torch.cumsum(t, dim=dim)
        out = torch.empty_like(c)
        k = max(n - r, 0)  # windows whose upper end is inside
        if k:
            out.narrow(dim, 0, k).copy_(c.narrow(dim, r, k))
        out.narrow(dim, k, n - k).copy_(
            c.narrow(dim, n - 1, 1).expand_as(out.narrow(dim, k, n - k))
        )
        m = n - r - 1  # windows whose lower end is past the first position
        if m > 0:
            out.narrow(dim, r + 1, m).sub_(c.narrow(dim, 0, m))
        return out

    def count(n: int) -> torch.Tensor:  # pixels of each window along one axis
        idx = torch.arange(n, device=x.device)
        return ((idx + r + 1).clamp(max=n) - (idx - r).clamp(min=0)).to(x.dtype)

    s = csum(csum(x, -2, h), -1, w)
    return s / (count(h)[:, None] * count(w)[None, :])


def window_sums(x: torch.Tensor) -> torch.Tensor:
    """Sum over each 3x3 window fully inside: ``B x H x W`` -> ``B x (H-2) x (W-2)``."""
    r = x[:, :-2] + x[:, 1:-1] + x[:, 2:]
    return r[:, :, :-2] + r[:, :, 1:-1] + r[:, :, 2:]


def window_sums_full(x: torch.Tensor) -> torch.Tensor:
    """Per pixel, the sum over the 3x3 windows holding it: ``B x (H-2) x (W-2)`` (one value
    per window) -> ``B x H x W``."""
    return window_sums(F.pad(x, (2, 2, 2, 2)))


def sym3_inverse(s: list[torch.Tensor]) -> list[torch.Tensor]:
    """Per-pixel inverse of symmetric 3x3 matrices (window covariances) given as
    ``[s00, s01, s02, s11, s12, s22]`` (each ``... x H x W``), by adjugate / determinant;
    returns the same six entries."""
    s00, s01, s02, s11, s12, s22 = s
    i00 = s11 * s22 - s12 * s12
    i01 = s02 * s12 - s01 * s22
    i02 = s01 * s12 - s02 * s11
    i11 = s00 * s22 - s02 * s02
    i12 = s01 * s02 - s00 * s12
    i22 = s00 * s11 - s01 * s01
    det = s00 * i00 + s01 * i01 + s02 * i02
    return [t / det for t in (i00, i01, i02, i11, i12, i22)]


def window_variance(image: np.ndarray) -> np.ndarray:
    """``H x W`` float64: the mean over channels of the variance in the 3 x 3 window around
    each pixel (``image``: ``H x W x C`` float; borders reflected)."""
    from scipy.ndimage import uniform_filter

    x = image.astype(np.float64)
    m = uniform_filter(x, (3, 3, 1), mode="reflect")
    m2 = uniform_filter(x * x, (3, 3, 1), mode="reflect")
    return np.clip(m2 - m * m, 0, None).mean(2)
