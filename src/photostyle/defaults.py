"""Defaults shared by the library and the CLI (kept free of heavy imports)."""

#: Smoothing weight lambda of the paper (``alpha = 1 / (1 + lam)``), at the reference
#: resolution of :mod:`photostyle.smoothing.resolution`.
DEFAULT_LAM = 1e-4

#: Long side (pixels) at which stylization runs by default. Chosen with
#: ``benchmarks/quality.py --max-sides 256,384,700`` on dpst-dev (2-core CPU): the Gram
#: distance to the style falls with the size (0.649 / 0.620 / 0.601 / 0.559 at 256 / 384 /
#: 512 / 700) while the time grows; 512 is the largest size that keeps a 700 x 460 pair
#: under 10 s end to end (8.4 s mean with the defaults then; 5.6 s since the parallel exact
#: smoothing, ``benchmarks/results/quality.json``).
DEFAULT_MAX_SIDE = 512

#: Colour fix on by default: one global affine colour map to the style's colour mean and
#: covariance before the final smoothing. On dpst-dev it lowered the Gram and colour distances
#: to the style (see ``benchmarks/results/quality.json``); with ``colour_fix=False`` and
#: ``detail_match=False`` the result is the paper's plain F1 -> F2.
DEFAULT_COLOUR_FIX = True

#: Detail match on by default: the energy of the result's detail bands (difference of
#: Gaussians, 4 scales) is scaled to the style's before the final smoothing. On dpst-dev it
#: lowered the Gram distance to the style from 0.483 (colour fix only) to 0.409 with
#: structure, colour distance and affine residual still better than DPST's
#: (``benchmarks/results/quality.json``).
DEFAULT_DETAIL_MATCH = True

#: Largest pixel count at which the look is solved (``--work-mp 1``); larger photos are
#: solved at this size and carried to full size (:mod:`photostyle.smoothing.resolution`).
DEFAULT_WORK_PIXELS = 1_000_000
#: The same in megapixels, as the command line and the web app take it.
DEFAULT_WORK_MP = DEFAULT_WORK_PIXELS / 1e6

#: How much of the restyle is applied (a layer's opacity): 1 = the whole result.
DEFAULT_STRENGTH = 1.0


def check_fraction(name: str, value: float) -> float:
    """``value`` as a float, or ``ValueError`` unless it is a number in [0, 1]."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return v


#: Noise-aware result (:mod:`photostyle.smoothing.noise`): the smoothed result is re-fitted
#: as a local affine function of the content with the gain bounded where the content is flat
#: (below its noise floor), at the working size and in the affine upsampling, so that flat
#: noisy regions keep their own grain instead of an amplified one. ``False``: the paper's F2
#: result as it comes. Its constants were chosen on pairs-wide (benchmarks/results/quality.json).
DEFAULT_NOISE_AWARE = True

#: Per-label statistics: with label maps (given or automatic), the colour fix and the detail
#: match work per region (the WCT's region rule), joined with soft weights.
DEFAULT_REGION_STATS = True
