"""The palette match (photostyle.palette): the graded result moved towards the style's colours
by a smooth field of the grade's kind, never a per-pixel repaint."""

import numpy as np
from synthetic import scene

from photostyle import TransferOptions
from photostyle.grade import apply_field, grade_maps
from photostyle.materials import content_materials, guided_memberships, memberships
from photostyle.metrics import painting_residual, sliced_wasserstein_lab
from photostyle.palette import _quantiles, displacement, match_palette, sliced_transfer


def test_quantiles_by_one_sort_are_numpys():
    x = np.random.default_rng(2).normal(size=(5001, 3))
    q = (np.arange(256) + 0.5) / 256
    np.testing.assert_allclose(_quantiles(x, q), np.quantile(x, q, axis=0), rtol=0, atol=1e-12)


def test_sliced_transfer_gives_the_targets_distribution():
    rng = np.random.default_rng(0)
    x = rng.normal([0.3, 0.5, 0.4], [0.05, 0.1, 0.02], (4000, 3))
    mix = rng.random(5000) < 0.3  # a two-mode target: not reachable by an affine map
    y = np.where(mix[:, None], rng.normal([0.8, 0.2, 0.1], 0.03, (5000, 3)),
                 rng.normal([0.2, 0.3, 0.7], 0.05, (5000, 3)))  # fmt: skip
    out = sliced_transfer(x, y)
    assert out.shape == x.shape
    np.testing.assert_allclose(out.mean(0), y.mean(0), atol=0.01)
    np.testing.assert_allclose(np.cov(out.T), np.cov(y.T), atol=0.006)
    # each marginal, against the target's (independent check: sorted samples)
    for j in range(3):
        qs = np.linspace(0.05, 0.95, 19)
        np.testing.assert_allclose(np.quantile(out[:, j], qs), np.quantile(y[:, j], qs), atol=0.04)
    # a sample of the target itself hardly moves
    assert np.abs(sliced_transfer(y[:2500], y) - y[:2500]).mean() < 0.01


def test_a_label_without_a_partner_in_the_style_keeps_its_colours():
    rng = np.random.default_rng(1)
    g = rng.random((40, 50, 3)).astype(np.float32)
    s = rng.random((30, 30, 3)).astype(np.float32) * 0.5
    own = np.zeros((40, 50), int)
    own[:, 25:] = 2  # label 2 is not in the style
    theirs = np.zeros((30, 30), int)
    d = displacement(g, s, (own, theirs))
    assert np.all(d[:, 25:] == 0) and np.abs(d[:, :25]).mean() > 0.05


def test_the_match_moves_towards_the_style_as_a_grade():
    c = scene(120, 160, seed=4)
    m = content_materials(c)
    maps = grade_maps(c, 0.2, m)  # a neutral grade: the content itself
    graded = apply_field(c, m.full, maps)
    style = np.clip(scene(100, 100, seed=5)[..., [2, 0, 1]] * 0.8 + 0.15, 0, 1)
    matched = match_palette(maps, style, 0.2, m)
    assert matched.shape == maps.shape
    out = apply_field(c, m.full, matched)
    assert out.shape == c.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    before, after = (sliced_wasserstein_lab(x, style) for x in (graded, out))
    assert after < 0.6 * before
    # a grade, not the per-pixel transfer: far less painting than matching every pixel
    per_pixel = np.clip(graded + displacement(graded, style), 0, 1)
    assert painting_residual(c, out) < 0.5 * painting_residual(c, per_pixel)


def test_guided_memberships_keep_labels_and_sum_to_one():
    c = scene(64, 80, seed=6)
    labels = np.zeros((64, 80), int)
    labels[:, 40:] = 1
    m = content_materials(c, labels)
    for mm in (m.small, m.full):
        np.testing.assert_allclose(mm.sum(0), 1, atol=1e-5)
    # the clusters of label 0 (the first half of them) have no weight in label 1's half
    k = len(m.centres) // 2
    assert m.full[:k, :, 40:].max() == 0 and m.full[k:, :, :40].max() == 0


