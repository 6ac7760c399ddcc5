"""``photostyle dataset``: style pools, label maps by relative path, label spaces, manifest,
resume after a kill, determinism, workers.

The tests build their own labelled data: procedural street scenes (sky, buildings, road,
vegetation, cars) written as Cityscapes-id PNGs in the GTA5 and Cityscapes layouts, and the
dpst-dev colour masks turned into index maps.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import kill_when_started
from PIL import Image
from typer.testing import CliRunner

from photostyle.batch.dataset import draw_styles, find_label
from photostyle.batch.dataset_run import DatasetSpec, plan
from photostyle.batch.label_spaces import load_label_space
from photostyle.cli.app import app
from photostyle.files.images import load_image, save_image

FAST = ["--smoothing", "guided", "--max-side", "64"]
SKY, BUILDING, ROAD, VEGETATION, CAR = 23, 11, 7, 21, 26


def street(rng, h=48, w=96, palette=None, cars=True):
    """A street-like scene and its Cityscapes labelIds: sky over buildings, road below,
    trees and cars; ``palette`` gives each class its colour."""
    pal = palette or {SKY: (0.45, 0.6, 0.9), BUILDING: (0.55, 0.5, 0.45), ROAD: (0.3, 0.3, 0.32),
                      VEGETATION: (0.2, 0.5, 0.2), CAR: (0.7, 0.1, 0.1)}  # fmt: skip
    lab = np.full((h, w), SKY, np.uint8)
    sky_end = int(h * rng.uniform(0.3, 0.45))
    x = 0
    while x < w:
        bw, top = int(rng.integers(8, 20)), int(rng.integers(sky_end // 2, sky_end))
        lab[top : int(h * 0.62), x : x + bw] = BUILDING
        x += bw + int(rng.integers(0, 4))
    lab[int(h * 0.62) :] = ROAD
    for _ in range(2):
        cx = int(rng.integers(0, w - 10))
        lab[int(h * 0.35) : int(h * 0.62), cx : cx + 9] = VEGETATION
    if cars:
        cx = int(rng.integers(0, w - 16))
        lab[int(h * 0.7) : int(h * 0.85), cx : cx + 15] = CAR
    img = np.zeros((h, w, 3), np.float32)
    for k, c in pal.items():
        img[lab == k] = c
    img += rng.normal(0, 0.02, img.shape).astype(np.float32)
    return np.clip(img, 0, 1), lab


def write_gta5(root: Path, rng, n: int, **kw) -> tuple[Path, Path]:
    """GTA5 layout: ``images/N.png`` and palette ``labels/N.png`` (Cityscapes ids)."""
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for i in range(n):
        img, lab = street(rng, **kw)
        save_image(root / "images" / f"{i:05d}.png", img)
        pal = Image.fromarray(lab, "P")
        pal.putpalette([v for k in range(256) for v in ((k * 7) % 256, (k * 13) % 256, k)])
        pal.save(root / "labels" / f"{i:05d}.png")
    return root / "images", root / "labels"


def write_cityscapes(root: Path, rng, n: int, **kw) -> tuple[Path, Path]:
    """Cityscapes layout: ``leftImg8bit/city/X_leftImg8bit.png`` with
    ``gtFine/city/X_gtFine_labelIds.png`` (8-bit index)."""
    for d in ("leftImg8bit/zurich", "gtFine/zurich"):
        (root / d).mkdir(parents=True)
    for i in range(n):
        img, lab = street(rng, **kw)
        stem = f"zurich_{i:06d}_000019"
        save_image(root / "leftImg8bit/zurich" / f"{stem}_leftImg8bit.png", img)
        Image.fromarray(lab, "L").save(root / "gtFine/zurich" / f"{stem}_gtFine_labelIds.png")
    return root / "leftImg8bit", root / "gtFine"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def manifest(out: Path) -> list[dict]:
    return [json.loads(ln) for ln in (out / "manifest.jsonl").read_text().splitlines()]


def test_label_spaces_tables():
    cs, tr, ade = (load_label_space(n) for n in ("cityscapes", "cityscapes-train", "ade20k"))
    assert cs.groups["sky"] == (23,) and cs.groups["pole"] == (17, 18) and 0 in cs.ignore
    assert len({i for g in cs.groups.values() for i in g}) == 30
    assert tr.groups["road"] == (0,) and tr.groups["bicycle"] == (18,) and tr.ignore == (255,)
    assert len({i for g in ade.groups.values() for i in g}) == 150 and ade.ignore == (0,)
    assert ade.groups["sky"] == (3,) and set(ade.groups["vegetation"]) == {5, 18, 67, 73}
    assert set(tr.groups) <= set(cs.groups)
    assert {"sky", "road", "building", "car", "vegetation"} <= set(ade.groups)


def test_label_space_json_and_its_errors(tmp_path):
    f = tmp_path / "space.json"
    f.write_text(json.dumps({"sky": [23], "vegetation": [21, 22], "ignore": [0, 255]}))
    space = load_label_space(f)
    assert space.groups == {"sky": (23,), "vegetation": (21, 22)} and space.ignore == (0, 255)
    for text, needle in (
        ("{", "not valid JSON"),
        ('{"sky": [1], "road": [1]}', "id 1 in sky and road"),
        ('{"sky": ["a"]}', "must list ids"),
        ("[1, 2]", "is an object"),
    ):
        f.write_text(text)
        with pytest.raises(ValueError, match=needle):
            load_label_space(f)
    with pytest.raises(ValueError, match="not one of cityscapes"):
        load_label_space("mapillary")


def test_label_files_are_found_in_the_common_layouts(tmp_path):
    for rel, label in (
        ("a/a_000000_000019_leftImg8bit.png", "a/a_000000_000019_gtFine_labelIds.png"),
        ("00001.png", "00001.png"),  # GTA5 images/ and labels/
        ("training/ADE_train_00000001.jpg", "training/ADE_train_00000001.png"),  # ADE20K
    ):  # fmt: skip
        (tmp_path / label).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / label).write_bytes(b"x")
        assert find_label(Path(rel), tmp_path) == tmp_path / label
    assert find_label(Path("aachen/missing_leftImg8bit.png"), tmp_path) is None


def test_same_seed_same_pairs_and_new_images_leave_the_others_alone(tmp_path, rng):
    content, _ = write_gta5(tmp_path / "gta", rng, 6)
    styles = tmp_path / "styles"
    styles.mkdir()
    for i in range(8):
        save_image(styles / f"s{i}.jpg", rng.random((20, 20, 3)).astype(np.float32))

    def pairs(seed):
        spec = DatasetSpec(content, styles, tmp_path / "out", per_content=3, seed=seed)
        return [(j.record["content"], j.record["style"]) for j in plan(spec).jobs]

    first = pairs(1)
    assert first == pairs(1) and first != pairs(2) and len(first) == 18
    for c in {c for c, _ in first}:  # distinct styles per content
        assert len({s for cc, s in first if cc == c}) == 3
    save_image(content / "zzz.png", rng.random((20, 20, 3)).astype(np.float32))
    assert set(first) < set(pairs(1))
    assert draw_styles("a.png", 8, 8, 0) != draw_styles("b.png", 8, 8, 0)


def test_labelled_gta5_to_cityscapes_meets_by_group(tmp_path, rng):
    """A GTA5-layout content and Cityscapes-layout styles: outputs mirror the content tree,
    label groups pair by name, the manifest records fallbacks and ignored pixels, and the
    content's label file is put beside the output on request."""
    images, labels = write_gta5(tmp_path / "gta", rng, 2)
    red_sky = {SKY: (0.9, 0.3, 0.2), BUILDING: (0.6, 0.6, 0.6), ROAD: (0.2, 0.2, 0.6),
               VEGETATION: (0.1, 0.6, 0.3)}  # fmt: skip
    left, gt = write_cityscapes(tmp_path / "cs", rng, 2, palette=red_sky, cars=False)
    out = tmp_path / "out"
    args = ["dataset", images, "--styles", left, "--out", out, "--content-labels", labels]
    args += ["--style-labels", gt, "--labels-out", "copy", *FAST]
    res = invoke(*args)
    assert res.exit_code == 0, res.output
    rows = manifest(out)
    assert len(rows) == 2 and all(r["output"].startswith("0000") for r in rows)
    for r in rows:
        assert r["style"].startswith("zurich/") and r["seconds"] > 0
        assert r["fallbacks"].get("car") == "not in the style mask"  # no cars in the styles
        assert r["ignored"] == {"content": 0.0, "style": 0.0}
        o = out / r["output"]
        assert load_image(o).shape == (48, 96, 3)
        beside = o.with_name(o.stem + "_labels.png")
        assert beside.read_bytes() == (labels / r["content"]).read_bytes()
    # the sky takes the style's sky (red), not the style's average colour
    r = rows[0]
    res_img = load_image(out / r["output"])
    lab = np.asarray(Image.open(labels / r["content"]))
    sky = res_img[lab == SKY].mean(0)
    assert sky[0] > sky[2] + 0.2, sky
    unlabelled = tmp_path / "plain"
    res = invoke("dataset", images, "--styles", left, "--out", unlabelled, *FAST)
    plain = load_image(unlabelled / manifest(unlabelled)[0]["output"])[lab == SKY].mean(0)
    target = np.array(red_sky[SKY])
    assert np.abs(sky - target).sum() < np.abs(plain - target).sum()


