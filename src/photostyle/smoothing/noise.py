"""Noise-aware local affine models: no grain where the style brightens a flat region.

Every local affine model of the transfer (the exact smoothing, the guided filter, the affine
upsampling) makes the result ``R`` a locally affine function of the content ``I``: on each
small window ``k``, ``R ~ a_k^T I + b_k``. Where the window's colours vary only by the
content's noise (a flat sky, a black night sky, JPEG blocks), the data still fix a gain
``|a_k|`` of 10-30 when the style brightens or stretches the region (the matting affinity's
``eps = 1e-7`` lets them): the noise is multiplied like signal and becomes visible grain.

The remedy here limits the gain, not the fit: the result is re-fitted as a local affine
function of the content on small windows (radius ``NOISE_RADIUS`` at the reference
resolution; the guided filter's equations with a small ridge, He et al. 2013), and each
window's gain is shrunk to at most::

    |a_k| <= G * sqrt(1 + v_k / (k sigma^2)),     |a| = ||a||_F / sqrt(3)  (identity: 1)

``v_k = trace(Sigma_k) / 3`` the window's colour variance, ``sigma^2`` the content's noise
floor (:func:`noise_variance`), ``G = max_gain`` and ``k = factor``: a window whose variation
is at the noise level keeps at most ``G`` times its grain, one with real structure
(``v_k >> k sigma^2``) keeps the gain the data want. ``b_k`` then keeps the window mean, so a
flat region gets the result's colour, gently graded, with the content's own grain. The exact
smoothing itself (``photostyle smooth``, the paper's F2) is unchanged; :func:`transfer` applies
the limit to its result (exact or guided) at the working resolution.

:func:`noise_variance` measures ``sigma^2`` on the image at the size the models run at (the
working resolution, so it is relative, not in pixels): the ``FLAT_PERCENTILE``-th percentile of
the 3 x 3 window variance (mean of the channels), i.e. the variation of the flattest part of
the photo, which in a real photo is its sensor noise and compression residue (JPEG's 8 x 8
block steps included). It is floored at one quantisation step and capped at ``MAX_VARIANCE``
(a photo with no flat area gets the variance of its finest texture otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photostyle.imaging.windows import window_variance

#: Percentile of the 3 x 3 window variance taken as the noise floor (the median of the
#: flattest quarter of the image).
FLAT_PERCENTILE = 12.5
#: Bounds of the measured floor (variance in [0, 1]^2 units: std 0.5/255 .. 6/255).
MIN_VARIANCE = (0.5 / 255) ** 2
MAX_VARIANCE = (6 / 255) ** 2
#: Ridge of the re-fit (small: where the gain is not limited, the re-fit reproduces R).
REFIT_EPS = 1e-6
#: Window radius of the re-fit at the reference resolution (0.4 MP; scaled to the working
#: size like every length, :class:`photostyle.smoothing.resolution.WorkScale`), the noise
#: factor ``k`` and the gain bound ``G`` of the module docstring: less grain against a little
#: colour and Gram distance (``docs/decisions.md``).
NOISE_RADIUS = 3.0
NOISE_FACTOR = 4.0
NOISE_MAX_GAIN = 0.75


def noise_floor(variances: np.ndarray) -> float:
    """The noise floor ``sigma^2`` from an image's :func:`window_variance` map, see the module
    docstring: a variance in [0, 1]^2 units in ``[MIN_VARIANCE, MAX_VARIANCE]``."""
    v = float(np.percentile(variances, FLAT_PERCENTILE))
    return min(max(v, MIN_VARIANCE), MAX_VARIANCE)


def noise_variance(image: np.ndarray) -> float:
    """The noise floor ``sigma^2`` of ``image`` (``H x W x 3`` float in [0, 1]):
    :func:`noise_floor` of its :func:`window_variance`."""
    return noise_floor(window_variance(image))


def gain_limit(variance: float, factor: float, max_gain: float):  # noqa: ANN201
    """``limit(a, v)`` for :func:`photostyle.smoothing.guided.guided_filter_torch`: shrinks
    each window's ``a`` (``3 x 3 x H x W``) to the bound of the module docstring."""
    import torch

    scale = 1.0 / (factor * variance)

    def limit(a: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        allowed = max_gain * torch.sqrt(1 + v.clamp_min(0) * scale)
        # the Frobenius norm over the 3 x 3 matrix of each window: a sum of squares over the
        # leading axis (torch.linalg.vector_norm over dims (0, 1) was 50x slower on CPU)
        norm = a.reshape(9, *a.shape[2:]).square().sum(0).sqrt_() / np.sqrt(3)
        return a * (allowed / norm.clamp_min(1e-12)).clamp_(max=1.0)

    return limit


@dataclass(frozen=True)
class NoiseLimit:
    """The gain limit of one content at its working size: its noise floor ``variance``, the
    re-fit's window ``radius`` (working pixels), ``factor`` and ``max_gain``."""

    variance: float
    radius: int = 1
    factor: float = NOISE_FACTOR
    max_gain: float = NOISE_MAX_GAIN

    @classmethod
    def of(cls, content_work: np.ndarray, scale: object) -> NoiseLimit:
        """The limit for ``content_work`` (``h x w x 3`` float32 in [0, 1], the working size)
        with the defaults; ``scale``: its :class:`~photostyle.smoothing.resolution.WorkScale`."""
        radius = scale.radius(NOISE_RADIUS)
        return cls(noise_variance(content_work), radius)

    def window_limit(self):  # noqa: ANN201
        """The ``limit(a, v)`` hook of the guided filter (:func:`gain_limit`)."""
        return gain_limit(self.variance, self.factor, self.max_gain)

    def apply(
        self, content: np.ndarray, result: np.ndarray, device: str = "cpu", per: int = 4
    ) -> np.ndarray:
        """``result`` re-fitted on ``content`` (both ``h x w x 3`` float32 in [0, 1]) with the
        gain bounded where the content is flat; float64 arithmetic (float32 loses up to 17/255
        to cancellation in the window covariances), ``device`` resolved; from radius ``2 per``
        on the coefficients are computed at ``1 / (radius // per)`` size (the fast guided
        filter). A result that is already a smooth field of the content (the colour grade)
        may take a smaller ``per``: its coefficients vary slowly."""
        import torch

        from photostyle.imaging.layout import to_chw, to_hwc
        from photostyle.smoothing.guided import fast_guided_filter

        g, p = (to_chw(x, device, torch.float64) for x in (content, result))
        sub = max(1, self.radius // per)  # coefficients at 1/sub size (He & Sun 2015)
        with torch.no_grad():
            q = fast_guided_filter(g, p, self.radius, REFIT_EPS, sub, limit=self.window_limit())
        return to_hwc(q.clamp_(0, 1)).astype(np.float32)