def test_a_faint_texture_takes_its_surroundings_material():
    """Faint wisps in a blue sky, beside a white wall, with a cluster at the wisps' own colour
    (as k-means may find one): filtered by the content, the wisps' memberships follow the
    sky around them, while the wall's strong edge keeps the wall in its own material."""
    from photostyle.imaging.colourspace import rgb_to_lab

    h, w = 64, 96
    c = np.zeros((h, w, 3), np.float32)
    c[:, :48] = [0.30, 0.50, 0.90]
    c[:, 48:] = [0.90, 0.90, 0.90]
    wisp = np.zeros((h, w), bool)
    wisp[10:50:4, 8:40] = True
    c[wisp] = [0.34, 0.53, 0.90]
    f = np.zeros((h, w, 5), np.float32)
    f[..., :3] = rgb_to_lab(c)
    centres = np.zeros((3, 5), np.float32)
    centres[:, :3] = [f[12, 20, :3], f[10, 20, :3], f[0, 60, :3]]  # sky, wisp, wall
    raw = memberships(f, centres, None)
    smooth, full = guided_memberships(raw, c, c)
    np.testing.assert_allclose(full, smooth, atol=1e-6)  # the same size: the same result
    assert raw[1][wisp].mean() > 0.5  # the wisps start in their own material
    sky = np.zeros((h, w), bool)
    sky[12:48:4, 8:40] = True  # the rows between the wisps

    def gap(m):  # how differently wisps and sky are weighed
        return np.abs(m[:, wisp].mean(1) - m[:, sky].mean(1)).sum()

    assert gap(smooth) < 0.3 * gap(raw)  # the wisps end weighed like the sky around them
    assert smooth[2][:, 52:].mean() > 0.95  # the wall keeps its own


def test_full_size_memberships_follow_the_contents_edges():
    """The coefficients filtered at the fit size, enlarged and applied to the full-size
    content, switch material at the content's own edge, to the pixel; the small memberships
    enlarged by interpolation blur it over a few pixels."""
    import torch
    import torch.nn.functional as F

    h, w, edge = 300, 700, 353  # an edge that falls inside a fit-size pixel
    c = np.full((h, w, 3), [0.2, 0.4, 0.7], np.float32)
    c[:, edge:] = [0.8, 0.6, 0.3]
    c += np.random.default_rng(3).normal(0, 0.01, c.shape).astype(np.float32)
    m = content_materials(np.clip(c, 0, 1))
    right = m.centres[:, 0] > 55  # the right side's clusters (Lab lightness 67 against 42)
    full = m.full[right].sum(0)
    assert full[:, edge + 1 :].min() > 0.9 and full[:, : edge - 20].max() < 0.05
    small = torch.from_numpy(m.small[right].sum(0)[None, None])
    blurred = F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)[0, 0]
    assert full[:, edge - 1].mean() < 0.1 and full[:, edge].mean() > 0.9
    assert blurred[:, edge - 1].mean() > 0.3 and blurred[:, edge].mean() < 0.9  # it bleeds


def test_palette_match_is_an_option_and_off_in_the_paper_preset():
    assert TransferOptions().palette_match is True
    assert TransferOptions.paper().palette_match is False
    assert TransferOptions(palette_match=0).palette_match is False


def test_the_switch_reaches_the_transfer_from_the_cli_and_the_page(untrained, tmp_path):
    """``--no-palette-match`` and the page's checkbox give the grade alone, as the API does."""
    from PIL import Image
    from typer.testing import CliRunner

    from photostyle import transfer
    from photostyle.cli.app import app
    from photostyle.cli.web_handlers import run_transfer
    from photostyle.files.images import load_image

    c, s = tmp_path / "c.png", tmp_path / "s.png"
    for path, img in ((c, scene(64, 96, seed=8)), (s, scene(64, 96, seed=9, palette="dusk"))):
        Image.fromarray(np.round(img * 255).astype(np.uint8)).save(path)
    ci, si = load_image(c), load_image(s)
    refs = {}
    for match in (True, False):
        refs[match] = transfer(ci, si, TransferOptions(palette_match=match), model=untrained).image
        out = tmp_path / f"o{match}.png"
        flag = "--palette-match" if match else "--no-palette-match"
        res = CliRunner().invoke(app, ["transfer", str(c), str(s), "-o", str(out), flag])
        assert res.exit_code == 0, res.output
        assert np.abs(load_image(out) - refs[match]).max() <= 1 / 255 + 1e-6
        (_, web), *_ = run_transfer(
            str(c), str(s), None, None, False, "exact", -4.0, 512, palette_match=match
        )
        assert np.abs(web - refs[match]).max() <= 1e-6
    assert np.abs(refs[True] - refs[False]).max() > 0.02


