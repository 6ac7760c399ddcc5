"""Defaults shared by the library and the CLI (kept free of heavy imports)."""

#: Long side (pixels) at which stylization runs by default. Chosen with
#: ``benchmarks/quality.py --max-sides 256,384,700`` on dpst-dev (2-core CPU): the Gram
#: distance to the style falls with the size (0.649 / 0.620 / 0.601 / 0.559 at 256 / 384 /
#: 512 / 700) while the time grows; 512 is the largest size that keeps a 700 x 460 pair
#: near 10 s end to end (8.5 s mean with exact smoothing, 9.7 s with the colour fix).
DEFAULT_MAX_SIDE = 512

#: Colour fix on by default: after the smoothing, one global affine colour map to the style's
#: colour mean/covariance and a second smoothing pass (same system). On dpst-dev it lowered
#: the Gram and colour distances to the style *and* the affine residual (see
#: ``benchmarks/results/quality.json``); ``colour_fix=False`` is the paper's plain F1 -> F2.
DEFAULT_COLOUR_FIX = True