def test_missing_label_file_and_unknown_id_fail_that_image_only(tmp_path, rng):
    images, labels = write_gta5(tmp_path / "gta", rng, 3)
    left, gt = write_cityscapes(tmp_path / "cs", rng, 1)
    (labels / "00001.png").unlink()
    bad = np.asarray(Image.open(labels / "00002.png")).copy()
    bad[0, 0] = 200
    Image.fromarray(bad, "L").save(labels / "00002.png")
    out = tmp_path / "out"
    args = ["dataset", images, "--styles", left, "--out", out, "--content-labels", labels]
    res = invoke(*args, "--style-labels", gt, *FAST)
    assert res.exit_code == 2, res.output
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 2
    assert (
        "00001.png + zurich/zurich_000000_000019_leftImg8bit.png: no content label file"
        in errors[0]
    )
    assert "00002.png: label id 200 is not in label space cityscapes" in errors[1]
    rows = manifest(out)
    done = [r for r in rows if "output" in r]
    assert [r["content"] for r in done] == ["00000.png"] and len(rows) == 3
    only = "00000__zurich-zurich_000000_000019_leftImg8bit.png"
    assert sorted(p.name for p in out.iterdir()) == [only, "manifest.jsonl"]
    # a rerun retries the failed pair, redoes nothing else and repeats no manifest line
    res = invoke(*args, "--style-labels", gt, *FAST)
    assert "1 to make, 1 already finished, 1 cannot run" in res.output
    assert len(manifest(out)) == 3
    # ignoring unknown ids lets that image run
    res = invoke(*args, "--style-labels", gt, "--unknown-ids", "ignore", *FAST)
    assert "1 to make" in res.output
    row = manifest(out)[-1]
    assert row["content"] == "00002.png" and row["ignored"]["content"] == pytest.approx(
        1 / 4608, abs=1e-4
    )


