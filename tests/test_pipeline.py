import numpy as np
import pytest
import torch
from PIL import Image

import photostyle.pipeline as pipeline
from photostyle.options import TransferOptions as Opts


def test_stylize_shapes_odd_sizes(untrained):
    out = untrained.stylize(torch.rand(1, 3, 37, 51), torch.rand(1, 3, 40, 33))
    assert out.shape == (1, 3, 37, 51) and 0 <= out.min() and out.max() <= 1
    with pytest.raises(ValueError, match="content"):
        untrained.stylize(torch.rand(1, 3, 8, 51), torch.rand(1, 3, 40, 33))


def test_transfer_takes_every_input_kind_and_returns_a_result(untrained, rng):
    c = rng.random((40, 60, 3)).astype(np.float32)
    s = rng.random((50, 30, 3)).astype(np.float32)
    kinds = [
        c,
        (c * 255).astype(np.uint8),
        Image.fromarray((c * 255).astype(np.uint8)),
        torch.from_numpy(c.transpose(2, 0, 1).copy()),
    ]
    for content in kinds:
        r = pipeline.transfer(content, s, Opts(smoothing="guided", max_side=32), model=untrained)
        assert isinstance(r, pipeline.TransferResult) and r.image.dtype == np.float32
        assert r.image.shape == (40, 60, 3) and 0 <= r.image.min() and r.image.max() <= 1
        assert r.noise_variance > 0 and r.auto_labels is None and r.fallbacks == {}


def test_the_keyword_form_is_deprecated_and_returns_the_same_kind(untrained, rng):
    c = rng.random((40, 60, 3)).astype(np.float32)
    s = rng.random((50, 30, 3)).astype(np.float32)
    new = pipeline.transfer(c, s, Opts(smoothing="guided", max_side=32), model=untrained)
    report: dict = {}
    with pytest.warns(DeprecationWarning, match="TransferOptions"):
        old = pipeline.transfer(c, s, smoothing="guided", max_side=32, report=report)
    np.testing.assert_array_equal(old, new.image)
    assert report["noise_variance"] == new.noise_variance and report["fallbacks"] == {}
    with pytest.warns(DeprecationWarning):
        u8 = pipeline.transfer((c * 255).astype(np.uint8), s, smoothing=None, max_side=32)
    assert u8.dtype == np.uint8 and u8.shape == (40, 60, 3)
    with pytest.warns(DeprecationWarning):
        pil = pipeline.transfer(Image.fromarray((c * 255).astype(np.uint8)), s, smoothing=None)
    assert isinstance(pil, Image.Image) and pil.size == (60, 40)
    with pytest.warns(DeprecationWarning):
        t = pipeline.transfer(torch.from_numpy(c.transpose(2, 0, 1).copy()), s, max_side=32)
    assert isinstance(t, torch.Tensor) and t.shape == (3, 40, 60)
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="colour_fx"):
        pipeline.transfer(c, s, colour_fx=False)


@pytest.mark.parametrize("smoothing", ["exact", "guided", None])
def test_colour_fix_moves_colours_towards_style(untrained, rng, smoothing):
    from photostyle.metrics import affine_residual

    grad = np.linspace(0, 1, 60, dtype=np.float32)[None, :, None]
    c = (0.3 + 0.4 * grad * np.array([1.0, 0.8, 0.6], np.float32)).repeat(40, 0)
    c = np.clip(c + 0.02 * rng.standard_normal(c.shape), 0, 1).astype(np.float32)
    s = np.clip(rng.normal([0.8, 0.4, 0.1], 0.05, (50, 30, 3)), 0, 1).astype(np.float32)
    # without the palette match, which moves both results to the style's colours after the
    # grade (its global map takes them within 0.005 of the style's mean either way)
    opts = Opts(
        smoothing=smoothing, max_side=32, work_mp=0, detail_match=False, palette_match=False
    )
    plain = pipeline.transfer(c, s, opts.replace(colour_fix=False), model=untrained).image
    fixed = pipeline.transfer(c, s, opts, model=untrained).image
    assert fixed.shape == c.shape and 0 <= fixed.min() and fixed.max() <= 1
    target = s.reshape(-1, 3).mean(0)
    err = lambda x: np.abs(x.reshape(-1, 3).mean(0) - target).sum()  # noqa: E731
    assert err(fixed) < err(plain)
    if smoothing == "exact":  # the final smoothing keeps the result locally affine
        inner = (slice(3, -3), slice(3, -3))  # borders: see the border-frame test below
        assert affine_residual(c[inner], fixed[inner]) < 1.0


