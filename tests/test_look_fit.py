"""The stylizing look fit (look_fit.py): transport, distribution transfer, the fitted look."""

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from photostyle.files.images import load_image
from photostyle.imaging.resize import resize
from photostyle.looks.fit import distribution_transfer, match_1d
from photostyle.looks.look import Look
from photostyle.metrics import affine_residual, sliced_wasserstein_lab

IMAGES = Path(__file__).resolve().parents[1] / "examples" / "images"


def test_match_1d_is_the_monotone_transport_and_keeps_atoms_together(rng):
    x, z = rng.standard_normal(1000), 3 + 2 * rng.random(4000)
    t = match_1d(x, z)
    # distinct samples: rank i goes to the (i + 0.5) / M quantile of z (Hazen's definition)
    ranks = np.argsort(np.argsort(x))
    ref = np.quantile(z, (ranks + 0.5) / len(x), method="hazen")
    assert np.abs(t - ref).max() < 1e-9
    assert np.all(np.diff(t[np.argsort(x)]) >= 0)  # monotone: no inversions
    # an atom (80 % equal values) moves to the mean of its ranks' targets, not an endpoint
    x = np.concatenate([np.zeros(800), 1 + np.arange(200.0)])
    z = np.linspace(0.0, 1.0, 10_001)
    t = match_1d(x, z)
    assert np.allclose(t[:800], 0.4, atol=1e-3) and np.ptp(t[:800]) == 0
    assert np.allclose(t[800:], np.linspace(0.8005, 0.9995, 200), atol=1e-3)


def test_distribution_transfer_reaches_the_target_distribution(rng):
    y = rng.random((20_000, 3)) * [0.3, 0.5, 0.2]
    z = rng.multivariate_normal(
        [0.6, 0.4, 0.5], [[0.02, 0.01, 0], [0.01, 0.03, 0], [0, 0, 0.01]], 20_000
    )
    out = distribution_transfer(y, z, rotations=20, seed=0)
    dirs = rng.standard_normal((3, 16))
    before = np.mean([wasserstein_distance(y @ d, z @ d) for d in dirs.T])
    after = np.mean([wasserstein_distance(out @ d, z @ d) for d in dirs.T])
    assert after < 0.05 * before


@pytest.fixture(scope="module")
def pair():
    c = load_image(IMAGES / "coffee.png")
    c = resize(c, (round(160 * c.shape[0] / c.shape[1]), 160))
    s = load_image(IMAGES / "rocket.jpg")
    s = resize(s, (round(160 * s.shape[0] / s.shape[1]), 160))
    # a stand-in "transfer result": a cool grade with a spatially varying offset
    ramp = np.linspace(-0.05, 0.05, c.shape[1], dtype=np.float32)[None, :, None]
    r = np.clip(c @ np.diag([0.6, 0.8, 1.1]).astype(np.float32) + ramp, 0, 1)
    return c, r, s


def test_stylizing_look_takes_the_style_colours_and_stays_locally_affine(pair):
    c, r, s = pair
    styl = Look.fit(c, r, size=17, style=s).apply(c)
    regr = Look.fit(c, r, size=17).apply(c)
    # the style's colours: much closer than a copy of the result's colours
    assert sliced_wasserstein_lab(styl, s) < 0.7 * sliced_wasserstein_lab(regr, s)
    # photorealistic: far more locally affine than the raw per-pixel distribution transfer
    raw = distribution_transfer(c.reshape(-1, 3).astype(np.float64), s.reshape(-1, 3), 5, 0)
    raw = np.clip(raw, 0, 1).reshape(c.shape).astype(np.float32)
    assert affine_residual(c, styl) < 0.5 * affine_residual(c, raw)
    # no tonal inversion: luminance order of the content is kept on the whole
    lum = lambda x: x @ np.array([0.2126, 0.7152, 0.0722], np.float32)  # noqa: E731
    assert np.corrcoef(lum(c).ravel(), lum(styl).ravel())[0, 1] > 0.8


def test_stylizing_look_strength_and_keyframe_lists(pair):
    c, r, s = pair
    assert (
        np.abs(Look.fit(c, r, size=9, style=s, strength=0).table - Look.identity(9).table).max()
        < 1e-6
    )
    one = Look.fit(c, r, size=9, style=s)
    half = Look.fit(c, r, size=9, style=s, strength=0.5)
    assert np.allclose(half.table, (one.table + Look.identity(9).table) / 2, atol=1e-6)
    two = Look.fit([c, c[::-1]], [r, r[::-1]], size=9, style=s)  # keyframes: a list of pairs
    assert two.table.shape == (9, 9, 9, 3)
    # the same colours and (mirrored) textures: nearly the same look on the photo
    assert np.abs(two.apply(c) - one.apply(c)).mean() < 0.02
    with pytest.raises(ValueError, match="one size"):
        Look.fit([c], [r[1:]], style=s)