def test_global_map_solves_the_ridge_normal_equations(monkeypatch):
    import photostyle.palette as pa
    from photostyle.palette import GLOBAL_RIDGE, global_map

    rng = np.random.default_rng(3)
    g = rng.random((3000, 3))
    true = np.array([[0.9, 0.1, 0.0], [0.0, 1.1, 0.05], [0.1, 0.0, 0.7], [0.05, -0.02, 0.1]])
    target = np.c_[g, np.ones(len(g))] @ true
    w = rng.random(3000)
    m = global_map(g, target, w)
    # independent: the weighted least squares with the ridge rows appended (lstsq)
    sw = np.sqrt(w / w.sum())[:, None]
    ridge = np.sqrt(GLOBAL_RIDGE) * np.c_[np.eye(3), np.zeros(3)]
    a = np.vstack([sw * np.c_[g, np.ones(len(g))], ridge])
    b = np.vstack([sw * target, np.sqrt(GLOBAL_RIDGE) * np.eye(3)])
    np.testing.assert_allclose(m, np.linalg.lstsq(a, b, rcond=None)[0], atol=1e-10)
    # the ridge pulls the gains towards I: without it the noiseless fit finds the map
    monkeypatch.setattr(pa, "GLOBAL_RIDGE", 1e-9)
    np.testing.assert_allclose(global_map(g, target, w), true, atol=1e-6)


def test_the_global_map_is_one_colour_function_composed_with_every_map():
    from photostyle.palette import match_globally

    c = scene(120, 160, seed=4)
    m = content_materials(c)
    maps = grade_maps(np.clip(c * 0.8 + 0.1, 0, 1), 0.2, m)  # a grade inside [0, 1]
    style = np.clip(scene(100, 100, seed=5)[..., [2, 0, 1]] * 0.8 + 0.15, 0, 1)
    out = match_globally(maps, style, m)
    assert out.shape == maps.shape
    graded = apply_field(c, m.full, maps).reshape(-1, 3).astype(np.float64)
    after = apply_field(c, m.full, out).reshape(-1, 3).astype(np.float64)
    # one affine function of the graded colour explains the change at every pixel that is
    # not clipped (independent: least squares over the pixels)
    inside = np.all((after > 1e-3) & (after < 1 - 1e-3), 1)
    g1 = np.c_[graded, np.ones(len(graded))][inside]
    fit = np.linalg.lstsq(g1, after[inside], rcond=None)[0]
    assert np.abs(g1 @ fit - after[inside]).max() < 1e-4
    assert np.abs(fit[:3] - np.eye(3)).max() + np.abs(fit[3]).max() > 0.02  # it did move
    before_d, after_d = (
        sliced_wasserstein_lab(x.reshape(c.shape).astype(np.float32), style)
        for x in (graded, after)
    )
    assert after_d < before_d


def test_the_global_map_per_label_leaves_a_label_without_partner_as_graded():
    from photostyle.palette import match_globally

    c = scene(120, 160, seed=4)
    own = np.zeros((120, 160), int)
    own[:, 80:] = 1  # label 1 has no partner region in the style
    m = content_materials(c, own)
    maps = grade_maps(c, 0.2, m)
    style = np.clip(scene(100, 100, seed=5)[..., [2, 0, 1]] * 0.8 + 0.15, 0, 1)
    out = match_globally(maps, style, m, (own, np.zeros((100, 100), int)))
    partnered = m.groups == 0
    np.testing.assert_allclose(out[~partnered], maps[~partnered], atol=1e-6)
    assert np.abs(out[partnered] - maps[partnered]).max() > 0.02


def test_the_match_subsamples_only_while_content_and_style_keep_enough_pixels(monkeypatch):
    import photostyle.palette as pa

    c = scene(171, 256, seed=6)  # at the fit size: 128 x 86 pixels at stride 2
    m = content_materials(c)
    maps = grade_maps(c, 0.2, m)
    styles = {n: scene(n, n, seed=7, palette="dusk") for n in (60, 256)}
    strided = {n: match_palette(maps, s, 0.2, m) for n, s in styles.items()}
    monkeypatch.setattr(pa, "MATCH_STRIDE", 1)
    whole = {n: match_palette(maps, s, 0.2, m) for n, s in styles.items()}
    # a small style (30 x 30 at stride 2) turns the subsample off for both images
    np.testing.assert_array_equal(strided[60], whole[60])
    assert np.abs(strided[256] - whole[256]).max() > 1e-6  # a large one keeps it
