"""Noise-aware result: the grain gain metric, the noise floor, the gain bound of the re-fit."""

import numpy as np
import pytest
import torch
from numpy.lib.stride_tricks import sliding_window_view

from photostyle.imaging.windows import window_variance
from photostyle.metrics import grain_gain
from photostyle.smoothing.guided import guided_filter_torch
from photostyle.smoothing.noise import (
    MIN_VARIANCE,
    NoiseLimit,
    gain_limit,
    noise_variance,
)


def scene(rng, h=96, w=128, sigma=2 / 255):
    """A flat sky (top half) over a textured ground, with sensor noise ``sigma``."""
    img = np.empty((h, w, 3), np.float32)
    img[: h // 2] = (0.25, 0.3, 0.35)
    img[h // 2 :] = 0.4 + 0.25 * rng.random((h - h // 2, w, 1)) * np.array([1.0, 0.8, 0.5])
    return np.clip(img + rng.normal(0, sigma, img.shape), 0, 1).astype(np.float32)


def grain_gain_reference(content, output):
    """The issue's definition, written with explicit 5 x 5 windows (reflect padding)."""
    luma = np.array([0.2126, 0.7152, 0.0722])

    def box(x):
        p = np.pad(x, 2, mode="symmetric")
        return sliding_window_view(p, (5, 5)).mean((-1, -2))

    yc, yo = content.astype(np.float64) @ luma, output.astype(np.float64) @ luma
    std = np.sqrt(np.clip(box(yc**2) - box(yc) ** 2, 0, None))
    flat = std <= np.quantile(std, 0.25)
    return (yo - box(yo))[flat].std() / max((yc - box(yc))[flat].std(), 1 / 255)


def test_grain_gain_matches_its_definition(rng):
    c = scene(rng)
    sky = np.zeros(c.shape[:2], bool)
    sky[:48] = True
    for out in (c, np.clip(0.5 + 3 * (c - 0.3), 0, 1), np.full_like(c, 0.5)):
        assert grain_gain(c, out) == pytest.approx(grain_gain_reference(c, out), rel=1e-6)
    assert grain_gain(c, c) == pytest.approx(1.0)
    assert grain_gain(c, np.clip(0.3 + 3 * (c - 0.3), 0, 1)) > 2.5  # the sky's grain tripled
    assert grain_gain(c, np.full_like(c, 0.5)) == 0.0


def test_noise_floor_follows_the_noise_and_ignores_clean_flat_images(rng):
    est = [noise_variance(scene(rng, sigma=s / 255)) for s in (1, 2, 4)]
    assert est[0] < est[1] < est[2]
    for s, v in zip((1, 2, 4), est, strict=True):
        # the 12.5th percentile of a 9-pixel variance of pure noise is ~0.5 sigma^2
        assert 0.3 < v / (s / 255) ** 2 < 0.9
    assert noise_variance(np.full((32, 32, 3), 0.5, np.float32)) == MIN_VARIANCE
    # the window variance is the plain 3 x 3 variance (reflect borders)
    x = rng.random((10, 12, 3)).astype(np.float32)
    p = np.pad(x.astype(np.float64), ((1, 1), (1, 1), (0, 0)), mode="symmetric")
    ref = sliding_window_view(p, (3, 3), axis=(0, 1)).var(axis=(-1, -2)).mean(-1)
    assert np.allclose(window_variance(x), ref, atol=1e-12)


def test_refit_keeps_a_locally_affine_result_and_bounds_the_flat_gain(rng):
    c = scene(rng)
    v = noise_variance(c)
    # an affine colour map of the content is reproduced where no bound applies
    a = np.array([[1.2, 0.1, 0.0], [0.0, 0.9, 0.1], [0.05, 0.0, 1.1]], np.float32)
    r = np.clip(c @ a.T + 0.02, 0, 1).astype(np.float32)
    free = NoiseLimit(v, radius=2, factor=4, max_gain=100.0).apply(c, r)
    assert np.abs(free - r)[2:-2, 2:-2].max() < 2e-3
    # a 10x stretch of the noisy sky: the bound keeps its grain near the content's own
    stretched = np.clip(0.5 + 10 * (c - c[:48].mean((0, 1))), 0, 1).astype(np.float32)
    stretched[48:] = c[48:]
    assert grain_gain(c, stretched) > 5
    limited = NoiseLimit(v, radius=2, factor=4, max_gain=0.75).apply(c, stretched)
    assert grain_gain(c, limited) < 1.2
    assert np.abs(limited[:48].mean((0, 1)) - stretched[:48].mean((0, 1))).max() < 0.02
    assert np.abs(limited - stretched)[56:-2, 2:-2].mean() < 0.01  # texture keeps its gain


def test_limit_hook_shapes_dtype_and_device(rng):
    g = torch.from_numpy(rng.random((3, 20, 24)))
    p = torch.from_numpy(rng.random((3, 20, 24)))
    seen = []

    def spy(a, var):
        seen.append((tuple(a.shape), tuple(var.shape), a.dtype, var.device))
        return gain_limit(1e-4, 4, 1.0)(a, var)

    a, b = guided_filter_torch(g, p, 2, 1e-6, limit=spy)
    assert seen == [((3, 3, 20, 24), (20, 24), torch.float64, g.device)]
    assert a.shape == (3, 3, 20, 24) and b.shape == (3, 20, 24) and a.dtype == torch.float64
    norm = torch.linalg.vector_norm(
        gain_limit(1e-4, 4, 1.0)(a * 50, torch.zeros(20, 24)), dim=(0, 1)
    )
    assert float(norm.max()) <= np.sqrt(3) * 1.0 + 1e-9


def test_noise_limit_radius_is_relative_to_the_working_size():
    from photostyle.smoothing.resolution import work_scale

    small = NoiseLimit.of(np.full((300, 400, 3), 0.5, np.float32), work_scale((300, 400), 1e6))
    large = NoiseLimit.of(np.full((800, 1200, 3), 0.5, np.float32), work_scale((800, 1200), 1e6))
    assert small.radius < large.radius  # the same share of the photo
    assert small.variance == large.variance == MIN_VARIANCE


def test_transfer_reports_the_noise_floor_and_can_be_turned_off(rng, untrained):
    from photostyle.options import TransferOptions
    from photostyle.pipeline import transfer

    c, s = scene(rng, 48, 64), rng.random((48, 64, 3)).astype(np.float32)
    opts = TransferOptions(max_side=32)
    result = transfer(c, s, opts, model=untrained)
    on = result.image
    off_result = transfer(c, s, opts.replace(noise_aware=False), model=untrained)
    off = off_result.image
    assert result.noise_variance == pytest.approx(noise_variance(c))
    assert off_result.noise_variance is None
    assert on.shape == off.shape == c.shape and np.abs(on - off).max() > 0
    assert grain_gain(c, on) <= grain_gain(c, off) + 1e-6
