"""Looks: the smooth 3D LUT fit, the .cube format (read back by ffmpeg), lut/apply commands."""

import subprocess

import numpy as np
import pytest
from conftest import require_tool
from PIL import Image
from typer.testing import CliRunner

from photostyle.cli.app import app
from photostyle.files.images import load_image, save_image
from photostyle.looks.look import Look


def colours(rng, n=20_000, lo=0.0, hi=1.0):
    return (lo + (hi - lo) * rng.random((n, 1, 3))).astype(np.float32)


def test_fit_recovers_a_smooth_map_and_extrapolates_affinely(rng):
    m = np.array([[0.7, 0.2, 0.0], [0.1, 0.5, 0.2], [0.0, 0.3, 0.6]], np.float32)
    affine = lambda x: x @ m.T + np.array([0.05, 0.1, 0.02], np.float32)  # noqa: E731
    seen = colours(rng, lo=0.2, hi=0.7)  # the data cover only the middle of the cube
    look = Look.fit(seen, affine(seen), size=17)
    everywhere = colours(rng, 5000)
    # unvisited cells follow the data affinely (the smoothness term's null space)
    assert (
        np.abs(look.apply(everywhere, "trilinear") - np.clip(affine(everywhere), 0, 1)).max() < 2e-3
    )
    curve = lambda x: x**1.5  # noqa: E731
    c = colours(rng)
    look = Look.fit(c, curve(c), smoothness=1e-3)
    assert np.abs(look.apply(c) - curve(c)).mean() < 0.5 / 255
    # the default smoothness (chosen on transfers) bends a pure tone curve a little
    assert np.abs(Look.fit(c, curve(c)).apply(c) - curve(c)).mean() < 1.5 / 255


def test_cube_file_round_trip_and_layout(tmp_path, rng):
    look = Look(Look.identity(5).table ** 1.3, title="test")
    path = look.save(tmp_path / "t.cube")
    lines = path.read_text().splitlines()
    assert lines[:4] == ['TITLE "test"', "LUT_3D_SIZE 5", "DOMAIN_MIN 0 0 0", "DOMAIN_MAX 1 1 1"]
    first = [[float(v) for v in ln.split()] for ln in lines[4:6]]
    assert first[0] == [0, 0, 0] and first[1][0] > 0 and first[1][1:] == [0, 0]  # red fastest
    back = Look.load(path)
    assert back.title == "test" and np.abs(back.table - look.table).max() < 1e-6
    img = colours(rng, 1000)
    assert np.abs(back.apply(img) - look.apply(img)).max() < 1e-6


def test_load_1d_plus_3d_cube_of_another_tool(tmp_path, rng):
    """A shaper (1D) before a 3D identity: the result is the shaper's curve."""
    shaper = [f"{v:.6f} {v:.6f} {v:.6f}" for v in np.linspace(0, 1, 11) ** 2]
    ident = Look.identity(2).table.transpose(2, 1, 0, 3).reshape(-1, 3)
    text = '# from another tool\nTITLE "sq"\nLUT_1D_SIZE 11\nLUT_3D_SIZE 2\n'
    text += "\n".join(shaper) + "\n" + "\n".join(" ".join(f"{v:g}" for v in r) for r in ident)
    (tmp_path / "sq.cube").write_text(text + "\n")
    look = Look.load(tmp_path / "sq.cube")
    x = colours(rng, 1000)
    ref = np.interp(x, np.linspace(0, 1, 11), np.linspace(0, 1, 11) ** 2)
    assert np.abs(look.apply(x, "trilinear") - ref).max() < 1e-5


def test_tetrahedral_keeps_greys_and_matches_trilinear_on_smooth_looks(rng):
    look = Look(Look.identity(9).table ** 1.2)
    grey = np.repeat(np.linspace(0, 1, 101, dtype=np.float32)[:, None, None], 3, 2)
    nodes = np.linspace(0, 1, 9)  # on the grey axis: the 1D interpolation of the grey nodes
    ref = np.interp(grey, nodes, nodes**1.2)
    assert np.abs(look.apply(grey, "tetrahedral") - ref).max() < 1e-5
    x = colours(rng, 5000)
    assert np.abs(look.apply(x, "tetrahedral") - look.apply(x, "trilinear")).max() < 2e-3
    with pytest.raises(ValueError, match="interpolation"):
        look.apply(x, "cubic")


