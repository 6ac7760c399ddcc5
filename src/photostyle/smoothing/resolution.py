"""Working resolution: the same look at every photo size, with the photo's full detail.

The smoothing's parameters count pixels. ``lam`` sets a diffusion length of about
``1/sqrt(lam)`` pixels (100 at the paper's ``1e-4``), the guided preview a window radius: at
0.4 MP that is a sixth of the photo, at 12 MP a fortieth, so the same photo looks different
at different sizes. Here every such parameter is given at the **reference resolution**
``REFERENCE_PIXELS`` (0.4 MP, about the 700 x 500 research pairs the paper's parameters were
made for) and the smoothing runs at ``S = min(N, work_pixels)`` pixels (``N``: the photo's
pixel count) with the parameters carried to that size::

    lam_S = lam * REFERENCE_PIXELS / S        (the diffusion length keeps its share of the photo)
    r_S   = r * sqrt(S / REFERENCE_PIXELS)    (window radii, blur sigmas)

A photo larger than ``work_pixels`` (default ``DEFAULT_WORK_PIXELS``, 1 MP) is downsized to
``S``, smoothed there, and the result carried back to full size by local affine upsampling
(Chen, Adams & Wadhwa, "Bilateral Guided Upsampling", 2016; He & Sun's fast guided filter):
the smoothed result ``R_S`` is fitted as a locally affine function of the downsized content
``I_S`` (guided-filter-like coefficients, radius ``FIT_RADIUS``, regularised towards the
local colour gain: :func:`affine_coefficients`)::

    R_S(x) ~ A(x) I_S(x) + b(x),          R(X) = up(A)(X) I(X) + up(b)(X)

and the bilinearly upsampled coefficients are applied to the full-resolution content ``I``,
so the edges and texture of the result are the photo's own at every size. The upsampling
runs in row bands (memory O(band), whatever the photo size).

``work_pixels = 0`` (``--work-mp 0``) turns all of this off: the paper's formula at full size
with ``lam`` as given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from photostyle.defaults import DEFAULT_WORK_PIXELS  # noqa: F401 (the documented default)

if TYPE_CHECKING:
    from collections.abc import Callable

    import torch

#: Pixel count at which the method's parameters (lam, guided radius) have their paper values
#: (about the size of the research pairs they were made for; ``docs/decisions.md``).
REFERENCE_PIXELS = 400_000
#: Window radius and regularisation of the affine fit at the working resolution (see
#: :func:`affine_coefficients`): the smallest window keeps the most full-size detail
#: (``docs/decisions.md``).
FIT_RADIUS = 1
FIT_EPS = 1e-4
#: Mean guide brightness below which the gain prior divides by this floor; the largest gain.
GAIN_FLOOR = 0.1
GAIN_MAX = 2.0
#: Output rows per band of :func:`apply_affine` (bounds the memory of the upsampling).
BAND_ROWS = 256


@dataclass(frozen=True)
class WorkScale:
    """Sizes and parameter scaling of one photo (see the module docstring).

    ``full``: the photo's ``(H, W)``; ``work``: ``(h, w)`` at which the smoothing runs;
    ``paper``: True for ``work_pixels = 0`` (full size, parameters unscaled); ``reference``:
    the pixel count at which ``lam`` and radii have their given values.
    """

    full: tuple[int, int]
    work: tuple[int, int]
    paper: bool = False
    reference: float = REFERENCE_PIXELS

    @property
    def upsampled(self) -> bool:
        """Whether the result is carried from ``work`` to ``full`` by affine upsampling."""
        return self.work != self.full

    @property
    def area_ratio(self) -> float:
        """``reference / S`` (1 in paper mode)."""
        return 1.0 if self.paper else self.reference / (self.work[0] * self.work[1])

    def shrunk(self, shape: tuple[int, int]) -> WorkScale:
        """The same photo's scale at a smaller working size ``shape = (h, w)``: lengths and
        ``lam`` keep their share of the photo (in paper mode, the share they have at full
        size)."""
        reference = self.work[0] * self.work[1] if self.paper else self.reference
        return WorkScale(self.full, tuple(shape), reference=reference)

    def lam(self, lam: float) -> float:
        """``lam`` given at the reference resolution -> the value at the working resolution."""
        return lam * self.area_ratio

    def radius(self, pixels: float) -> int:
        """A window radius given at the reference resolution -> whole working pixels, >= 1."""
        return max(1, round(self.length(pixels)))

    def length(self, pixels: float) -> float:
        """A length (radius, sigma) given at the reference resolution -> working pixels."""
        return pixels / math.sqrt(self.area_ratio)


def check_work_pixels(work_pixels: float | None) -> float:
    """``None``/0 -> 0 (paper mode); else a finite number of pixels of at least
    ``defaults.MIN_WORK_MP`` megapixels (checked by :func:`photostyle.options.check_work_mp`)."""
    from photostyle.options import check_work_mp

    if work_pixels is None:
        return 0.0
    check_work_mp(float(work_pixels) / 1e6)
    return float(work_pixels)


def work_scale(shape: tuple[int, int], work_pixels: float | None) -> WorkScale:
    """The :class:`WorkScale` of a photo of ``shape = (H, W)``.

    ``work``: the photo's size when it has at most ``work_pixels`` pixels, else the largest
    size of the same aspect ratio with at most ``work_pixels`` pixels (sides >= 3).
    """
    work_pixels = check_work_pixels(work_pixels)
    h, w = shape
    if work_pixels == 0:
        return WorkScale((h, w), (h, w), paper=True)
    if h * w <= work_pixels:
        return WorkScale((h, w), (h, w))
    f = math.sqrt(work_pixels / (h * w))
    return WorkScale((h, w), (max(3, math.floor(h * f)), max(3, math.floor(w * f))))


def to_work(image: np.ndarray, scale: WorkScale) -> np.ndarray:
    """``H x W x C`` float32 -> ``h x w x C`` at the working size (antialiased bilinear)."""
    from photostyle.imaging.resize import resize

    if image.shape[:2] == scale.work:
        return image
    return resize(image, scale.work)


def at_most(image: np.ndarray, pixels: float) -> np.ndarray:
    """``H x W x C`` float -> float32 at the size :func:`work_scale` gives for ``pixels``
    (unchanged when it has at most that many)."""
    return to_work(image.astype(np.float32), work_scale(image.shape[:2], pixels))


def affine_coefficients(
    guide: np.ndarray,
    result: np.ndarray,
    radius: int = FIT_RADIUS,
    eps: float = FIT_EPS,
    limit: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> np.ndarray:
    """Local affine model ``result ~ A guide + b``, fitted on ``(2r+1)^2`` windows.

    Per window ``k`` (guide mean ``mu_k``, covariance ``Sigma_k``; result mean ``m_k``), the
    ridge fit of the guided filter, regularised towards the local brightness *gain*
    ``g_k = sum(m_k) / max(sum(mu_k), 3 GAIN_FLOOR)`` (clipped to ``[0, GAIN_MAX]``) instead
    of towards 0::

        A_k = (Sigma_k + eps U)^-1 (cov_k(I, R) + eps g_k U),     b_k = m_k - A_k mu_k

    then averaged over the windows holding each pixel (as the guided filter does). Where the
    working resolution sees texture (``Sigma_k >> eps``) the data decide; where it sees a flat
    patch, the fine texture of the full-size photo (grain, foliage, noise) is carried with the
    local brightness gain instead of being flattened to ``b``. The gain is one number for the
    three channels: a per-channel gain would amplify the noise of a nearly black channel where
    the result lifts the blacks (``docs/decisions.md``).

    Args:
        guide: ``h x w x 3`` float32 in [0, 1] (the content at the working size).
        result: ``h x w x 3`` float32 (the smoothed result at the working size).
        limit: optional per-window hook of the guided filter (the noise-aware gain bound).

    Returns:
        ``h x w x 4 x 3`` float32: ``coef[..., k, c]`` is the weight of guide channel ``k`` in
        output channel ``c`` for ``k < 3`` and the offset ``b_c`` for ``k = 3``.
    """
    import torch  # (tensors made from arrays need no gradients: no graph is recorded)

    from photostyle.imaging.layout import to_chw
    from photostyle.smoothing.guided import guided_filter_torch

    def gain(mu: torch.Tensor, mp: torch.Tensor) -> torch.Tensor:
        return (mp.sum(0) / mu.sum(0).clamp_min(3 * GAIN_FLOOR)).clamp_(0, GAIN_MAX)

    g, r = (to_chw(x, "cpu", torch.float32) for x in (guide, result))
    a, b = guided_filter_torch(g, r, radius, eps, prior=gain, limit=limit)
    coef = torch.cat([a, b[None]]).permute(2, 3, 0, 1)  # h x w x 4 x 3
    return np.ascontiguousarray(coef.numpy())


def _lerp_index(n_out: int, n_in: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Bilinear sampling (half-pixel centres, edges clamped) of ``n_in`` samples at ``n_out``."""
    import torch

    x = ((torch.arange(n_out, dtype=torch.float64) + 0.5) * (n_in / n_out) - 0.5).clamp(0, n_in - 1)
    i0 = x.floor().long().clamp(max=n_in - 1)
    i1 = (i0 + 1).clamp(max=n_in - 1)
    return i0, i1, (x - i0).float()


