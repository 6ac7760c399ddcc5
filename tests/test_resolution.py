"""Working resolution: parameter scaling, affine upsampling, the same look at every size."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from photostyle.smoothing.resolution import (
    REFERENCE_PIXELS,
    affine_coefficients,
    apply_affine,
    work_scale,
)


def test_work_scale_sizes_and_parameters():
    small = work_scale((400, 600), 1e6)  # below the working resolution: its own size
    assert small.work == (400, 600) and not small.upsampled
    assert small.lam(1e-4) == pytest.approx(1e-4 * REFERENCE_PIXELS / 240_000)
    big = work_scale((3000, 4000), 1e6)
    h, w = big.work
    assert big.upsampled and h * w <= 1e6 and h * w > 0.99e6
    assert w / h == pytest.approx(4 / 3, rel=2e-3)
    # the diffusion length 1/sqrt(lam) and radii keep their share of the photo
    ref_w = np.sqrt(REFERENCE_PIXELS * 4 / 3)  # width of a 4:3 photo at the reference size
    assert 1 / np.sqrt(big.lam(1e-4)) / w == pytest.approx(100 / ref_w, rel=1e-3)
    assert big.length(16) == pytest.approx(16 * np.sqrt(h * w / REFERENCE_PIXELS))
    paper = work_scale((3000, 4000), 0)
    assert paper.work == (3000, 4000) and paper.lam(1e-4) == 1e-4 and paper.length(16) == 16
    for bad in (-1, 1000, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="working resolution"):
            work_scale((30, 40), bad)


def test_a_shrunk_scale_keeps_the_shares_of_the_photo():
    """The grade's fit size: lam and radii carried so that they keep their share."""
    s = work_scale((400, 600), 1e6).shrunk((100, 150))
    assert s.work == (100, 150) and s.full == (400, 600)
    assert s.lam(1e-4) == pytest.approx(1e-4 * REFERENCE_PIXELS / 15_000)
    assert s.length(16) == pytest.approx(16 * np.sqrt(15_000 / REFERENCE_PIXELS))
    paper = work_scale((400, 600), 0).shrunk((100, 150))  # paper mode: the full size's shares
    assert paper.lam(1e-4) == pytest.approx(1e-4 * 16) and paper.length(16) == pytest.approx(4)


def test_apply_affine_equals_dense_bilinear_upsampling(rng):
    """Banded upsampling == torch's bilinear interpolation of all coefficients at once."""
    coef = rng.normal(size=(13, 17, 4, 3)).astype(np.float32) * 0.3
    guide = rng.random((101, 67, 3)).astype(np.float32)
    got = apply_affine(coef, guide, band_rows=7)
    c = torch.from_numpy(coef.reshape(13, 17, 12)).permute(2, 0, 1)[None]
    up = F.interpolate(c, size=(101, 67), mode="bilinear", align_corners=False)[0]
    up = up.permute(1, 2, 0).reshape(101, 67, 4, 3).numpy()
    ref = np.einsum("hwkc,hwk->hwc", up[:, :, :3], guide) + up[:, :, 3]
    assert np.abs(got - np.clip(ref, 0, 1)).max() < 1e-5


def test_affine_fit_carries_a_local_affine_result_to_full_size(rng):
    """A result that is an affine colour map of a textured content is reproduced at any size."""
    yy, xx = np.mgrid[0:240, 0:360] / 12.0  # structure the working size sees (period ~8 px)
    full = np.stack([np.sin(xx), np.cos(yy), np.sin(0.7 * (xx + yy))], -1) * 0.2 + 0.5
    full = np.clip(full + 0.02 * rng.standard_normal(full.shape), 0, 1).astype(np.float32)
    m = np.array([[0.5, 0.2, 0.0], [0.1, 0.6, 0.1], [0.0, 0.2, 0.4]], np.float32)

    def look(img):
        return img @ m.T + np.array([0.1, 0.05, 0.2], np.float32)

    from photostyle.imaging.resize import resize

    small = resize(full, (80, 120))
    coef = affine_coefficients(small, look(small))
    assert np.abs(apply_affine(coef, small) - look(small)).max() < 2 / 255
    err = np.abs(apply_affine(coef, full) - look(full))  # the full-size detail is kept ...
    blurry = np.abs(resize(look(small), (240, 360)) - look(full))  # ... unlike a resize
    assert err.mean() < 1 / 255 and np.percentile(err, 99) < 4 / 255
    assert err.mean() < 0.5 * blurry.mean()  # the rest: noise finer than the working size


