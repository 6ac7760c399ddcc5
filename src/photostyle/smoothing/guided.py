"""Colour guided filter (He et al., TPAMI 2013): the fast approximation of the smoothing step.

For every ``(2r+1) x (2r+1)`` window ``k`` the output is a local affine function of the guide
(the content photo ``I``, 3 channels)::

    q_i = mean_{k ∋ i} (a_k)^T I_i + mean_{k ∋ i} b_k
    a_k = (Sigma_k + eps U)^-1 cov_k(I, p),    b_k = mean_k(p) - a_k^T mu_k

with ``p`` the stylized image (each channel filtered independently), ``Sigma_k`` the 3x3 colour
covariance of the guide in the window and ``U`` the identity. All window sums are O(N) box
filters (cumulative sums), independent of ``r``. Implemented in torch: CPU and CUDA, float32.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from photostyle.device import resolve_device
from photostyle.imaging.layout import to_chw, to_hwc
from photostyle.imaging.windows import box_mean, sym3_inverse
from photostyle.smoothing.inputs import check_inputs

#: The setting closest to the exact smoothing at lam = 1e-4 (``docs/decisions.md``).
DEFAULT_RADIUS = 16
DEFAULT_EPS = 1e-4


def guided_filter_torch(
    guide: torch.Tensor,
    src: torch.Tensor,
    radius: int,
    eps: float,
    prior: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    limit: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Window-averaged guided-filter coefficients for ``guide`` 3xHxW and ``src`` CxHxW.

    Returns ``(mean(a) 3 x C x H x W, mean(b) C x H x W)``; the filtered image is
    ``sum_c mean(a)[c] * guide[c] + mean(b)``. The ridge pulls ``a_k`` towards 0; with
    ``prior`` (``C = 3`` only), towards ``g_k U`` with ``g = prior(mu, mp)`` (``H x W``, from
    the window means of guide and source)::

        a_k = (Sigma_k + eps U)^-1 (cov_k(I, p) + eps g_k U)

    ``limit(a, v)`` (optional) replaces each window's ``a_k`` before ``b_k = mean_k(p) -
    a_k^T mu_k`` and the averaging; ``v`` is the window's mean colour variance
    ``trace(Sigma_k) / 3`` (``H x W``), as :func:`photostyle.smoothing.noise.gain_limit` uses.
    """
    mu = box_mean(guide, radius)  # 3 x H x W
    mp = box_mean(src, radius)  # C x H x W
    gi = guide.unsqueeze(1)  # 3 x 1 x H x W
    cov_ip = box_mean(gi * src.unsqueeze(0), radius) - mu.unsqueeze(1) * mp.unsqueeze(0)  # 3xCxHxW
    if prior is not None:
        eye = torch.eye(3, dtype=cov_ip.dtype, device=cov_ip.device)[:, :, None, None]
        cov_ip = cov_ip + (eps * prior(mu, mp)) * eye

    # symmetric 3x3 covariance + eps, inverted in closed form (adjugate / determinant)
    def var(i: int, j: int) -> torch.Tensor:
        v = box_mean(guide[i] * guide[j], radius) - mu[i] * mu[j]
        return v + eps if i == j else v

    cov = [var(0, 0), var(0, 1), var(0, 2), var(1, 1), var(1, 2), var(2, 2)]
    i00, i01, i02, i11, i12, i22 = sym3_inverse(cov)
    inv = torch.stack([i00, i01, i02, i01, i11, i12, i02, i12, i22]).view(3, 3, 1, *i00.shape)
    a = inv * cov_ip.unsqueeze(0)  # 3 x 3 x C x H x W
    a = a.sum(1)  # 3 x C x H x W
    if limit is not None:
        a = limit(a, (cov[0] + cov[3] + cov[5]) / 3 - eps)
    b = mp - (a * mu.unsqueeze(1)).sum(0)
    return box_mean(a, radius), box_mean(b, radius)


