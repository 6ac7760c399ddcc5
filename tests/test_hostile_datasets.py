"""Hostile inputs to ``photostyle dataset``: folders it cannot write, damaged manifests, names
that collide, label maps with ids no label space has. Each refusal is one line naming the
user's file, exit 2, before any work, with nothing changed or added."""

import json

import numpy as np
import pytest
import tifffile
from hostile import assert_refused, invoke, locked, photos, snapshot
from PIL import Image

from photostyle.batch.dataset import LabelMapping
from photostyle.batch.label_spaces import load_label_space
from photostyle.errors import ImageError

FAST = ("--smoothing", "guided", "--max-side", "64")


@pytest.fixture
def folders(tmp_path, rng):
    content = photos(tmp_path / "content", ["a.png", "b.png"], rng)
    styles = photos(tmp_path / "styles", ["s.png"], rng)
    return content, styles, tmp_path / "out"


def lines(path):
    return [json.loads(ln) for ln in path.read_text().splitlines()]


def test_an_output_folder_that_cannot_be_written_is_refused_before_work(folders, tmp_path):
    content, styles, out = folders
    out.mkdir()
    before = snapshot(tmp_path)
    with locked(out):
        code, output = invoke("dataset", content, "--styles", styles, "-o", out, *FAST)
    assert_refused(code, output, (str(out), "cannot write"), before, tmp_path)
    (out / "manifest.jsonl").write_text("")
    before = snapshot(tmp_path)
    with locked(out / "manifest.jsonl"):
        code, output = invoke("dataset", content, "--styles", styles, "-o", out, *FAST)
    assert_refused(code, output, ("manifest.jsonl", "cannot write"), before, tmp_path)
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    before = snapshot(tmp_path)
    code, output = invoke("dataset", content, "--styles", styles, "-o", tmp_path / "notes.txt/o")
    assert_refused(code, output, ("notes.txt", "is a file"), before, tmp_path)


GOOD = b'{"content": "a.png", "output": "a__s.png", "style": "s.png"}\n'


@pytest.mark.parametrize(
    "data, needle",
    [
        (b"42\n", "line 1 is not a manifest record: a JSON int"),
        (b"\x1f\x8b\x08\x00\x00junk\xff", "line 1 is not a manifest record: not text"),
        (b"\x1f\x8b\x08junk\xff\n" + GOOD, "line 1 is not a manifest record: not text"),
        (GOOD + b'["a.png"]\n', "line 2 is not a manifest record: a JSON list"),
        (GOOD + b'{"content": 3, "style": "s.png"}\n', "line 2 is not a manifest record"),
        (GOOD + b"{oops\n", "line 2 is not a manifest record: not JSON"),
    ],
)
def test_a_damaged_manifest_is_refused_unchanged(folders, tmp_path, data, needle):
    content, styles, out = folders
    out.mkdir()
    (out / "manifest.jsonl").write_bytes(data)
    before = snapshot(tmp_path)
    code, output = invoke("dataset", content, "--styles", styles, "-o", out, *FAST)
    assert_refused(code, output, ("manifest.jsonl", needle, "--repair-manifest"), before, tmp_path)


def test_repair_keeps_the_good_lines_and_moves_the_damaged_file_aside(untrained, folders):
    content, styles, out = folders
    out.mkdir()
    damaged = GOOD + b"\x00\x01 junk\n"
    (out / "manifest.jsonl").write_bytes(damaged)
    (out / "a__s.png").write_bytes((content / "a.png").read_bytes())  # its finished output
    code, output = invoke(
        "dataset", content, "--styles", styles, "-o", out, "--repair-manifest", *FAST
    )
    assert code == 0 and "1 done, 1 already finished" in output, output
    assert (out / "manifest.damaged-1.jsonl").read_bytes() == damaged  # kept as it was
    records = lines(out / "manifest.jsonl")
    assert records[0] == json.loads(GOOD)  # the good line kept
    assert sorted(r["output"] for r in records) == ["a__s.png", "b__s.png"]  # each once
    assert (out / "a__s.png").is_file() and (out / "b__s.png").is_file()


def test_a_line_cut_by_a_kill_is_dropped_when_the_run_writes(untrained, folders):
    content, styles, out = folders
    out.mkdir()
    (out / "manifest.jsonl").write_bytes(GOOD + b'{"content": "b.p')
    code, output = invoke("dataset", content, "--styles", styles, "-o", out, *FAST)
    assert code == 0, output
    assert [r["output"] for r in lines(out / "manifest.jsonl")] == ["a__s.png", "b__s.png"]


