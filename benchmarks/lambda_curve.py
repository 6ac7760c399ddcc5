"""The paper's lambda search, re-run for the pipeline as it is now: the mean trade-off curve
over the 60 ``pairs-wide`` pairs (and ``dpst-dev`` as the check set).

For every pair, :func:`photostyle.sweep.sweep` renders the default transfer at each lambda of
``--lams`` (default 1e-6 ... 1e-2, a decade apart) and each locality of ``--localities``
(default: the default 0.35, and 1 = the closed form per pixel, the paper's own pipeline),
from one stylization, and scores every cell: boundary F-measure against the content (the
paper's content measure, :func:`photostyle.metrics.boundary_f`) and structure SSIM (higher
keeps more of the content), Gram and colour distances to the style (lower is closer). Per
(lambda, locality): the mean and the worst pair of each score. Writes
``benchmarks/results/lambda_curve.json`` and ``lambda_curve.png`` (the mean curves, as the
paper's lambda figure; the default starred).

    python benchmarks/lambda_curve.py                     # pairs-wide, 60 pairs (about 1 h)
    python benchmarks/lambda_curve.py --set dpst-dev --out lambda_curve_dpst
"""

import argparse
import csv
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from photostyle.cli.sweep_sheet import plot
from photostyle.defaults import DEFAULT_LAM, DEFAULT_LOCALITY
from photostyle.files.images import load_image
from photostyle.options import TransferOptions
from photostyle.pipeline import load_model
from photostyle.sweep import DEFAULT_LAMS, SCORES, Cell, sweep

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "results"


def pairs(set_name: str) -> list[tuple[str, Path, Path]]:
    if set_name == "dpst-dev":
        d = DATA / "dpst-dev"
        return [(p.stem, p, d / "style" / p.name) for p in sorted((d / "content").glob("*.png"))]
    d = DATA / "pairs-wide"
    with open(d / "pairs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return [(Path(r["output"]).stem, d / r["content"], d / r["style"]) for r in rows]


def summarise(per_pair: dict, lams: list, locs: list) -> list[dict]:
    """Mean and worst pair of every score per (lambda, locality)."""
    rows = []
    for lam in lams:
        for loc in locs:
            key = f"{lam:g}/{loc:g}"
            values = {pid: cells[key] for pid, cells in per_pair.items()}
            row = {"lam": lam, "locality": loc}
            for name, better in SCORES.items():
                v = {pid: s[name] for pid, s in values.items()}
                worst = (min if better == "higher" else max)(v, key=v.get)
                row[name] = {"mean": float(np.mean(list(v.values()))), "worst": [worst, v[worst]]}
            rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default="pairs-wide", choices=("pairs-wide", "dpst-dev"))
    ap.add_argument("--lams", default=",".join(f"{v:g}" for v in DEFAULT_LAMS))
    ap.add_argument("--localities", default=f"{DEFAULT_LOCALITY:g},1")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pairs")
    ap.add_argument("--out", default="lambda_curve", help="file stem in results/")
    ap.add_argument("--only", default=None, help="re-run these pair ids (comma-separated) and "
                    "merge them into the existing results/<out>.json")  # fmt: skip
    args = ap.parse_args()
    lams = [float(v) for v in args.lams.split(",")]
    locs = [float(v) for v in args.localities.split(",")]
    model, opt = load_model(), TransferOptions()
    per_pair, seconds = {}, {}
    todo = pairs(args.set)[: args.limit]
    if args.only:
        old = json.loads((OUT / f"{args.out}.json").read_text())
        per_pair, seconds = old["per_pair"], old.get("seconds", {})
        todo = [t for t in todo if t[0] in args.only.split(",")]
    for i, (pid, c_path, s_path) in enumerate(todo):
        t0 = time.perf_counter()
        cells = sweep(load_image(c_path), load_image(s_path), opt, lams, locs, model=model)
        seconds[pid] = round(time.perf_counter() - t0, 2)
        per_pair[pid] = {f"{c.lam:g}/{c.locality:g}": c.scores for c in cells}
        print(f"{i + 1}/{len(todo)} {pid}: {seconds[pid]:.1f} s", flush=True)
    rows = summarise(per_pair, lams, locs)
    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "date": time.strftime("%Y-%m-%d"),
        "set": args.set,
        "pairs": len(per_pair),
        "default": {"lam": DEFAULT_LAM, "locality": DEFAULT_LOCALITY},
        "mean_seconds_per_pair": float(np.mean(list(seconds.values()))),
        "seconds": seconds,
        "rerun": args.only,
        "curve": rows,
        "per_pair": per_pair,
    }
    (OUT / f"{args.out}.json").write_text(json.dumps(result, indent=1))
    means = [Cell(r["lam"], r["locality"], None, {k: r[k]["mean"] for k in SCORES}) for r in rows]
    title = f"{args.set}: mean over {len(per_pair)} pairs"
    plot(means, (DEFAULT_LAM, DEFAULT_LOCALITY), OUT / f"{args.out}.png", title, "png")
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
