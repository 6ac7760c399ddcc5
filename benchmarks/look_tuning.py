"""Choose the stylizing look's weights (gamma, mu, Gram weight) and gain bound G on pairs-wide.

For the first ``--pairs`` pairs of pairs-wide (default: all 60; the choice is then checked on
both sets by ``benchmarks/looks.py``): the full transfer, then for each configuration one fit,
and from its lattice before the bound every G (:class:`looks.Capture`, no second fit). Scores
as ``benchmarks/quality.py``. Writes ``benchmarks/results/look_tuning.json`` after every pair
(per pair, and the means as look / full transfer); a run that was stopped resumes from it.
``--norm spectral`` bounds each cell's steepest slope instead of its mean slope
(:func:`photostyle.looks.gain.cell_gains`) and writes ``look_tuning_spectral.json``.

The choice (:func:`choose`, fixed before the run): among the settings that meet the goals the
bound is for (mean grain gain and structure no worse than the full transfer's, the worst 6
pairs by grain gain within 1.5x of it), the one with the smallest geometric mean of the
colour distance, Gram distance and affine residual ratios (the three goals a global map
trades against each other).
"""

import argparse
import json
import time

import numpy as np
from looks import Capture
from quality import OUT, means, pairs, score

from photostyle import transfer
from photostyle.files.images import load_image
from photostyle.looks import fit as look_fit
from photostyle.looks.gain import GAIN_NORMS
from photostyle.looks.look import Look
from photostyle.photowct.vgg import VGGEncoder

#: name: (GAMMA, MU, GRAM_WEIGHT) of :mod:`photostyle.looks.fit`
CONFIGS = {
    "g3": (3.0, 300.0, 0.1),
    "g3m100": (3.0, 100.0, 0.1),
    "g3m1000": (3.0, 1000.0, 0.1),
    "g10": (10.0, 300.0, 0.1),
    "g3w03": (3.0, 300.0, 0.3),
}
GAINS = (float("inf"), 1.5, 1.25, 1.1, 1.0)  # the defaults of --configs and --gains
PATH = OUT / "look_tuning.json"


def ratios(rows: dict) -> dict:
    """Per configuration and metric: mean over the pairs, divided by the full transfer's."""
    mean = means(rows)
    full = mean.pop("full")
    return {k: {m: v[m] / full[m] for m in full} for k, v in mean.items()}


def choose(rows: dict) -> dict:
    """Per setting: the ratios, whether it is feasible and its score (module docstring)."""
    out = {}
    for k, r in ratios(rows).items():
        worst = sorted(rows, key=lambda i: rows[i][k]["grain_gain"], reverse=True)[:6]
        w6 = all(rows[i][k]["grain_gain"] <= 1.5 * rows[i]["full"]["grain_gain"] for i in worst)
        ok = r["grain_gain"] <= 1.0 and r["structure_ssim"] >= 1.0 and w6
        trade = ("swd_lab", "gram", "affine_residual")
        score_ = float(np.exp(np.mean([np.log(r[m]) for m in trade])))
        out[k] = {"feasible": ok, "worst6_grain_ok": w6, "trade_score": score_, **r}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pairs", type=int, default=60)
    ap.add_argument("--norm", default=GAIN_NORMS[0], choices=GAIN_NORMS, help="the cell slope")
    ap.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated CONFIGS names")
    ap.add_argument("--gains", default=",".join(f"{g:g}" for g in GAINS), help="G values")
    args = ap.parse_args()
    configs = {k: CONFIGS[k] for k in args.configs.split(",")}
    gains = [float(g) for g in args.gains.split(",")]
    path = PATH if args.norm == GAIN_NORMS[0] else PATH.with_name(f"look_tuning_{args.norm}.json")
    old = json.loads(path.read_text()) if path.exists() else {}
    same = old.get("configs") == {k: list(v) for k, v in configs.items()}
    rows = old.get("per_pair", {}) if same and old.get("gains") == gains else {}
    enc, capture = VGGEncoder(), Capture()
    saved = (look_fit.GAMMA, look_fit.MU, look_fit.GRAM_WEIGHT)
    for pid, cp, sp, _ in pairs("pairs-wide")[: args.pairs]:
        if pid in rows:
            continue
        c, s = load_image(cp), load_image(sp)
        full = transfer(c, s)
        row = {"full": score(c, s, full, enc)}
        for name, (gamma, mu, gram_weight) in configs.items():
            look_fit.GAMMA, look_fit.MU, look_fit.GRAM_WEIGHT = gamma, mu, gram_weight
            t0 = time.perf_counter()
            Look.fit(c, full, style=s)
            sec = time.perf_counter() - t0
            look_fit.GAMMA, look_fit.MU, look_fit.GRAM_WEIGHT = saved
            for g in gains:
                look = capture.look(g, args.norm)
                row[f"{name}/G{g:g}"] = {"seconds": sec, **score(c, s, look.apply(c), enc)}
        rows[pid] = row
        result = {
            "norm": args.norm,
            "configs": {k: list(v) for k, v in configs.items()},
            "gains": gains,
            "pairs": list(rows),
            "mean_over_full": choose(rows),
            "per_pair": rows,
        }
        path.write_text(json.dumps(result, indent=1))
        print(pid, {k: round(v["swd_lab"], 2) for k, v in row.items()}, flush=True)
    table = choose(rows)
    for k, v in sorted(table.items(), key=lambda kv: (not kv[1]["feasible"], kv[1]["trade_score"])):
        print(
            f"{k:14s}",
            " ".join(f"{m}={x:.3f}" if isinstance(x, float) else f"{m}={x}" for m, x in v.items()),
        )


if __name__ == "__main__":
    main()
