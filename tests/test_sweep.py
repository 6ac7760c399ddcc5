"""``photostyle sweep``: a grid over lambda and locality from one stylization, scored, drawn
as a contact sheet and a trade-off plot; and the boundary F-measure it scores with."""

import json

import numpy as np
import pytest
from hostile import assert_refused, invoke, snapshot
from PIL import Image
from synthetic import scene, stylized

from photostyle.defaults import DEFAULT_LOCALITY
from photostyle.metrics import boundary_f
from photostyle.options import TransferOptions
from photostyle.pipeline import transfer
from photostyle.sweep import check_grid, sweep


def squares(shift: int = 0, size: int = 256) -> np.ndarray:
    """Grey squares on black, moved right by ``shift`` pixels."""
    a = np.zeros((size, size, 3), np.float32)
    for y0, x0, v in ((40, 40, 0.9), (140, 60, 0.6), (60, 150, 0.4)):
        a[y0 : y0 + 60, x0 + shift : x0 + shift + 60] = v
    return a


def test_boundary_f_counts_boundaries_within_the_tolerance():
    """Against the definition: the same edges score 1; edges moved by less than the
    tolerance (0.0075 of the diagonal: 2.7 px at 256 x 256) still match; moved by 12 px,
    none of the vertical edges match; a flat image has no boundaries."""
    c = squares()
    assert boundary_f(c, c) == pytest.approx(1.0)
    assert boundary_f(c, squares(2)) == pytest.approx(1.0)
    far = boundary_f(c, squares(12))
    assert 0.3 < far < 0.7  # the horizontal edges overlap along most of their length
    assert boundary_f(c, np.zeros_like(c)) == 0.0
    from scipy.ndimage import gaussian_filter

    blotches = gaussian_filter(np.random.default_rng(0).normal(size=c.shape[:2]), 6) > 0
    painted = np.clip(c + 0.5 * blotches[..., None], 0, 1).astype(np.float32)
    assert boundary_f(c, painted) < 0.5  # boundaries painted in lower the precision
    up = np.ones((4, 4, 1), np.float32)  # the same pictures at 16x the pixels: the shift of
    big, moved = np.kron(c, up), np.kron(squares(2), up)  # 8 px at 1024 is 4 px at 512
    assert boundary_f(big, moved) == pytest.approx(1.0)  # sizes are relative
    assert boundary_f(big, np.kron(squares(12), up)) == pytest.approx(far, abs=0.05)


def test_sweep_cells_are_transfers_at_their_settings(untrained):
    c = scene(64, 96)
    s = stylized(scene(64, 96, seed=3, palette="dusk"))
    opt = TransferOptions(max_side=64)
    cells = sweep(c, s, opt, lams=(1e-3, 1e-5, 1e-4), localities=(0.35, 1.0), model=untrained)
    assert [(x.lam, x.locality) for x in cells] == [
        (lam, loc) for lam in (1e-5, 1e-4, 1e-3) for loc in (0.35, 1.0)
    ]
    for cell in cells:
        assert set(cell.scores) == {"boundary_f", "structure", "gram", "colour"}
        assert cell.image.shape == c.shape and cell.image.dtype == np.float32
        want = transfer(c, s, opt.replace(lam=cell.lam, locality=cell.locality), model=untrained)
        # solved from the neighbouring lambda's result: equal to the solver's tolerance
        assert np.abs(cell.image - want.image).mean() < 0.5 / 255, (cell.lam, cell.locality)
    per_pixel = [x for x in cells if x.locality == 1.0]
    assert per_pixel[0].scores["colour"] != per_pixel[-1].scores["colour"]


def test_grid_values_are_checked():
    assert check_grid([1e-4, 1e-5, 1e-4], [1, 0.35]) == ([1e-5, 1e-4], [0.35, 1.0])
    for lams, locs, needle in (
        ([], [0.5], "at least one"),
        ([0.0], [0.5], "lam must be"),
        ([1e-4], [1.5], "locality must be"),
        ([1e-4] * 50, list(np.linspace(0, 1, 50)), "at most 49 cells"),
    ):
        with pytest.raises(ValueError, match=needle):
            check_grid(lams, locs)


@pytest.fixture
def pair(tmp_path):
    from photostyle.files.images import save_image

    save_image(tmp_path / "c.png", scene(60, 90))
    save_image(tmp_path / "s.png", stylized(scene(60, 90, seed=2, palette="dusk")))
    return tmp_path


def test_the_command_writes_a_sheet_a_plot_and_the_numbers(untrained, pair):
    code, output = invoke(
        "sweep", pair / "c.png", pair / "s.png", "-o", pair / "sheet.png",
        "--lams", "1e-5,1e-4,1e-3", "--localities", "0.35,1", "--max-side", "64",
        "--cell-side", "96",
    )  # fmt: skip
    assert code == 0, output
    sheet = Image.open(pair / "sheet.png")
    assert sheet.width >= 3 * 96 and sheet.height >= 3 * 60
    assert Image.open(pair / "sheet_plot.png").size[0] > 600
    record = json.loads((pair / "sheet.json").read_text())
    assert record["default"] == {"lam": 1e-4, "locality": DEFAULT_LOCALITY}
    assert [(x["lam"], x["locality"]) for x in record["cells"]] == [
        (lam, loc) for lam in (1e-5, 1e-4, 1e-3) for loc in (0.35, 1.0)
    ]
    assert all(0 <= x["boundary_f"] <= 1 and x["gram"] > 0 for x in record["cells"])


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--lams", "1e-4,abc"], "--lams must be numbers"),
        (["--lams", "0,1e-4"], "lam must be"),
        (["--localities", "2"], "locality must be"),
        (["--plot", "{d}/c.png"], "c.png"),
        (["--json", "{d}/n.txt"], "n.txt: the numbers are written as a .json file"),
        (["--cell-side", "5000"], "--cell-side must be 64..1024"),
    ],
)
def test_bad_grids_and_paths_are_refused_before_work(pair, extra, needle):
    before = snapshot(pair)
    extra = [e.replace("{d}", str(pair)) for e in extra]
    code, output = invoke("sweep", pair / "c.png", pair / "s.png", "-o", pair / "o.png", *extra)
    assert_refused(code, output, (needle,), before, pair)


def test_the_sheet_is_not_written_over_an_input(pair):
    before = snapshot(pair)
    code, output = invoke("sweep", pair / "c.png", pair / "s.png", "-o", pair / "s.png")
    assert_refused(code, output, ("s.png",), before, pair)