def psnr(a, b):
    return 10 * np.log10(1 / np.mean((a - b) ** 2))


def test_transfer_gives_the_same_look_at_every_size(untrained):
    """Scale consistency: a photo restyled at 4x the working resolution, downsized, matches
    the same photo downsized first and restyled (goal >= 35 dB), and its result at full size
    is not the upsampled working result (it has the photo's own detail)."""
    from photostyle.cli.bench import synthetic_photo
    from photostyle.imaging.resize import resize
    from photostyle.pipeline import transfer

    work = 60_000
    content = synthetic_photo(300, 800, 0, warm=False)  # 0.24 MP = 4 x work
    style = synthetic_photo(200, 300, 1, warm=True)
    full = transfer(content, style, work_pixels=work)
    scale = work_scale(content.shape[:2], work)
    small = resize(content, scale.work)
    ref = transfer(small, style, work_pixels=work)
    assert full.shape == content.shape and ref.shape == small.shape
    assert psnr(resize(full, scale.work), ref) >= 35
    blurry = resize(ref, content.shape[:2])
    hf = lambda a: a - resize(resize(a, (75, 200)), (300, 800))  # noqa: E731
    # full-size detail: the result's fine detail follows the content's, the upsampled not
    corr = lambda a, b: np.corrcoef(hf(a).ravel(), hf(b).ravel())[0, 1]  # noqa: E731
    assert corr(full, content) > corr(blurry, content) + 0.1


def test_paper_mode_is_the_plain_full_size_smoothing(untrained, rng):
    """work_mp=0 solves at full size with lam as given (the previous behaviour)."""
    import photostyle.pipeline as pipeline
    import photostyle.smoothing.exact as exact
    from photostyle.options import TransferOptions
    from photostyle.smoothing.exact import ExactSmoother

    seen, checks = [], []
    real_build = ExactSmoother._build

    def spy(self, content, lam, *a, **k):
        seen.append((content.shape[:2], lam))
        real_build(self, content, lam, *a, **k)

    def counted(f):
        return lambda *a, **k: checks.append(f.__name__) or f(*a, **k)

    c = rng.random((40, 60, 3)).astype(np.float32)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ExactSmoother, "_build", spy)
        for name in ("as_content", "check_lam", "fit_stylized"):
            mp.setattr(exact, name, counted(getattr(exact, name)))
        pipeline.transfer(c, c, TransferOptions(work_mp=0, max_side=32), model=untrained)
        pipeline.transfer(c, c, TransferOptions(max_side=32), model=untrained)
        assert checks == []  # checked once where it entered transfer(), not again inside
        exact.smooth_exact(c, c)  # the public entrance checks
        assert checks == ["as_content", "check_lam", "fit_stylized"]
    pad = 2 * pipeline.EXACT_PAD
    assert seen[0] == ((40 + pad, 60 + pad), 1e-4)
    assert seen[1][0] == (40 + pad, 60 + pad)
    assert seen[1][1] == pytest.approx(1e-4 * REFERENCE_PIXELS / 2400)


def test_fine_texture_the_working_size_cannot_see_keeps_the_local_gain(rng):
    """A flat patch at the working size may hold fine texture at full size (grain, foliage):
    it is carried with the patch's brightness gain (the prior), not flattened."""
    from photostyle.imaging.resize import resize

    yy, xx = np.mgrid[0:256, 0:256]
    checker = ((yy + xx) % 2 * 2 - 1)[..., None].astype(np.float32)  # 1-pixel texture
    full = np.clip(0.5 + 0.04 * checker, 0, 1).astype(np.float32)
    full = np.repeat(full, 3, axis=2)
    small = resize(full, (64, 64))  # the checker averages out: flat 0.5
    assert small.std() < 1e-3
    gain = 0.6
    coef = affine_coefficients(small, gain * small)
    out = apply_affine(coef, full)
    texture = lambda a: np.abs(a - a.mean()).mean()  # noqa: E731
    assert texture(out) == pytest.approx(gain * texture(full), rel=0.1)
    assert out.mean() == pytest.approx(gain * 0.5, abs=1 / 255)
