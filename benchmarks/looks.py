"""Looks (3D LUTs) on pairs-wide and dpst-dev: how well the stylizing look holds against the
full transfer it is fitted to, and how long a fit takes.

For every pair of both sets (``benchmarks/quality.py``'s sets; no labels): the full default
transfer, then the stylizing look fitted to it (:meth:`photostyle.looks.look.Look.fit` with the
style, what ``photostyle lut``, ``transfer --lut``, the web app and video keyframes use),
applied to the content. ``look_G*``: the same fit with other gain bounds ``G``
(:mod:`photostyle.looks.gain`, ``inf`` = no bound), computed from the fit's own lattice
before the bound (so they cost no second fit). Metrics as ``benchmarks/quality.py``
(structure, Gram, colour distance, affine residual, grain gain).

Goals (issue 22), per set, against the full transfer: means of affine residual and grain gain
no worse, structure no worse, colour distance within 1.25x, Gram within 5 %; on the worst 6
pairs of the look by affine residual and by grain gain, both within 1.5x of the full
transfer's on the same pairs. Fit time <= 5 s on 2 cores: ``--parts speed`` (run alone) times
a cold fit (a fresh process: model loading included) and warm fits apart; the sets'
``fit_seconds`` are timed too, but among the metrics' work.

``--parts video`` (on by default): the temporal metric and speed of video looks, see
``benchmarks/video.py``. Writes ``benchmarks/results/looks.json`` (parts run apart are merged
into it) and contact sheets
``looks_{set}_{grain,affine}.jpg`` of the 8 worst pairs (content | style | full | look).
Run on a quiet machine: fit times are wall clock.
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np
from quality import HIGHER_IS_BETTER, OUT, ROOT, contact_sheet, means, pairs, score

from photostyle import transfer
from photostyle.cli.webapp import side_by_side
from photostyle.files.images import load_image
from photostyle.looks import fit as look_fit
from photostyle.looks.gain import GAIN_NORMS, LOOK_MAX_GAIN
from photostyle.looks.lattice import resample
from photostyle.looks.look import DEFAULT_SIZE, Look
from photostyle.photowct.vgg import VGGEncoder

GAINS = (float("inf"), 1.5, 1.0)
COLD = """
import time, numpy as np
from photostyle.files.images import load_image
from photostyle.looks.look import Look
c, s, r = (load_image(p) for p in {paths!r})
t0 = time.perf_counter()
Look.fit(c, r, style=s)
print(time.perf_counter() - t0)
"""


class Capture:
    """Wraps the fit's gain bound to keep its input lattice (for the ``look_G*`` variants)."""

    def __init__(self) -> None:
        self.bound, self.args = look_fit.bound_gain, None
        look_fit.bound_gain = self

    def __call__(self, table, contents, data_gram, max_gain):  # noqa: ANN001, ANN204
        self.args = (table, contents, data_gram)
        return self.bound(table, contents, data_gram, max_gain)

    def look(self, max_gain: float, norm: str = GAIN_NORMS[0]) -> Look:
        table = np.clip(self.bound(*self.args, max_gain, norm), 0.0, 1.0)
        n = round(len(table) ** (1 / 3))
        table = table if n == DEFAULT_SIZE else resample(table, n, DEFAULT_SIZE)
        return Look(table.reshape((DEFAULT_SIZE,) * 3 + (3,)))


def run_set(set_name: str, enc: VGGEncoder, capture: Capture, limit: int | None) -> dict:
    rows, sheet = {}, {}
    for pid, cp, sp, _ in pairs(set_name)[:limit]:
        c, s = load_image(cp), load_image(sp)
        t0 = time.perf_counter()
        full = transfer(c, s)
        row = {"full": {"seconds": time.perf_counter() - t0, **score(c, s, full, enc)}}
        t0 = time.perf_counter()
        look = Look.fit(c, full, style=s)
        fit_s = time.perf_counter() - t0
        img = look.apply(c)
        row["look"] = {"fit_seconds": fit_s, **score(c, s, img, enc)}
        for g in GAINS:
            if g != LOOK_MAX_GAIN:
                row[f"look_G{g:g}"] = score(c, s, capture.look(g).apply(c), enc)
        rows[pid], sheet[pid] = row, side_by_side([c, s, full, img], 120)
        print(set_name, pid, {k: round(v["grain_gain"], 2) for k, v in row.items()}, flush=True)
    return summarise(set_name, rows, sheet)


