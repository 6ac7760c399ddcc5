"""Choose the guided-filter defaults: the setting closest to the exact smoothing on dpst-dev.

For each dpst-dev pair (content/NN, Y = dpst_result/NN) the exact smoothing (lam = 1e-4) is
computed once; then every (radius, eps, subsample) of a grid is scored by the mean absolute
difference (in 1/255 units) and PSNR against it. Writes benchmarks/results/guided_tuning.json.
"""

import itertools
import json
import time
from pathlib import Path

import numpy as np

from photostyle.files.images import load_image
from photostyle.smoothing import smooth_exact, smooth_guided

ROOT = Path(__file__).resolve().parents[1]
DPST = ROOT.parent / "shared" / "data" / "dpst-dev"
PAIRS = ["03", "09", "15", "21", "27", "33", "39", "45", "51", "57"]
GRID = list(itertools.product([2, 4, 8, 16, 32], [1e-4, 1e-3, 1e-2], [1, 2, 4]))


def main() -> None:
    data = []
    for pair in PAIRS:
        c = load_image(DPST / "content" / f"{pair}.png")
        y = load_image(DPST / "dpst_result" / f"{pair}.png")
        data.append((c, y, smooth_exact(c, y, device="cpu")))
        print("exact", pair, flush=True)
    rows = []
    for radius, eps, sub in GRID:
        if sub > 1 and radius < 2 * sub:
            continue
        mad, psnr, secs = [], [], []
        for c, y, ref in data:
            t0 = time.perf_counter()
            g = smooth_guided(c, y, radius=radius, eps=eps, subsample=sub, device="cpu")
            secs.append(time.perf_counter() - t0)
            mad.append(float(np.abs(g - ref).mean() * 255))
            psnr.append(float(10 * np.log10(1 / np.mean((g - ref) ** 2))))
        row = dict(
            radius=radius,
            eps=eps,
            subsample=sub,
            mean_abs_diff_255=float(np.mean(mad)),
            psnr_vs_exact_db=float(np.mean(psnr)),
            seconds_mean=float(np.mean(secs)),
        )
        rows.append(row)
        print(row, flush=True)
    best = min(rows, key=lambda r: r["mean_abs_diff_255"])
    out = {
        "criterion": "mean |guided - exact| over dpst-dev (lam=1e-4), 1/255 units",
        "best": best,
        "grid": rows,
    }
    path = ROOT / "benchmarks" / "results" / "guided_tuning.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print("best", best)


if __name__ == "__main__":
    main()