def test_bad_arguments_fail_in_one_line(tmp_path, rng):
    images, labels = write_gta5(tmp_path / "gta", rng, 1)
    styles = tmp_path / "styles"
    styles.mkdir()
    save_image(styles / "s.png", rng.random((20, 20, 3)).astype(np.float32))
    base = ["dataset", images, "--styles", styles]
    for extra, needle in (
        (["--out", images / "x"], "inside the content folder"),
        (["--out", tmp_path / "o", "--per-content", "2"], "--per-content must be 1..1"),
        (["--out", tmp_path / "o", "--content-labels", labels], "give both --content-labels"),
        (["--out", tmp_path / "o", "--label-space", "nope"], "not one of"),
        (["--out", tmp_path / "o", "--format", "gif"], "'--format'"),
        (["--out", tmp_path / "o", "--labels-out", "copy"], "--labels-out needs"),
    ):
        res = invoke(*base, *extra)
        assert res.exit_code == 2 and needle in res.output.splitlines()[-1], res.output
    res = invoke("dataset", tmp_path / "missing", "--styles", styles, "--out", tmp_path / "o")
    assert res.exit_code == 2 and "content folder not found" in res.output


def test_dpst_masks_as_index_maps_give_the_masked_transfer(tmp_path, dpst):
    """dpst-dev colour masks turned into index maps, with a JSON label space: the dataset
    output is the library's masked transfer of the same pair."""
    from photostyle.labels import PALETTE, mask_to_labels
    from photostyle.pipeline import transfer

    for d in ("c", "s", "cl", "sl"):
        (tmp_path / d).mkdir()
    pair = "09.png"
    for src, img, lab in (("content", "c", "cl"), ("style", "s", "sl")):
        Image.open(dpst / src / pair).convert("RGB").save(tmp_path / img / pair)
        idx = mask_to_labels(Image.open(dpst / f"{src}_seg" / pair).convert("RGB"))
        Image.fromarray(idx.astype(np.uint8), "L").save(tmp_path / lab / pair)
    space = tmp_path / "dpst.json"
    space.write_text(json.dumps({name: [i] for i, name in enumerate(PALETTE)}))
    out = tmp_path / "out"
    args = ["dataset", tmp_path / "c", "--styles", tmp_path / "s", "--out", out, "--keep-names"]
    args += ["--content-labels", tmp_path / "cl", "--style-labels", tmp_path / "sl"]
    res = invoke(*args, "--label-space", space, "--bit-depth", "16", *FAST)
    assert res.exit_code == 0, res.output
    want = transfer(
        load_image(tmp_path / "c" / pair),
        load_image(tmp_path / "s" / pair),
        content_labels=np.asarray(Image.open(tmp_path / "cl" / pair), np.int32),
        style_labels=np.asarray(Image.open(tmp_path / "sl" / pair), np.int32),
        smoothing="guided",
        max_side=64,
    )
    got = load_image(out / pair)
    assert np.abs(got - want).max() < 2e-4