def summarise(set_name: str, rows: dict, sheet: dict) -> dict:
    ids = list(rows)
    mean = means(rows)
    full, look = mean["full"], mean["look"]
    worst, worst_ok = {}, {}
    for m in ("affine_residual", "grain_gain", "swd_lab", "structure_ssim", "gram"):
        order = sorted(ids, key=lambda i: rows[i]["look"][m], reverse=m not in HIGHER_IS_BETTER)
        worst[m] = [
            {"pair": i, "look": rows[i]["look"][m], "full": rows[i]["full"][m]} for i in order[:6]
        ]
        if m in ("affine_residual", "grain_gain"):
            worst_ok[m] = all(w["look"] <= 1.5 * w["full"] for w in worst[m])
            contact_sheet([sheet[i] for i in order[:8]], OUT / f"looks_{set_name}_{m[:5]}.jpg")
    goals = {
        "affine_no_worse": look["affine_residual"] <= full["affine_residual"],
        "grain_no_worse": look["grain_gain"] <= full["grain_gain"],
        "structure_no_worse": look["structure_ssim"] >= full["structure_ssim"],
        "colour_within_1.25x": look["swd_lab"] <= 1.25 * full["swd_lab"],
        "gram_within_5pct": look["gram"] <= 1.05 * full["gram"],
        "worst6_affine_within_1.5x": worst_ok["affine_residual"],
        "worst6_grain_within_1.5x": worst_ok["grain_gain"],
    }
    return {"pairs": ids, "mean": mean, "worst6": worst, "goals": goals, "per_pair": rows}


def cold_fit() -> float:
    """Seconds of one fit (dpst-dev pair 03) in a fresh process, model loading included."""
    d = ROOT.parent / "shared" / "data" / "dpst-dev"
    c, s = load_image(d / "content" / "03.png"), load_image(d / "style" / "03.png")
    result = OUT / "_cold_result.png"
    from PIL import Image

    from photostyle.files.images import to_uint8

    Image.fromarray(to_uint8(transfer(c, s))).save(result)
    paths = [str(d / "content" / "03.png"), str(d / "style" / "03.png"), str(result)]
    code = COLD.format(paths=paths)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        return float(out.stdout.strip().splitlines()[-1])
    finally:
        result.unlink()


def speed(n: int = 5) -> dict:
    """Fit time alone (run it on a quiet machine): a cold fit in a fresh process and warm fits
    of the first ``n`` dpst-dev pairs' looks (their transfers computed first, not timed)."""
    cold = cold_fit()
    warm = {}
    for pid, cp, sp, _ in pairs("dpst-dev")[:n]:
        c, s = load_image(cp), load_image(sp)
        full = transfer(c, s)
        t0 = time.perf_counter()
        Look.fit(c, full, style=s)
        warm[pid] = time.perf_counter() - t0
    mean = float(np.mean(list(warm.values())))
    return {"cold_seconds": cold, "warm_seconds": warm, "warm_mean": mean, "fit_le_5s": mean <= 5}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sets", default="pairs-wide,dpst-dev", help="comma-separated sets")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pairs of a set")
    ap.add_argument(
        "--parts", default="looks,speed,video", help="comma-separated: looks, speed, video"
    )
    args = ap.parse_args()
    parts = args.parts.split(",")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "looks.json"  # parts run separately are merged into it
    result: dict = json.loads(path.read_text()) if path.exists() else {}
    result.update({"date": time.strftime("%Y-%m-%d"), "max_gain": LOOK_MAX_GAIN})
    if "looks" in parts:
        enc, capture = VGGEncoder(), Capture()
        result["sets"] = {}
        for set_name in args.sets.split(","):
            result["sets"][set_name] = run_set(set_name, enc, capture, args.limit)
            path.write_text(json.dumps(result, indent=1))
    if "speed" in parts:
        result["speed"] = speed()
    if "video" in parts:
        from video import temporal

        result["video"] = temporal()
    path.write_text(json.dumps(result, indent=1))
    for set_name, r in result.get("sets", {}).items():
        print(f"== {set_name}")
        for k, v in r["mean"].items():
            print(f"{k:12s} " + " ".join(f"{m}={x:.4g}" for m, x in v.items()))
        print(json.dumps(r["goals"]))
    print(json.dumps(result.get("speed")), json.dumps(result.get("video", {}).get("goals")))


if __name__ == "__main__":
    main()
