import numpy as np
import pytest

from photostyle.colour import (
    DETAIL_GAIN_RANGE,
    DETAIL_SIGMAS,
    detail_gains,
    dog_bands,
    match_colour,
    match_detail,
)


def _textured(rng, shape, amount):
    grad = np.linspace(0.2, 0.8, shape[1], dtype=np.float32)[None, :, None]
    base = np.broadcast_to(grad, shape)
    return np.clip(base + amount * rng.standard_normal(shape), 0, 1).astype(np.float32)


def test_dog_bands_sum_to_image(rng):
    img = rng.random((30, 40, 3)).astype(np.float32)
    bands, base = dog_bands(img, DETAIL_SIGMAS)
    assert len(bands) == len(DETAIL_SIGMAS) and base.shape == img.shape
    np.testing.assert_allclose(base + sum(bands), img, atol=1e-5)


def test_match_detail_with_itself_is_identity(rng):
    img = _textured(rng, (48, 64, 3), 0.05)
    np.testing.assert_allclose(detail_gains(img, img), 1.0, atol=1e-6)
    np.testing.assert_allclose(match_detail(img, img), img, atol=1e-5)


def test_match_detail_moves_band_energy_to_reference(rng):
    img = _textured(rng, (60, 80, 3), 0.01)
    ref = _textured(rng, (60, 80, 3), 0.02)  # twice the noise: fine bands 4x the energy
    out = match_detail(img, ref)
    assert out.shape == img.shape and out.dtype == np.float32
    assert 0 <= out.min() and out.max() <= 1
    e = lambda a: (dog_bands(a, (1.0,))[0][0].astype(np.float64) ** 2).mean()  # noqa: E731
    assert e(out) == pytest.approx(e(ref), rel=0.15)
    assert e(img) < 0.5 * e(ref)


def test_detail_gains_are_bounded_and_scale_free(rng):
    flat = np.full((40, 40, 3), 0.5, np.float32)
    noisy = _textured(rng, (40, 40, 3), 0.1)
    g = detail_gains(flat, noisy)
    assert g.shape == (len(DETAIL_SIGMAS), 3)
    assert (g >= DETAIL_GAIN_RANGE[0]).all() and (g <= DETAIL_GAIN_RANGE[1]).all()

    # the same scene at twice the size has the same gains: bands are compared at one working
    # resolution (a scene of stripes, 6 and 15 cycles across the width), up to the softening
    # of the bilinear downsizing (measured: gain 1.13 in the finest band, period 5 px)
    def scene(w: int) -> np.ndarray:
        x = np.arange(w, dtype=np.float32) / w * 2 * np.pi
        row = 0.5 + 0.2 * np.sin(6 * x) + 0.1 * np.sin(15 * x)
        return np.broadcast_to(row[None, :, None], (w * 3 // 4, w, 3)).astype(np.float32)

    np.testing.assert_allclose(detail_gains(scene(160), scene(80)), 1.0, atol=0.15)


def test_match_detail_pyramid_path_agrees_with_full_size_bands(rng, monkeypatch):
    import photostyle.colour as colour

    # a large image (3x the working side) with texture at several scales
    h, w = 768, 1536
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    scene = 0.5 + 0.15 * np.sin(xx / 9.0) * np.cos(yy / 23.0) + 0.1 * np.sin(xx / 41.0)
    img = np.clip(scene[..., None] + 0.02 * rng.standard_normal((h, w, 3)), 0, 1)
    img = img.astype(np.float32)
    ref = _textured(rng, (256, 512, 3), 0.05)
    fast = match_detail(img, ref)
    monkeypatch.setattr(colour, "DETAIL_PYRAMID_RATIO", float("inf"))
    full = match_detail(img, ref)
    change = np.linalg.norm(full - img)
    assert change > 0.01 * np.linalg.norm(img)  # the match does something here
    assert np.linalg.norm(fast - full) < 0.2 * change


def test_match_functions_reject_bad_shapes(rng):
    img = rng.random((10, 10, 3)).astype(np.float32)
    for fn in (match_colour, match_detail):
        with pytest.raises(ValueError, match="H x W x 3"):
            fn(img[..., 0], img)
        with pytest.raises(ValueError, match="H x W x 3"):
            fn(img, img[..., :2])


def two_regions(rng, h, w, left, right, split):
    """An image whose columns before ``split`` have colour ``left``, the others ``right``
    (with a little noise), and its label map (0 left, 1 right)."""
    lab = np.zeros((h, w), np.int32)
    lab[:, split:] = 1
    img = np.where(lab[..., None] == 0, np.array(left), np.array(right)).astype(np.float32)
    return np.clip(img + rng.normal(0, 0.03, img.shape), 0, 1).astype(np.float32), lab


def test_colour_fix_per_region_maps_each_region_to_its_partner(rng):
    from photostyle.colour import match_colour, region_weights

    # content: a grey field (label 0) under a pale sky (label 1); style: a red barn region
    # (label 0) taking most of the picture and a small deep-blue sky (label 1)
    c, lc = two_regions(rng, 64, 96, (0.5, 0.5, 0.45), (0.8, 0.85, 0.9), 60)
    s, ls = two_regions(rng, 80, 80, (0.7, 0.2, 0.15), (0.1, 0.2, 0.7), 56)
    glob = match_colour(c, s)
    reg = match_colour(c, s, (lc, ls))
    sky_target = s[:, 56:].mean((0, 1))
    assert np.abs(reg[:, 62:].mean((0, 1)) - sky_target).max() < 0.03
    assert np.abs(reg[:, :58].mean((0, 1)) - s[:, :56].mean((0, 1))).max() < 0.03
    # the global map pulls the sky towards the style's average (the barn's red)
    assert np.abs(glob[:, 62:].mean((0, 1)) - sky_target).max() > 0.2
    w = region_weights(lc, [0, 1], (32, 48))
    assert w.shape == (3, 32, 48) and np.allclose(w.sum(0), 1, atol=1e-5) and w.min() >= 0
    # a label without a partner keeps the global map
    reg2 = match_colour(c, s, (lc, np.zeros_like(ls)))
    assert np.abs(reg2[:, 62:] - glob[:, 62:]).max() < 0.02


def test_detail_match_per_region_gains(rng):
    from photostyle.colour import DETAIL_SIGMAS, detail_gains, match_detail

    c, lc = two_regions(rng, 64, 96, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), 48)
    s, ls = two_regions(rng, 64, 96, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), 48)
    s[:, 48:] = np.clip(0.5 + 4 * (s[:, 48:] - 0.5), 0, 1)  # the style's right side: 4x detail
    g = detail_gains(c, s, (lc, ls))
    assert g.shape == (3, len(DETAIL_SIGMAS), 3)
    assert g[2, 0].min() > 2.5 and g[1, 0].max() < 1.5  # right region amplified, left not
    out = match_detail(c, s, (lc, ls))
    assert out[:, 52:].std() > 2 * out[:, :44].std()
    assert np.allclose(match_detail(c, s), match_detail(c, s, None))