def test_workers_and_ray_give_the_same_outputs(tmp_path, rng):
    """As for batch: equal up to float summation order (see test_batch)."""
    images, _ = write_gta5(tmp_path / "gta", rng, 3)
    left, _ = write_cityscapes(tmp_path / "cs", rng, 2)
    outs = {}
    for name, extra in (("seq", []), ("pool", ["--workers", "2"]), ("ray", ["--ray"])):
        out = tmp_path / name
        res = invoke("dataset", images, "--styles", left, "--out", out, "--bit-depth", "16",
                     "--seed", "5", *FAST, *extra)  # fmt: skip
        assert res.exit_code == 0, res.output
        outs[name] = {r["output"]: load_image(out / r["output"]) for r in manifest(out)}
    for name in ("pool", "ray"):
        assert outs[name].keys() == outs["seq"].keys()
        for k, a in outs["seq"].items():
            assert np.abs(a - outs[name][k]).max() <= 2e-4


@pytest.mark.slow
def test_dataset_resumes_after_a_kill(tmp_path, rng):
    images, _ = write_gta5(tmp_path / "gta", rng, 6, h=96, w=160)
    left, _ = write_cityscapes(tmp_path / "cs", rng, 3)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "photostyle", "dataset", str(images), "--styles", str(left)]
    cmd += ["--out", str(out), "--per-content", "2", "--smoothing", "exact", "--max-side", "64"]
    finished, res = kill_when_started(cmd, out, "*__*.png")
    assert 1 <= len(finished) < 12, "the run should have been killed mid-way"
    assert res.returncode == 0, res.stderr
    assert f"{12 - len(finished)} to make, {len(finished)} already finished" in res.stderr
    rows = manifest(out)
    assert sorted(r["output"] for r in rows) == sorted(p.name for p in out.glob("*__*.png"))
    assert len(rows) == 12 and len({r["output"] for r in rows}) == 12
    assert {n: (out / n).stat().st_mtime_ns for n in finished} == finished
    assert not [p for p in os.listdir(out) if p.startswith(".")], "temporary files left"
