import os
import sys

import numpy as np
import pytest
from conftest import kill_when_started
from typer.testing import CliRunner

from photostyle.batch.local import read_pairs
from photostyle.cli.app import app
from photostyle.files.images import load_image, save_image

FAST = ["--smoothing", "guided", "--max-side", "48"]


def make_pairs(tmp_path, rng, n=3, extra_rows=()):
    """n valid pairs of small random photos plus extra raw CSV rows."""
    rows = ["content,style,output"]
    for i in range(n):
        save_image(tmp_path / f"c{i}.png", rng.random((40, 56, 3)).astype(np.float32))
        save_image(tmp_path / f"s{i}.png", rng.random((48, 40, 3)).astype(np.float32))
        rows.append(f"c{i}.png,s{i}.png,out{i}.png")
    rows += list(extra_rows)
    (tmp_path / "pairs.csv").write_text("\n".join(rows) + "\n")
    return tmp_path / "pairs.csv"


def test_read_pairs_reports_bad_rows(tmp_path, rng):
    (tmp_path / "bad.jpg").write_text("not an image")
    csv = make_pairs(
        tmp_path,
        rng,
        n=2,
        extra_rows=["missing.png,s0.png,x.png", "c0.png,s1.png,out0.png", "c0.png,,y.png"],
    )
    jobs, errors = read_pairs(csv, tmp_path / "out")
    assert [j.output.name for j in jobs] == ["out0.png", "out1.png"]
    assert len(errors) == 3
    assert "missing.png" in errors[0] and "already used" in errors[1] and "required" in errors[2]
    with pytest.raises(Exception, match="content,style"):
        (tmp_path / "nohead.csv").write_text("a,b\n1,2\n")
        read_pairs(tmp_path / "nohead.csv", tmp_path)


def test_batch_cli_skips_bad_rows_and_resumes(tmp_path, rng):
    (tmp_path / "bad.jpg").write_text("not an image")
    csv = make_pairs(tmp_path, rng, n=2, extra_rows=["bad.jpg,s0.png,bad.png", "nope.png,s0.png,"])
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["batch", str(csv), "--out", str(out), *FAST])
    assert res.exit_code == 2, res.output
    assert "nope.png" in res.output and "bad.jpg" in res.output
    assert "2 done, 0 already finished, 2 failed" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["out0.png", "out1.png"]
    assert load_image(out / "out0.png").shape == (40, 56, 3)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    res = CliRunner().invoke(app, ["batch", str(csv), "--out", str(out), *FAST])
    assert "0 done, 2 already finished" in res.output
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_batch_workers_and_ray_give_same_outputs(tmp_path, rng):
    """Sequential, pool and Ray runs compute the same result up to float summation order.

    They are not bit-identical: a worker runs torch with cores/workers threads, the sequential
    run with all cores, and torch's convolutions and reductions then sum in another order
    (measured: results differ by up to 3e-5, 2e-6 before the smoothing). Written as 16-bit
    files that difference stays below 2e-4; in 8-bit files it flips the rounding (and the
    dither's error diffusion around it) of a few percent of the values by one level (measured
    3.7-4.9 % on these noise images, the worst case for dithering)."""

    csv = make_pairs(tmp_path, rng, n=2)
    outs: dict[str, dict[str, list[np.ndarray]]] = {"8": {}, "16": {}}
    for name, extra in (("seq", []), ("pool", ["--workers", "2"]), ("ray", ["--ray"])):
        if name == "ray":
            pytest.importorskip("ray")
        for depth in outs:
            folder = tmp_path / f"{name}{depth}"
            args = ["batch", str(csv), "--out", str(folder), "--bit-depth", depth, *FAST, *extra]
            res = CliRunner().invoke(app, args)
            assert res.exit_code == 0, res.output
            levels = 2 ** int(depth) - 1  # load_image reads 16-bit PNGs as v / 65535
            files = [folder / f"out{i}.png" for i in range(2)]
            outs[depth][name] = [np.round(load_image(f) * levels).astype(int) for f in files]
    for name in set(outs["8"]) - {"seq"}:
        for a, b in zip(outs["16"]["seq"], outs["16"][name], strict=True):
            assert a.max() > 255 and np.abs(a - b).max() <= 2e-4 * 65535
        for a, b in zip(outs["8"]["seq"], outs["8"][name], strict=True):
            diff = np.abs(a - b)
            assert diff.max() <= 1 and (diff > 0).mean() < 0.12, (diff.max(), (diff > 0).mean())


@pytest.mark.slow
def test_batch_survives_sigkill(tmp_path, rng):
    """Kill a running batch, rerun it: every output exists and loads, finished ones are kept."""
    csv = make_pairs(tmp_path, rng, n=6)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "photostyle", "batch", str(csv), "--out", str(out)]
    cmd += ["--smoothing", "exact", "--max-side", "48"]
    finished, res = kill_when_started(cmd, out, "out*.png")
    assert 1 <= len(finished) < 6, "batch should have been killed mid-way"
    assert res.returncode == 0, res.stderr
    assert f"{6 - len(finished)} done, {len(finished)} already finished" in res.stderr
    for i in range(6):
        assert load_image(out / f"out{i}.png").shape == (40, 56, 3)
    assert {n: (out / n).stat().st_mtime_ns for n in finished} == finished
    assert sorted(os.listdir(out)) == [f"out{i}.png" for i in range(6)], "stale temp files left"


@pytest.mark.parametrize("address", ["127.0.0.1:{port}", "ray://127.0.0.1:{port}"])
def test_batch_ray_without_cluster_is_one_line(tmp_path, rng, address):
    """`batch --ray ADDRESS` where nothing answers: one line, exit 2, no traceback (and no
    minutes of Ray's retries: the address is probed first)."""
    import socket

    pytest.importorskip("ray")
    from typer.testing import CliRunner

    from photostyle.cli.app import app

    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = tmp_path / "c.png"
    save_image(c, rng.random((40, 56, 3)).astype(np.float32))
    csv = tmp_path / "pairs.csv"
    csv.write_text("content,style\nc.png,c.png\n")
    addr = address.format(port=port)
    res = CliRunner().invoke(
        app, ["batch", str(csv), "-o", str(tmp_path / "out"), "--ray-address", addr]
    )
    assert res.exit_code == 2
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and "no Ray cluster answers" in errors[0] and addr in errors[0]
    assert "Traceback" not in res.output
    assert not list((tmp_path / "out").glob("*.png"))
