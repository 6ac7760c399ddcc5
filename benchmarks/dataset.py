"""Dataset stylization speed (``photostyle dataset``): images per second, and its overhead.

Contents: BSDS500 val photos resized to the two frame sizes of the domain-adaptation use
(1024 x 512, a Cityscapes half-size frame, and 1914 x 1052, a GTA5 frame); styles: BSDS500 test
photos (``../shared/data``). Per size, smoothing (exact, guided) and worker count (1, 2), one
``photostyle dataset`` run in a fresh process over ``--images`` contents with one style each:

* ``images_per_s``: contents / wall time of the whole command (start-up, model load, writing:
  what a user waits for, cold start included);
* ``per_image_s``: the manifest's seconds per image (load, transfer, write) with the first image
  (which loads the model: ``cold_first_s``) left out.

Baseline, same run: ``transfer_warm_s``, the same work as one dataset image (load, transfer,
write) for the same pairs in a warm process (model loaded, one warm-up call). The goal: one
worker's ``per_image_s`` within 10 % of it. CUDA is used when present (``device`` says which).

Writes ``benchmarks/results/dataset.json``.
"""

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "photos" / "bsds500"
OUT = ROOT / "benchmarks" / "results"
SIZES = {"1024x512": (1024, 512), "1914x1052": (1914, 1052)}


def make_data(tmp: Path, size: tuple[int, int], n: int) -> tuple[Path, Path]:
    from PIL import Image

    contents, styles = tmp / f"c{size[0]}", tmp / f"s{size[0]}"
    contents.mkdir()
    styles.mkdir()
    for p in sorted((DATA / "val").glob("*.jpg"))[:n]:
        Image.open(p).convert("RGB").resize(size, Image.BICUBIC).save(contents / f"{p.stem}.png")
    for p in sorted((DATA / "test").glob("*.jpg"))[:n]:
        Image.open(p).convert("RGB").save(styles / p.name)
    return contents, styles


def run_dataset(contents: Path, styles: Path, out: Path, smoothing: str, workers: int) -> dict:
    cmd = [sys.executable, "-m", "photostyle", "dataset", str(contents), "--styles", str(styles)]
    cmd += ["--out", str(out), "--smoothing", smoothing, "--workers", str(workers)]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-2000:])
    rows = [json.loads(ln) for ln in (out / "manifest.jsonl").read_text().splitlines()]
    secs = [r["seconds"] for r in rows]
    return {
        "images": len(rows),
        "wall_s": round(wall, 2),
        "images_per_s": round(len(rows) / wall, 4),
        "cold_first_s": round(secs[0], 2),
        "per_image_s": round(float(np.median(secs[1:])), 3) if workers == 1 else None,
        "pairs": [(r["content"], r["style"]) for r in rows],
    }


def warm_transfer(contents: Path, styles: Path, pairs: list, smoothing: str, tmp: Path) -> float:
    """Median seconds of load + transfer + write per pair in this (warm) process."""
    from photostyle.files.images import load_image
    from photostyle.files.output import write_result
    from photostyle.pipeline import transfer

    times = []
    for i, (c, s) in enumerate([pairs[0], *pairs]):  # the first call warms the model up
        t0 = time.perf_counter()
        r = transfer(load_image(contents / c), load_image(styles / s), smoothing=smoothing)
        write_result(tmp / "warm.png", r, contents / c)
        if i:
            times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=4, help="contents per run")
    ap.add_argument("--out", type=Path, default=OUT / "dataset.json")
    args = ap.parse_args()
    import torch

    from photostyle.device import resolve_device

    report = {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "device": resolve_device("auto"),
        "date": time.strftime("%Y-%m-%d"),
        "images_per_run": args.images,
        "runs": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, size in SIZES.items():
            contents, styles = make_data(tmp, size, args.images)
            for smoothing in ("exact", "guided"):
                for workers in (1, 2):
                    out = tmp / f"out_{name}_{smoothing}_{workers}"
                    r = run_dataset(contents, styles, out, smoothing, workers)
                    row = {"size": name, "smoothing": smoothing, "workers": workers, **r}
                    if workers == 1:
                        warm = warm_transfer(contents, styles, r["pairs"], smoothing, tmp)
                        row["transfer_warm_s"] = round(warm, 3)
                        row["per_image_over_transfer"] = round(r["per_image_s"] / warm, 3)
                    del row["pairs"]
                    print(json.dumps(row), flush=True)
                    report["runs"].append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
