"""The colour grade (photostyle.grade): a photographic edit of the content by construction."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from synthetic import scene

from photostyle.grade import grade, node_spacing
from photostyle.imaging.resize import resize
from photostyle.materials import FIT_SIDE, fit_shape
from photostyle.metrics import painting_residual


def graded_by_hand(c: np.ndarray) -> np.ndarray:
    """A per-material colour grade that varies slowly in space: what a colourist does."""
    h, w = c.shape[:2]
    ramp = np.linspace(0.8, 1.1, w, dtype=np.float32)[None, :, None]
    warm = np.array([1.1, 0.95, 0.75], np.float32)
    return np.clip(c[..., [1, 2, 0]] * 0.7 * ramp + c * warm * 0.3 + 0.03, 0, 1)


def test_a_grade_is_kept_and_painting_is_dropped():
    c = scene(120, 160, seed=1)
    target = graded_by_hand(c)
    # the grade is fitted back (within the ridge, which pulls the maps towards the identity)
    assert np.abs(grade(c, target, 0.35) - target).mean() < 0.02
    # blotches of other colours painted over the ground and the sky
    rng = np.random.default_rng(0)
    blotch = gaussian_filter(rng.standard_normal((120, 160, 3)), (6, 6, 0))
    painted = np.clip(target + 0.25 * blotch / np.abs(blotch).max(), 0, 1)
    out = grade(c, painted, 0.35)
    assert painting_residual(c, out) < 0.35 * painting_residual(c, painted)
    assert np.abs(out - target).mean() < 0.5 * np.abs(painted - target).mean()


def test_locality_one_is_the_per_pixel_result_and_zero_is_smoothest():
    c = scene(90, 120, seed=2)
    painted = np.clip(graded_by_hand(c) + 0.1 * np.random.default_rng(1).random(c.shape), 0, 1)
    painted = painted.astype(np.float32)
    assert grade(c, painted, 1.0) is painted
    assert node_spacing(0.0) == 1.0 and node_spacing(0.5) == pytest.approx(1 / 8)
    near = [np.abs(grade(c, painted, x) - painted).mean() for x in (0.0, 0.5, 0.9)]
    assert near[0] > near[1] > near[2]  # more locality follows the result more closely


def test_the_same_look_at_every_size():
    """Sizes are relative: the grade of a photo at two sizes agrees once both are shrunk."""
    big = scene(240, 320, seed=3, noise=0.0)
    small = resize(big, (120, 160), "box")
    t_big, t_small = graded_by_hand(big), graded_by_hand(small)

    def painted(t):
        wave = 0.15 * np.sin(np.linspace(0, 9, t.shape[1]))[None, :, None]
        return np.clip(t + wave, 0, 1).astype(np.float32)

    a = resize(grade(big, painted(t_big), 0.35), (120, 160), "box")
    b = grade(small, painted(t_small), 0.35)
    assert np.abs(a - b).mean() < 1.5 / 255


def test_labels_let_the_grade_change_across_regions():
    """Two regions of the same colours: with labels, each takes its own grade."""
    c = np.tile(scene(60, 80, seed=4), (1, 2, 1))
    labels = np.zeros(c.shape[:2], np.int32)
    labels[:, 80:] = 1
    target = np.where(labels[..., None] == 0, c * 0.6, np.clip(c * 1.3 + 0.05, 0, 1)).astype(
        np.float32
    )
    err_labels = np.abs(grade(c, target, 0.0, labels) - target).mean()
    err_none = np.abs(grade(c, target, 0.0) - target).mean()
    assert err_labels < 0.01 < err_none


def test_output_is_a_valid_image():
    c = scene(50, 70, seed=5)
    out = grade(c, np.ones_like(c), 0.35)
    assert out.shape == c.shape and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    flat = np.full((40, 40, 3), 0.5, np.float32)  # one colour: one material, any map works
    assert np.isfinite(grade(flat, np.full_like(flat, 0.2), 0.2)).all()


def test_locality_reaches_the_transfer_from_the_cli_and_the_web_app(untrained, tmp_path):
    from PIL import Image
    from typer.testing import CliRunner

    from photostyle import TransferOptions, transfer
    from photostyle.cli.app import app
    from photostyle.cli.web_handlers import run_transfer
    from photostyle.files.images import load_image

    c, s = tmp_path / "c.png", tmp_path / "s.png"
    for path, img in ((c, scene(64, 96, seed=8)), (s, scene(64, 96, seed=9, palette="dusk"))):
        Image.fromarray(np.round(img * 255).astype(np.uint8)).save(path)
    ci, si = load_image(c), load_image(s)
    for locality in (0.0, 1.0):
        ref = transfer(ci, si, TransferOptions(locality=locality), model=untrained).image
        out = tmp_path / f"o{locality}.png"
        args = ["transfer", str(c), str(s), "-o", str(out), "--locality", str(locality)]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        assert np.abs(load_image(out) - ref).max() <= 1 / 255 + 1e-6
        (_, web), *_ = run_transfer(
            str(c), str(s), None, None, False, "exact", -4.0, 512, locality=locality
        )
        assert np.abs(web - ref).max() <= 1e-6
    assert (
        np.abs(load_image(tmp_path / "o0.0.png") - load_image(tmp_path / "o1.0.png")).max() > 0.02
    )


def test_labels_count_by_partition_not_by_id():
    c = scene(60, 80, seed=6)
    labels = np.zeros(c.shape[:2], np.int32)
    labels[30:] = 1
    target = np.where(labels[..., None] == 0, c * 0.7, c[..., ::-1]).astype(np.float32)
    a = grade(c, target, 0.2, labels)
    assert np.array_equal(a, grade(c, target, 0.2, labels * 7 + 3))


def test_the_grade_sees_the_result_only_at_its_fit_size():
    """Below locality 1 the field is fitted at ``fit_shape``: a result given there (what the
    transfer solves) grades exactly as the same result at the content's size."""
    c = scene(300, 420, seed=4)
    wave = 0.15 * np.sin(np.linspace(0, 9, 420, dtype=np.float32))[None, :, None]
    r = np.clip(graded_by_hand(c) + wave, 0, 1).astype(np.float32)
    small = fit_shape(c.shape)
    assert max(small) == FIT_SIDE and small[1] / small[0] == pytest.approx(1.4, abs=0.01)
    assert fit_shape((120, 160)) == (120, 160)  # a small photo is fitted at its own size
    assert np.array_equal(grade(c, r, 0.35), grade(c, resize(r, small, "box"), 0.35))
    with pytest.raises(ValueError, match="result of"):
        grade(c, r[:100], 0.35)