def apply_affine(coef: np.ndarray, guide: np.ndarray, band_rows: int = BAND_ROWS) -> np.ndarray:
    """``R = up(A) guide + up(b)``: the coefficients bilinearly upsampled to the guide's size.

    Args:
        coef: ``h x w x 4 x 3`` float32 from :func:`affine_coefficients`.
        guide: ``H x W x 3`` float32 in [0, 1] (the full-resolution content).
        band_rows: output rows computed at a time (memory ~ ``band_rows * W * 60`` bytes).

    Returns:
        ``H x W x 3`` float32 clipped to [0, 1].
    """
    import torch

    h, w = coef.shape[:2]
    H, W = guide.shape[:2]
    c = torch.from_numpy(np.ascontiguousarray(coef, np.float32)).reshape(h, w, 12)
    x0, x1, wx = _lerp_index(W, w)
    wx = wx[None, :, None]
    cols = c[:, x0] * (1 - wx) + c[:, x1] * wx  # h x W x 12: rows still at working size
    y0, y1, wy = _lerp_index(H, h)
    g = torch.from_numpy(np.ascontiguousarray(guide, np.float32))
    out = np.empty((H, W, 3), np.float32)
    o = torch.from_numpy(out)
    for r0 in range(0, H, band_rows):
        r1 = min(H, r0 + band_rows)
        t = wy[r0:r1, None, None]
        band = (cols[y0[r0:r1]] * (1 - t) + cols[y1[r0:r1]] * t).view(r1 - r0, W, 4, 3)
        gb = g[r0:r1]
        res = band[:, :, 3].clone()
        for k in range(3):
            res.addcmul_(band[:, :, k], gb[:, :, k : k + 1])
        o[r0:r1] = res.clamp_(0, 1)
    return out


def upsample_result(
    content_work: np.ndarray,
    result_work: np.ndarray,
    content: np.ndarray,
    limit: object | None = None,
) -> np.ndarray:
    """Carry ``result_work`` (smoothed at the working size) to the size of ``content``.

    ``content_work``, ``result_work``: ``h x w x 3`` float32; ``content``: ``H x W x 3`` float32
    in [0, 1]; ``limit``: optional :class:`~photostyle.smoothing.noise.NoiseLimit`, which
    bounds the coefficients' gain where the working-size content is flat (so the full-size
    noise is not carried with a large brightness gain). Returns ``H x W x 3`` float32 in
    [0, 1] (``result_work`` itself when the sizes are equal).
    """
    if content.shape[:2] == result_work.shape[:2]:
        return result_work
    hook = limit.window_limit() if limit is not None else None
    return apply_affine(affine_coefficients(content_work, result_work, limit=hook), content)
