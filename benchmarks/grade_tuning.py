"""Choose the colour grade's constants (:mod:`photostyle.grade`) on pairs-wide.

For every pair the closed-form result ``R`` (today's default transfer, without the grade) is
computed once and cached; then each setting grades it and is scored with the six metrics,
beside PCA-KD (its shared results) and Pitie's IDT with regraining (``python-color-transfer``)
in the same run. Writes ``benchmarks/results/grade_tuning.json``: per setting, the means and
the worst pair of each metric.

    python benchmarks/grade_tuning.py [--set pairs-wide] [--limit N] [--grid default]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import DATA, OUT, idt, pairs, peer, score  # noqa: E402

from photostyle import TransferOptions, transfer  # noqa: E402
from photostyle.files.images import load_image  # noqa: E402
from photostyle.photowct.vgg import VGGEncoder  # noqa: E402

CACHE = Path("/tmp/photostyle_grade_cache")
GRIDS = {
    "default": [{"locality": x} for x in (0.0, 0.3, 0.35, 0.4, 0.5, 1.0)],
    "ridge": [{"locality": 0.35, "RIDGE": r} for r in (3e-3, 1e-2, 3e-2, 1e-1)]
    + [{"locality": 0.35, "SOFTNESS": x} for x in (3.0, 12.0)]
    + [{"locality": 0.35, "MATERIALS": x} for x in (4, 16)],
    "locality": [{"locality": x} for x in (0.2, 0.35, 0.5, 0.65)],
    "target": [{"locality": x, "target": t} for x in (0.35, 0.5) for t in ("exact", "none")],
    "match": [{"locality": x, "match": m} for x in (0.0, 0.35, 0.5) for m in (0, 1)],
}


def closed_form(
    pid: str, c: np.ndarray, s: np.ndarray, set_name: str, smoothing: str = "exact"
) -> np.ndarray:
    """The transfer without the grade (cached); ``smoothing="none"``: F1 and the statistics
    match only."""
    path = CACHE / set_name / ("" if smoothing == "exact" else smoothing) / f"{pid}.npy"
    if path.exists():
        return np.load(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    r = transfer(c, s, TransferOptions(locality=1.0, smoothing=smoothing)).image
    np.save(path, r)
    return r


def run(set_name: str, grid: list[dict], limit: int | None) -> dict:
    import photostyle.grade as grade_mod
    import photostyle.materials as materials_mod

    def owner(k: str):  # the module that holds the constant ``k``
        return materials_mod if hasattr(materials_mod, k) else grade_mod

    enc = VGGEncoder()
    rows: dict = {}
    for pid, cp, sp, _ in pairs(set_name)[:limit]:
        c, s = load_image(cp), load_image(sp)
        r = closed_form(pid, c, s, set_name)
        row = {
            "pcakd": score(c, s, peer(set_name, pid, c), enc),
            "idt": score(c, s, idt(c, s), enc),
        }
        for g in grid:
            name = ",".join(f"{k}={v}" for k, v in g.items())
            saved = {k: getattr(owner(k), k) for k in g if k.isupper()}
            for k, v in g.items():
                if k.isupper():
                    setattr(owner(k), k, v)
            t0 = time.perf_counter()
            target = (
                r
                if g.get("target", "exact") == "exact"
                else closed_form(pid, c, s, set_name, g["target"])
            )
            out = grade_mod.grade(c, target, g["locality"])
            if g.get("match"):
                from photostyle.colour import match_colour

                out = match_colour(out, s)
            row[name] = {"grade_s": time.perf_counter() - t0, **score(c, s, out, enc)}
            for k, v in saved.items():
                setattr(owner(k), k, v)
        rows[pid] = row
        print(pid, {k: round(v["painting"], 2) for k, v in row.items()}, flush=True)
    methods = list(next(iter(rows.values())))
    summary = {}
    for m in methods:
        metrics = rows[next(iter(rows))][m]
        summary[m] = {
            k: {
                "mean": float(np.mean([rows[p][m][k] for p in rows])),
                "worst": float(
                    (min if k == "structure_ssim" else max)(rows[p][m][k] for p in rows)
                ),
            }
            for k in metrics
        }
    return {"summary": summary, "per_pair": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default="pairs-wide")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--grid", default="default", choices=sorted(GRIDS))
    ap.add_argument("--out", default="grade_tuning.json")
    args = ap.parse_args()
    res = run(args.set, GRIDS[args.grid], args.limit)
    res["set"], res["data"] = args.set, str(DATA)
    (OUT / args.out).write_text(json.dumps(res, indent=1))
    for m, v in res["summary"].items():
        print(f"{m:28s}", " ".join(f"{k}={x['mean']:.3g}/{x['worst']:.3g}" for k, x in v.items()))


if __name__ == "__main__":
    main()