def test_the_grade_keeps_a_flat_skys_grain_within_the_noise_bound():
    """A style that stretches a smooth, noisy sky (a gradient from the zenith down): the field
    fits the stretch as the sky material's gain and multiplies its noise by it; the working
    size's noise bound re-fits the graded result so the sky loses a good part of the added
    grain (its window gains are bounded; the window means keep some noise) and keeps its
    colours, and the textured ground its contrast."""
    from photostyle.options import TransferOptions
    from photostyle.smoothing.noise import NoiseLimit
    from photostyle.smoothing.resolution import work_scale
    from photostyle.stages import grade as grade_stage
    from photostyle.stages import quiet

    h, w = 400, 600
    rng = np.random.default_rng(5)
    c = np.empty((h, w, 3), np.float32)
    ramp = np.linspace(0.3, 1.0, h // 2, dtype=np.float32)[:, None, None]
    c[: h // 2] = ramp * np.float32([0.4, 0.55, 0.8])  # the sky: smooth but for its noise
    c[: h // 2] += 0.006 * rng.standard_normal((h // 2, w, 1)).astype(np.float32)
    c[h // 2 :] = scene(h - h // 2, w, seed=7)  # the ground: textured
    c = np.clip(c, 0, 1)
    mean = c.reshape(-1, 3).mean(0)
    stretched = np.clip(mean + 2.0 * (c - mean), 0, 1).astype(np.float32)  # gain 2 everywhere
    options = TransferOptions(palette_match=False)
    limit = NoiseLimit.of(c, work_scale((h, w), 1e6))
    free, bounded = (
        grade_stage(c, stretched, stretched, options, None, quiet, None, lim)
        for lim in (None, limit)
    )
    sky = (slice(8, h // 2 - 8), slice(8, w - 8))
    noise = lambda x: float((x[sky] - gaussian_filter(x, (3, 3, 0))[sky]).std())  # noqa: E731
    assert noise(free) > 1.4 * noise(c)  # the field multiplies the sky's noise
    # 0.0094 -> 0.0082 against the content's 0.0059: a third of the added grain taken away
    assert noise(free) - noise(bounded) > 0.25 * (noise(free) - noise(c))
    np.testing.assert_allclose(bounded[sky].mean((0, 1)), free[sky].mean((0, 1)), atol=0.01)
    ground = (slice(h // 2 + 8, h - 8), slice(8, w - 8))
    assert bounded[ground].std() > 0.9 * free[ground].std()


@pytest.mark.parametrize(
    ("size", "grid"),
    [((37, 53), (1, 1)), ((37, 53), (1, 3)), ((40, 61), (3, 3)), ((64, 48), (6, 9)),
     ((90, 120), (28, 42)), ((1, 7), (2, 2)), ((5, 1), (3, 2))],
)  # fmt: skip
def test_apply_field_is_bilinear_interpolation_of_the_maps_weighed_by_membership(size, grid):
    """Against the definition in float64: each material's maps enlarged by torch's bilinear
    interpolation (node centres on the corner pixels), weighed, applied to ``[c, 1]``."""
    import torch
    import torch.nn.functional as F

    from photostyle.grade import apply_field

    rng = np.random.default_rng(sum(size) + sum(grid))
    h, w = size
    k = 4
    c = rng.random((h, w, 3)).astype(np.float32)
    m = rng.random((k, h, w)).astype(np.float32)
    m /= m.sum(0)
    maps = rng.normal(0, 0.3, (k, *grid, 4, 3)) + np.vstack([np.eye(3), 0.2 * np.ones((1, 3))])
    g = torch.from_numpy(maps.reshape(k, *grid, 12)).permute(0, 3, 1, 2)
    up = F.interpolate(g, size=(h, w), mode="bilinear", align_corners=True).numpy()
    field = np.einsum("kchw,khw->hwc", up, m.astype(np.float64)).reshape(h, w, 4, 3)
    c1 = np.concatenate([c, np.ones((h, w, 1), np.float32)], 2).astype(np.float64)
    ref = np.clip(np.einsum("hwi,hwio->hwo", c1, field), 0, 1)
    out = apply_field(c, m, maps)
    assert out.shape == (h, w, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, ref, rtol=0, atol=2e-6)


@pytest.mark.parametrize("grid", [(1, 1), (2, 3), (3, 1), (5, 7)])
def test_node_moments_are_tent_weighted_sums_over_the_pixels(grid):
    """Against the definition: each node's hat function (1 at the node, 0 at the next, over
    the pixel centres' positions) times the membership, summed with ``[c, 1] [c, 1; r]^T``."""
    from photostyle.grade import node_moments

    rng = np.random.default_rng(grid[0] * 10 + grid[1])
    h, w, k = 23, 31, 3
    c, r = rng.random((h, w, 3)), rng.random((h, w, 3))
    m = rng.random((k, h, w))

    def hats(n, nodes):
        if nodes == 1:
            return np.ones((1, n))
        pos = (np.arange(n) + 0.5) / n * (nodes - 1)
        return np.array([np.interp(pos, np.arange(nodes), np.eye(nodes)[j]) for j in range(nodes)])

    ty, tx = hats(h, grid[0]), hats(w, grid[1])
    c1 = np.concatenate([c, np.ones((h, w, 1))], 2)
    ref = np.zeros((k, *grid, 28))
    for q in range(k):
        for y in range(grid[0]):
            for x in range(grid[1]):
                wt = m[q] * ty[y][:, None] * tx[x][None, :]
                ref[q, y, x, :16] = np.einsum("hw,hwi,hwj->ij", wt, c1, c1).ravel()
                ref[q, y, x, 16:] = np.einsum("hw,hwi,hwj->ij", wt, c1, r).ravel()
    np.testing.assert_allclose(node_moments(c, m, grid, r), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(node_moments(c, m, grid), ref[..., :16], rtol=1e-12, atol=1e-12)