@pytest.mark.parametrize("smoothing", ["exact", "guided", None])
def test_detail_match_moves_local_contrast_towards_style(untrained, rng, smoothing):
    from photostyle.colour import dog_bands

    # content: soft stripes (low local contrast); style: the same stripes, strong
    x = np.arange(64, dtype=np.float32)
    stripes = np.sin(x / 1.5)[None, :, None] * np.ones((48, 1, 3), np.float32)
    c = np.clip(0.5 + 0.08 * stripes, 0, 1).astype(np.float32)
    s = np.clip(0.5 + 0.2 * stripes, 0, 1).astype(np.float32)
    # the stage itself, per pixel: the grade's ridge pulls a low-contrast material's gain
    # back towards the content's (0.08 here), which the grade tests cover
    opts = Opts(smoothing=smoothing, max_side=32, colour_fix=False, work_mp=0, locality=1.0)
    plain = pipeline.transfer(c, s, opts.replace(detail_match=False), model=untrained).image
    matched = pipeline.transfer(c, s, opts, model=untrained).image
    assert matched.shape == c.shape and 0 <= matched.min() and matched.max() <= 1
    energy = lambda a: float((dog_bands(a, (1.0, 2.0))[0][0] ** 2).mean())  # noqa: E731
    off = lambda a: abs(np.log(energy(a) / energy(s)))  # noqa: E731
    assert off(matched) < off(plain) - np.log(2)