def test_names_that_share_a_stem_get_their_own_outputs(untrained, tmp_path, rng):
    content = photos(tmp_path / "c", ["a.png", "a.jpg", "sub/a.png", "A.tif"], rng)
    styles = photos(tmp_path / "s", ["x.png", "x.jpg"], rng)
    out = tmp_path / "out"
    code, output = invoke(
        "dataset", content, "--styles", styles, "-o", out, "--per-content", "2", *FAST
    )
    assert code == 0, output
    names = sorted(r["output"] for r in lines(out / "manifest.jsonl"))
    assert len(names) == 8 and len({n.casefold() for n in names}) == 8, names
    assert "a.png__x.jpg.png" in names and "sub/a__x.png.png" in names
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == names
    (out / names[0]).unlink()  # deleted by hand: made again, and listed once
    code, output = invoke(
        "dataset", content, "--styles", styles, "-o", out, "--per-content", "2", *FAST
    )
    assert code == 0 and "1 done, 7 already finished" in output, output
    assert sorted(r["output"] for r in lines(out / "manifest.jsonl")) == names


def test_a_name_two_pairs_would_share_is_refused_before_work(tmp_path, rng):
    content = photos(tmp_path / "c", ["x__y.png", "x.png"], rng)
    styles = photos(tmp_path / "s", ["z.png", "y__z.png"], rng)
    before = snapshot(tmp_path)
    code, output = invoke(
        "dataset", content, "--styles", styles, "-o", tmp_path / "o", "--per-content", "2"
    )
    assert_refused(code, output, ("would both be written as x__y__z.png",), before, tmp_path)


def test_a_label_space_file_of_binary_junk_is_named(folders, tmp_path):
    content, styles, out = folders
    junk = tmp_path / "space.json"
    junk.write_bytes(b"\x8b\x1f\x00\xff junk")
    before = snapshot(tmp_path)
    code, output = invoke(
        "dataset", content, "--styles", styles, "-o", out, "--content-labels", content,
        "--style-labels", styles, "--label-space", junk,
    )  # fmt: skip
    assert_refused(code, output, (str(junk), "binary data"), before, tmp_path)
    junk.write_bytes(b'\xef\xbb\xbf{"sky": [1]}')  # saved by Notepad, with a BOM: fine
    assert load_label_space(junk).groups == {"sky": (1,)}


def mapping(unknown="error"):
    space = load_label_space("cityscapes")
    return LabelMapping(space, space, unknown)


@pytest.mark.parametrize(
    "dtype, bad", [(np.int32, -3), (np.int8, -3), (np.int16, -1), (np.uint32, 3_000_000_000)]
)
def test_label_ids_are_the_integers_the_file_stores(tmp_path, dtype, bad):
    """-3 is not read as the class of id -3 counted from the end of a table (it was
    "train"), nor a 32-bit unsigned id as a negative one: both are unknown ids."""
    ids = np.full((20, 30), 23, dtype)  # sky
    ids[3, 4] = bad
    tifffile.imwrite(tmp_path / "labels.tif", ids)
    with pytest.raises(ImageError, match=f"labels.tif: label id {bad} is not in label space"):
        mapping().groups(tmp_path / "labels.tif", (20, 30), "content")
    groups, ignored = mapping("ignore").groups(tmp_path / "labels.tif", (20, 30), "content")
    sky = mapping().names.index("sky")
    assert groups[3, 4] != sky and (groups == sky).sum() == 599 and ignored == 1 / 600


def test_a_huge_ignored_id_costs_no_memory(tmp_path):
    """The lookup is over the ids present: one pixel of id 2e9 asked for a 16 GB table."""
    import tracemalloc

    ids = np.full((20, 20), 7, np.uint32)
    ids[0, 0] = 2_000_000_000
    tifffile.imwrite(tmp_path / "labels.tif", ids)
    tracemalloc.start()
    groups, ignored = mapping("ignore").groups(tmp_path / "labels.tif", (20, 20), "content")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4e6 and ignored == 1 / 400 and groups[1, 1] == mapping().names.index("road")


def test_float_and_colour_label_maps_are_refused_by_name(tmp_path):
    tifffile.imwrite(tmp_path / "float.tif", np.zeros((20, 30), np.float32))
    Image.new("RGB", (30, 20)).save(tmp_path / "colour.png")
    for name, needle in (("float.tif", "integer ids, not float32"), ("colour.png", "not RGB")):
        with pytest.raises(ImageError, match=f"{name}: label maps .*{needle}"):
            mapping().groups(tmp_path / name, (20, 30), "content")


def test_a_negative_id_fails_that_pair_with_the_file_named(untrained, tmp_path, rng):
    content = photos(tmp_path / "c", ["a.png"], rng)
    styles = photos(tmp_path / "s", ["a.png"], rng)
    ids = np.full((24, 32), 23, np.int32)
    ids[0, 0] = -3
    for side in ("cl", "sl"):
        (tmp_path / side).mkdir()
        tifffile.imwrite(tmp_path / side / "a.tif", ids)
    code, output = invoke(
        "dataset", content, "--styles", styles, "-o", tmp_path / "o", "--content-labels",
        tmp_path / "cl", "--style-labels", tmp_path / "sl", *FAST,
    )  # fmt: skip
    assert code == 2 and "Traceback" not in output, output
    assert f"{tmp_path / 'cl' / 'a.tif'}: label id -3 is not in label space" in output
    assert not (tmp_path / "o" / "a__a.png").exists()
