"""Choose the stylizing look's weights (gamma, mu) and gain bound G on pairs-wide.

For the first ``--pairs`` pairs of pairs-wide (default 7: what a 2-core session allowed; the
choice is then checked on all 60 and on dpst-dev by ``benchmarks/looks.py``): the full
transfer, then for each (gamma, mu) one fit, and from its lattice before the bound every G
(:class:`looks.Capture`). Scores as ``benchmarks/quality.py``. Writes
``benchmarks/results/look_tuning.json`` (per pair, and means as look / full transfer).
"""

import argparse
import json
import time

import numpy as np
from looks import Capture
from quality import OUT, pairs, score

from photostyle import transfer
from photostyle.files.images import load_image
from photostyle.looks import fit as look_fit
from photostyle.looks.look import Look
from photostyle.photowct.vgg import VGGEncoder

CONFIGS = {"base": (1.0, 300.0), "g3": (3.0, 300.0), "g3m100": (3.0, 100.0), "g10": (10.0, 300.0)}
GAINS = (float("inf"), 2.0, 1.5, 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pairs", type=int, default=7)
    args = ap.parse_args()
    enc, capture, rows = VGGEncoder(), Capture(), {}
    saved = (look_fit.GAMMA, look_fit.MU)
    for pid, cp, sp, _ in pairs("pairs-wide")[: args.pairs]:
        c, s = load_image(cp), load_image(sp)
        full = transfer(c, s)
        row = {"full": score(c, s, full, enc)}
        for name, (gamma, mu) in CONFIGS.items():
            look_fit.GAMMA, look_fit.MU = gamma, mu
            t0 = time.perf_counter()
            Look.fit(c, full, style=s)
            sec = time.perf_counter() - t0
            look_fit.GAMMA, look_fit.MU = saved
            for g in GAINS:
                row[f"{name}/G{g:g}"] = {
                    "seconds": sec,
                    **score(c, s, capture.look(g).apply(c), enc),
                }
        rows[pid] = row
        print(pid, {k: round(v["swd_lab"], 2) for k, v in row.items()}, flush=True)
    ids = list(rows)
    full = {m: np.mean([rows[i]["full"][m] for i in ids]) for m in rows[ids[0]]["full"]}
    ratio = {
        k: {m: float(np.mean([rows[i][k][m] for i in ids]) / full[m]) for m in full}
        for k in rows[ids[0]]
        if k != "full"
    }
    result = {"pairs": ids, "mean_over_full": ratio, "per_pair": rows}
    (OUT / "look_tuning.json").write_text(json.dumps(result, indent=1))
    for k, v in ratio.items():
        print(f"{k:12s}", " ".join(f"{m}={x:.2f}" for m, x in v.items()))


if __name__ == "__main__":
    main()