def test_transfer_bad_arguments(untrained, rng):
    c = rng.random((40, 60, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="too small"):
        pipeline.transfer(c[:4], c, model=untrained)
    with pytest.raises(ValueError, match="H x W x 3"):
        pipeline.transfer(c[..., 0], c, model=untrained)
    with pytest.raises(ValueError, match="label maps or auto_labels"):
        pipeline.transfer(c, c, Opts(auto_labels=2), content_labels=c[..., 0] > 0.5,
                          style_labels=c[..., 0] > 0.5, model=untrained)  # fmt: skip


def test_transfer_with_label_maps(untrained, rng, tmp_path):
    from typer.testing import CliRunner

    from photostyle.cli.app import app
    from photostyle.files.images import save_image

    c = rng.random((48, 64, 3)).astype(np.float32)
    s = rng.random((40, 40, 3)).astype(np.float32)
    lc = np.zeros((48, 64), np.int32)
    lc[:, 32:] = 1
    lc[:2, :2] = 5  # tiny region: falls back to the whole style
    ls = np.zeros((40, 40), np.int32)
    ls[20:] = 1
    opts = Opts(smoothing=None)
    r = pipeline.transfer(c, s, opts, content_labels=lc, style_labels=ls, model=untrained)
    assert r.image.shape == c.shape and r.auto_labels is None
    assert any(5 in fb for fb in r.fallbacks.values())
    with pytest.raises(ValueError, match="both"):
        pipeline.transfer(c, s, content_labels=lc, model=untrained)
    save_image(tmp_path / "c.png", c)
    save_image(tmp_path / "s.png", s)
    Image.fromarray(lc.astype(np.uint8)).save(tmp_path / "lc.png")
    Image.fromarray(ls.astype(np.uint8)[:, ::2]).save(tmp_path / "ls.png")  # other aspect ratio
    args = [
        "transfer",
        str(tmp_path / "c.png"),
        str(tmp_path / "s.png"),
        "-o",
        str(tmp_path / "o.png"),
    ]
    res = CliRunner().invoke(
        app,
        [
            *args,
            "--content-mask",
            str(tmp_path / "lc.png"),
            "--style-mask",
            str(tmp_path / "ls.png"),
            "--smoothing",
            "none",
        ],
    )
    assert res.exit_code == 2 and "ls.png" in res.output and "aspect ratio" in res.output
    assert not (tmp_path / "o.png").exists()


def test_bench_command(untrained):
    import json

    from typer.testing import CliRunner

    from photostyle.cli.app import app

    res = CliRunner().invoke(app, ["bench", "--megapixels", "0.01", "--repeats", "1"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["size"] == [122, 81] and set(out["seconds"]) == {"exact", "guided", "none"}
    assert all(v > 0 for v in out["seconds"].values())
    res = CliRunner().invoke(app, ["bench", "--megapixels", "0"])
    assert res.exit_code == 2 and "megapixels" in res.output


def test_exact_smoothing_in_transfer_has_no_border_frame():
    """transfer() pads before the exact smoothing: border pixels behave like inner ones."""
    from synthetic import scene

    from photostyle.options import Smoothing
    from photostyle.smoothing import smooth_exact
    from photostyle.smoothing.resolution import work_scale
    from photostyle.stages import quiet

    c = scene(60, 80, seed=12)
    paper = work_scale(c.shape[:2], 0)
    out = pipeline.smooth(
        c, c, Smoothing.EXACT, paper, lam=1e-4, device="cpu", warm_start=False, progress=quiet
    )
    raw = smooth_exact(c, c)  # the plain formula: fewer windows at the border
    border = lambda a: np.concatenate([a[[0, -1]].ravel(), a[:, [0, -1]].ravel()])  # noqa: E731
    err_pad, err_raw = np.abs(border(out - c)).max(), np.abs(border(raw - c)).max()
    assert out.shape == c.shape
    assert err_pad < 0.3 * err_raw
    assert np.abs(border(out - c)).mean() <= 2 * np.abs(out - c)[2:-2, 2:-2].mean() + 1 / 255


def test_below_locality_one_f2_is_solved_at_the_grades_fit_size(untrained, monkeypatch):
    """The grade sees the smoothed result only at its fit size, so F2 is solved there; the
    result stays close to the grade of the working size's solve (the path before)."""
    from synthetic import scene, stylized

    from photostyle.materials import fit_shape
    from photostyle.stages import bound_noise, grade, quiet

    c, s = scene(240, 360, seed=5), stylized(scene(240, 360, seed=6, palette="dusk"))
    opt = Opts(max_side=64)
    sizes, solve = [], pipeline.smooth
    monkeypatch.setattr(
        pipeline, "smooth", lambda x, *a, **k: sizes.append(x.shape[:2]) or solve(x, *a, **k)
    )
    graded = pipeline.transfer(c, s, opt, model=untrained)
    pipeline.transfer(c, s, opt.replace(locality=1.0), model=untrained)
    assert sizes == [fit_shape(c.shape), c.shape[:2]] and max(sizes[0]) == 256
    assert graded.image.shape == c.shape and graded.noise_variance is not None
    p = pipeline.prepare(c, s, opt)
    look = pipeline.stylized(untrained, p, opt, quiet)
    r = solve(p.content_work, look.y, opt.smoothing, p.scale, opt.lam, "cpu", True, quiet)
    r, limit = bound_noise(p.content_work, r, p.scale, "cpu")
    before = grade(p.content_work, r, p.style_small, opt, None, quiet)
    assert graded.noise_variance == limit.variance  # the working size's noise floor reported
    assert np.abs(graded.image - before).mean() < 1.5 / 255
