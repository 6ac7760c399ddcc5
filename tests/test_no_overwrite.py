"""No command writes over one of its inputs: refused before any work, one line, exit code 2.

The same file counts through any path: a different spelling, a symbolic link, a hard link.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from photostyle.cli.app import app
from photostyle.files.images import save_image
from photostyle.files.paths import same_file
from photostyle.looks.look import Look


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line_error(res, needle: str) -> None:
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and needle in lines[0], res.output
    assert "Traceback" not in res.output


@pytest.fixture
def photos(tmp_path, rng):
    for name in ("own.png", "style.png"):
        save_image(tmp_path / name, rng.random((40, 48, 3)).astype(np.float32))
    return tmp_path


def spellings(folder: Path, name: str) -> list[Path]:
    """``name`` in ``folder`` through another spelling, a symbolic link and a hard link."""
    sym, hard = folder / f"sym_{name}", folder / f"hard_{name}"
    sym.symlink_to(folder / name)
    os.link(folder / name, hard)
    return [folder / name, folder / "." / ".." / folder.name / name, sym, hard]


def test_same_file_follows_paths_and_links(photos):
    own = photos / "own.png"
    for p in spellings(photos, "own.png"):
        assert same_file(p, own)
    assert not same_file(photos / "style.png", own)
    assert not same_file(photos / "missing.png", own)


def test_transfer_and_smooth_refuse_to_overwrite_an_input(photos):
    before = (photos / "own.png").read_bytes()
    for target in spellings(photos, "own.png"):
        res = invoke("transfer", photos / "own.png", photos / "style.png", "-o", target)
        one_line_error(res, "would overwrite the input")
        res = invoke("smooth", photos / "own.png", photos / "style.png", "-o", target)
        one_line_error(res, "would overwrite the input")
    res = invoke("transfer", photos / "own.png", photos / "style.png", "-o", photos / "style.png")
    one_line_error(res, "style.png")
    assert (photos / "own.png").read_bytes() == before
    assert sorted(p.name for p in photos.iterdir()) == [
        "hard_own.png",
        "own.png",
        "style.png",
        "sym_own.png",
    ]


def test_lut_refuses_to_overwrite_an_input(photos):
    cube = photos / "look.cube"
    Look.identity(5).save(cube)
    res = invoke("transfer", photos / "own.png", photos / "style.png", "-o", photos / "out.png",
                 "--lut", photos / "own.png")  # fmt: skip
    one_line_error(res, "would overwrite the input")
    assert not (photos / "out.png").exists()


def test_video_refuses_to_overwrite_its_input(photos):
    clip = photos / "clip.mp4"
    clip.write_bytes(b"not decoded: refused before the video is opened")
    for target in (clip, photos / "." / "clip.mp4"):
        res = invoke("video", clip, photos / "style.png", "-o", target)
        one_line_error(res, "would overwrite the input")
    assert clip.read_bytes().startswith(b"not decoded")


def test_apply_into_the_input_folder_is_refused(photos):
    cube = photos / "look.cube"
    Look.identity(5).save(cube)
    shoot = photos / "shoot"
    shoot.mkdir()
    for name in ("a.png", "b.png"):
        save_image(shoot / name, np.full((8, 8, 3), 0.5, np.float32))
    stamps = {p.name: p.stat().st_mtime_ns for p in shoot.iterdir()}
    for out in (shoot, photos / "." / "shoot"):
        res = invoke("apply", cube, shoot, "--out", out)
        one_line_error(res, "would overwrite the input")
    assert {p.name: p.stat().st_mtime_ns for p in shoot.iterdir()} == stamps
    # another folder is fine, and a rerun there skips the finished outputs
    res = invoke("apply", cube, shoot, "--out", photos / "graded")
    assert res.exit_code == 0 and "2 done" in res.output, res.output


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        ("DOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 0 0", "empty input domain"),
        ("DOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 1 0.5", "different domain per channel"),
        ("DOMAIN_MIN 0 0\nDOMAIN_MAX 1 1 1", "needs three numbers"),
        ("LUT_3D_INPUT_RANGE 0.5 0.5", "empty input domain"),
    ],
)
def test_cube_with_an_empty_domain_is_refused(photos, header, needle):
    text = (photos / "x").with_suffix(".cube")
    Look.identity(2).save(text)
    body = [ln for ln in text.read_text().splitlines() if not ln.startswith("DOMAIN")]
    text.write_text("\n".join([body[0], header, *body[1:]]) + "\n")
    res = invoke("apply", text, photos / "own.png", "--out", photos / "graded")
    one_line_error(res, needle)
    assert "x.cube" in res.output and not (photos / "graded").exists()


def test_batch_row_writing_over_its_input_is_refused(photos):
    (photos / "pairs.csv").write_text(
        "content,style,output\nown.png,style.png,own.png\nown.png,style.png,fine.png\n"
    )
    before = (photos / "own.png").read_bytes()
    args = ["--smoothing", "guided", "--max-side", "32"]
    res = invoke("batch", photos / "pairs.csv", "--out", photos, *args)
    assert res.exit_code == 2, res.output
    assert "pairs.csv:2: output" in res.output and "would overwrite the input" in res.output
    assert "1 done" in res.output and (photos / "fine.png").is_file()
    assert (photos / "own.png").read_bytes() == before