def test_ffmpeg_lut3d_reads_our_cube_like_our_apply(tmp_path, highres):
    """A real client: ffmpeg's lut3d filter on the content gives our image within 2/255."""
    ffmpeg = require_tool("ffmpeg")
    photo = load_image(highres / "iphone_hdr_YES.jpg")[:480, :640]
    graded = np.clip(photo @ np.array([[0.9, 0.1, 0], [0, 0.8, 0.1], [0.1, 0, 0.7]]).T + 0.05, 0, 1)
    look = Look.fit(photo, graded.astype(np.float32))
    look.save(tmp_path / "look.cube")
    save_image(tmp_path / "in.png", photo)
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-i",
            str(tmp_path / "in.png"),
            "-vf",
            f"lut3d=file={tmp_path / 'look.cube'}",
            "-pix_fmt",
            "rgb24",
            str(tmp_path / "ff.png"),
        ],
        check=True,
    )
    ff = np.asarray(Image.open(tmp_path / "ff.png"), np.float32) / 255
    ours = look.apply(np.asarray(Image.open(tmp_path / "in.png"), np.float32) / 255)
    assert np.abs(ff - ours).max() <= 2 / 255


def test_lut_and_apply_commands(untrained, tmp_path, rng):
    shoot = tmp_path / "shoot"
    (shoot / "day2").mkdir(parents=True)
    for name in ["a.jpg", "b.png", "day2/c.tif"]:
        save_image(shoot / name, rng.random((40, 56, 3)).astype(np.float32))
    (shoot / "notes.txt").write_text("not a photo")
    (shoot / "broken.jpg").write_bytes(b"\xff\xd8 broken")
    c = str(shoot / "a.jpg")
    look = tmp_path / "look.cube"
    res = CliRunner().invoke(
        app, ["lut", c, c, "-o", str(look), "--size", "9", "--smoothing", "guided"]
    )
    assert res.exit_code == 0, res.output
    assert Look.load(look).size == 9
    res = CliRunner().invoke(
        app,
        [
            "transfer",
            c,
            c,
            "-o",
            str(tmp_path / "t.png"),
            "--lut",
            str(tmp_path / "t.cube"),
            "--smoothing",
            "guided",
        ],
    )
    assert res.exit_code == 0 and Look.load(tmp_path / "t.cube").size == 33, res.output
    out = tmp_path / "graded"
    res = CliRunner().invoke(app, ["apply", str(look), str(shoot), "-o", str(out)])
    assert res.exit_code == 2  # the broken file is reported, the others are done
    assert "broken.jpg" in res.output and "3 done" in res.output
    for name in ["a.jpg", "b.png", "c.tif"]:
        got, src = load_image(out / name), load_image(next(shoot.rglob(name)))
        assert np.abs(got - Look.load(look).apply(src)).max() <= 1.5 / 255 or name == "a.jpg"
    # resumable: a second run redoes nothing; a glob picks files too
    res = CliRunner().invoke(app, ["apply", str(look), str(shoot / "*.png"), "-o", str(out)])
    assert res.exit_code == 0 and "0 done, 1 already there" in res.output, res.output
    for args, needle in (
        ([str(tmp_path / "none.cube"), str(shoot), "-o", str(out)], "cannot read LUT"),
        ([str(shoot / "notes.txt"), str(shoot), "-o", str(out)], "not a valid .cube"),
        ([str(look), str(tmp_path / "nothing*.jpg"), "-o", str(out)], "no such file"),
    ):
        res = CliRunner().invoke(app, ["apply", *args])
        assert res.exit_code == 2 and needle in res.output.splitlines()[-1], res.output


def test_apply_with_worker_processes(tmp_path, rng):
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for i in range(3):
        save_image(shoot / f"p{i}.png", rng.random((30, 40, 3)).astype(np.float32))
    look = Look(Look.identity(9).table ** 1.4)
    look.save(tmp_path / "l.cube")
    res = CliRunner().invoke(
        app,
        [
            "apply",
            str(tmp_path / "l.cube"),
            str(shoot),
            "-o",
            str(tmp_path / "out"),
            "--workers",
            "2",
        ],
    )
    assert res.exit_code == 0 and "3 done" in res.output, res.output
    for i in range(3):
        src = load_image(shoot / f"p{i}.png")
        err = np.abs(load_image(tmp_path / "out" / f"p{i}.png") - look.apply(src))
        assert err.max() <= 1.01 / 255  # 8-bit output, dithered