def fast_guided_filter(
    guide: torch.Tensor,
    src: torch.Tensor,
    radius: int,
    eps: float,
    subsample: int = 1,
    limit: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """Guided filter with the coefficients computed at ``1/subsample`` resolution.

    He and Sun's "fast guided filter" (2015): ``mean(a)``, ``mean(b)`` are computed on
    area-downsampled inputs with radius ``radius / subsample`` and bilinearly upsampled; the
    output ``q = mean(a)^T I + mean(b)`` uses the full-resolution guide, so edges stay sharp.
    ``subsample=1`` is the exact guided filter. Shapes and ``limit`` as in
    :func:`guided_filter_torch`.
    """
    h, w = guide.shape[-2:]
    if subsample > 1 and min(h, w) >= 4 * subsample:
        g_lo = F.avg_pool2d(guide[None], subsample, ceil_mode=True)[0]
        p_lo = F.avg_pool2d(src[None], subsample, ceil_mode=True)[0]
        a, b = guided_filter_torch(g_lo, p_lo, max(1, round(radius / subsample)), eps, limit=limit)
    else:
        a, b = guided_filter_torch(guide, src, radius, eps, limit=limit)
    return apply_coefficients(a, b, guide)


def apply_coefficients(a: torch.Tensor, b: torch.Tensor, guide: torch.Tensor) -> torch.Tensor:
    """``q = mean(a)^T I + mean(b)`` for the coefficients of :func:`guided_filter_torch`
    (``3 x C x h x w`` and ``C x h x w``) on ``guide`` (``3 x H x W``, any size: the
    coefficients are bilinearly resized to it first, as the fast guided filter does).
    Returns ``C x H x W``."""
    h, w = guide.shape[-2:]
    if a.shape[-2:] != (h, w):
        c = b.shape[0]
        coef = torch.cat([a.reshape(3 * c, *a.shape[-2:]), b])[None]
        coef = F.interpolate(coef, size=(h, w), mode="bilinear", align_corners=False)[0]
        a, b = coef[: 3 * c].reshape(3, c, h, w), coef[3 * c :]
    return (a * guide.unsqueeze(1)).sum(0) + b


def guided_smooth(
    content: np.ndarray, stylized: np.ndarray, radius: int = DEFAULT_RADIUS, **options: object
) -> np.ndarray:
    """:func:`smooth_guided` on validated inputs: ``content`` and ``stylized`` both
    ``H x W x 3`` float32 in [0, 1] (same size), ``radius >= 1``; ``options``: ``eps`` (> 0),
    ``subsample`` and a resolved ``device`` (default ``"cpu"``). Returns ``H x W x 3``
    float32 in [0, 1]."""
    device = options.get("device", "cpu")
    eps, subsample = options.get("eps", DEFAULT_EPS), options.get("subsample")
    g, p = (to_chw(a, device, torch.float32) for a in (content, stylized))
    if subsample is None:
        subsample = max(1, radius // 4)
    with torch.no_grad():
        q = fast_guided_filter(g, p, radius, eps, subsample)
    return to_hwc(q.clamp_(0, 1))


def smooth_guided(
    content: np.ndarray,
    stylized: np.ndarray,
    radius: int = DEFAULT_RADIUS,
    eps: float = DEFAULT_EPS,
    subsample: int | None = None,
    device: str = "auto",
) -> np.ndarray:
    """Guided-filter approximation of the photorealistic smoothing.

    Args:
        content: guide, ``H x W x 3`` float in [0, 1].
        stylized: image to smooth, ``h x w x 3`` float in [0, 1] (resized to ``H x W`` if needed).
        radius: window radius ``r`` (window side ``2r+1``), >= 1.
        eps: regularisation of the colour covariance (in [0,1]^2 units), > 0.
        subsample: compute the coefficients at 1/subsample resolution (fast guided filter);
            default ``max(1, radius // 4)``; 1 gives the plain guided filter.
        device: ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.

    Returns:
        ``H x W x 3`` float32 in [0, 1].
    """
    content, stylized = check_inputs(content, stylized)
    if radius < 1:
        raise ValueError(f"radius must be >= 1, got {radius}")
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    dev = resolve_device(device)
    return guided_smooth(content, stylized, radius, eps=eps, subsample=subsample, device=dev)
