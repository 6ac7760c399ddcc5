"""Does a newly trained decoder change the transfer? The default transfer with the shipped
decoders and with one level replaced by a candidate, scored side by side in one run.

Sets: ``pairs-wide`` (60 pairs, no masks) and ``dpst-dev`` (10 pairs with their masks, the
default use with masks). Metrics: the six of ``benchmarks/quality.py`` (structure SSIM, Gram
and Lab colour distances, affine residual, grain gain, painting residual) and the boundary
F-measure of the lambda search. Contact sheets: content | style | shipped | candidate, ten pairs
a sheet (``decoder_transfer_{set}_{n}.jpg``, not committed).

Decision (the issue: ship only if the transfer is at least as good on pairs-wide and
dpst-dev): on each set, no mean metric worse by more than ``TOLERANCE`` relative (structure and
boundary lower, the distances and the painting residual higher, grain gain farther from 1),
and the worst pair's painting residual not worse by more than ``TOLERANCE``.

    python benchmarks/decoder_transfer.py runs/decoder4p.safetensors
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from quality import HIGHER_IS_BETTER, OUT, contact_sheet, means, pairs, score

from photostyle import transfer
from photostyle.cli.webapp import side_by_side
from photostyle.files.images import load_image
from photostyle.metrics import boundary_f
from photostyle.photowct import VGGEncoder, load_decoder, load_decoders
from photostyle.photowct.stylize import PhotoWCT
from photostyle.photowct.weights import stored_level

TOLERANCE = 0.01
#: The metrics where higher is better: those of ``quality.py`` and the boundary F-measure.
HIGHER = HIGHER_IS_BETTER | {"boundary_f"}


def worse(metric: str, cand: float, ship: float) -> bool:
    """Whether ``cand`` is worse than ``ship`` by more than the tolerance."""
    if metric in HIGHER:
        return cand < ship * (1 - TOLERANCE)
    if metric == "grain_gain":
        return abs(cand - 1) > abs(ship - 1) + TOLERANCE * ship
    return cand > ship * (1 + TOLERANCE)


def run_set(set_name: str, models: dict, enc: VGGEncoder, limit: int | None) -> dict:
    per_pair, sheet = {}, []
    for pid, cp, sp, masks in pairs(set_name)[:limit]:
        c, s = load_image(cp), load_image(sp)
        lab = {} if masks is None else {"content_labels": masks[0], "style_labels": masks[1]}
        row, outs = {}, []
        for name, model in models.items():
            out = transfer(c, s, model=model, **lab).image
            row[name] = {**score(c, s, out, enc), "boundary_f": boundary_f(c, out)}
            outs.append(out)
        row["max_abs_diff"] = float(np.abs(outs[0] - outs[1]).max())
        per_pair[pid] = row
        sheet.append(side_by_side([c, s, *outs], c.shape[0]))
        painting = {k: round(row[k]["painting"], 3) for k in models}
        print(set_name, pid, painting, f"max diff {row['max_abs_diff']:.3f}", flush=True)
    for n in range(0, len(sheet), 10):
        contact_sheet(sheet[n : n + 10], OUT / f"decoder_transfer_{set_name}_{n // 10 + 1}.jpg")
    mean = means(per_pair)
    worst_painting = {k: max(r[k]["painting"] for r in per_pair.values()) for k in models}
    ship, cand = mean["shipped"], mean["candidate"]
    worse_metrics = [m for m in ship if worse(m, cand[m], ship[m])]
    if worst_painting["candidate"] > worst_painting["shipped"] * (1 + TOLERANCE):
        worse_metrics.append("worst painting")
    return {
        "mean": mean,
        "worst_painting": worst_painting,
        "mean_max_abs_diff": float(np.mean([r["max_abs_diff"] for r in per_pair.values()])),
        "worse": worse_metrics,
        "at_least_as_good": not worse_metrics,
        "per_pair": per_pair,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("candidate", type=Path, help="trained decoder weights (.safetensors)")
    ap.add_argument("--sets", default="pairs-wide,dpst-dev", help="comma-separated sets")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pairs of a set")
    ap.add_argument("--out", default="decoder_transfer.json", help="JSON file name in results/")
    args = ap.parse_args()
    level = stored_level(args.candidate)
    shipped = load_decoders()
    models = {
        "shipped": PhotoWCT(shipped),
        "candidate": PhotoWCT({**shipped, level: load_decoder(level, args.candidate)}),
    }
    enc = VGGEncoder()
    result = {"candidate": str(args.candidate), "level": level, "tolerance": TOLERANCE,
              "date": time.strftime("%Y-%m-%d"), "sets": {}}  # fmt: skip
    for set_name in args.sets.split(","):
        result["sets"][set_name] = run_set(set_name, models, enc, args.limit)
        (OUT / args.out).write_text(json.dumps(result, indent=1))
    for set_name, r in result["sets"].items():
        print(f"== {set_name}: at least as good: {r['at_least_as_good']} (worse: {r['worse']})")
        for k, v in r["mean"].items():
            print(f"{k:10s} " + " ".join(f"{m}={x:.4g}" for m, x in v.items()))


if __name__ == "__main__":
    main()
