"""The defaults of a transfer, in one place for the library, the command line and the web app.

Kept free of heavy imports. Each value's measurements (what it trades, the pairs it was chosen
on, the JSON that shows it) are in ``docs/decisions.md``.
"""

#: Smoothing weight lambda of the paper (``alpha = 1 / (1 + lam)``), at the reference
#: resolution of :mod:`photostyle.smoothing.resolution`.
DEFAULT_LAM = 1e-4

#: Long side (pixels) at which stylization runs: the style's texture statistics against time.
DEFAULT_MAX_SIDE = 512

#: Smallest side accepted by stylization: three 2x2 poolings need at least 8 pixels.
MIN_SIDE = 16

#: Colour fix: one global (or per-region) affine colour map to the style's colour mean and
#: covariance before the final smoothing.
DEFAULT_COLOUR_FIX = True

#: Detail match: the energy of the result's detail bands scaled to the style's before the
#: final smoothing.
DEFAULT_DETAIL_MATCH = True

#: Megapixels at which the look is solved; larger photos are solved at this size and carried
#: to full size (:mod:`photostyle.smoothing.resolution`), so every size gets the same look.
DEFAULT_WORK_MP = 1.0
#: The same in pixels, as the smoothing modules count.
DEFAULT_WORK_PIXELS = round(DEFAULT_WORK_MP * 1e6)
#: Smallest working resolution other than 0 (0: full size with the paper's lambda).
MIN_WORK_MP = 0.05

#: How much of the restyle is applied (a layer's opacity): 1 = the whole result.
DEFAULT_STRENGTH = 1.0

#: Noise-aware result (:mod:`photostyle.smoothing.noise`): the result's gain bounded where the
#: content is flat, so flat noisy regions keep their own grain instead of an amplified one.
DEFAULT_NOISE_AWARE = True

#: Per-label statistics: with label maps, the colour fix and the detail match work per region.
DEFAULT_REGION_STATS = True

#: Largest number of automatic labels a user may ask for (k-means clusters on both images).
MAX_AUTO_LABELS = 32
#: Most transfers one ``photostyle sweep`` renders (a readable sheet; each cell is a solve).
MAX_SWEEP_CELLS = 49

#: Locality of the colour grade (:mod:`photostyle.grade`): 1 = the closed-form result per
#: pixel; below 1 the result is a per-material colour grade of the content that varies in
#: space on a scale of ``2**(-6 locality)`` of the photo's long side.
DEFAULT_LOCALITY = 0.2

#: Palette match (:mod:`photostyle.palette`): below locality 1 the graded result's colours
#: are moved towards the style's distribution by a second field of the grade's kind.
DEFAULT_PALETTE_MATCH = True
