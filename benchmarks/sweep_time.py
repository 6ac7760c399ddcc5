"""Time of ``photostyle sweep`` against one transfer, in one run (issue 31's goal: a sweep of
5 lambdas of a 0.4 MP pair in at most 3x the time of one transfer).

The pair: dpst-dev 03 resized to 0.4 MP. Warm (in this process, the model loaded, the numba
kernels compiled): the median of ``--repeat`` runs of one default transfer, of the sweep over
the 5 default lambdas with its scores, and without them (``score=False``: the rendering
alone). Cold: the commands ``photostyle transfer`` and ``photostyle sweep`` as a user runs
them (new processes: imports, model load, the sheet and plot written). Writes
``benchmarks/results/sweep_time.json``. Compare ratios, not seconds: the machine is shared.
"""

import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from photostyle.files.images import load_image, save_image
from photostyle.imaging.resize import resize, scaled_shape
from photostyle.pipeline import transfer
from photostyle.sweep import DEFAULT_LAMS, sweep

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "dpst-dev"
OUT = ROOT / "benchmarks" / "results"
PIXELS = 0.4e6


def at_04mp(image: np.ndarray) -> np.ndarray:
    f = (PIXELS / (image.shape[0] * image.shape[1])) ** 0.5
    return resize(image, scaled_shape(image.shape, f))


def timed(work: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main(repeat: int = 3) -> None:
    content = at_04mp(load_image(DATA / "content" / "03.png"))
    style = load_image(DATA / "style" / "03.png")
    tmp = Path(tempfile.mkdtemp())
    save_image(tmp / "c.png", content)
    save_image(tmp / "s.png", style)
    exe = [sys.executable, "-m", "photostyle"]
    cold = {}
    for name, args in (
        ("transfer", ["transfer", tmp / "c.png", tmp / "s.png", "-o", tmp / "t.png"]),
        ("sweep", ["sweep", tmp / "c.png", tmp / "s.png", "-o", tmp / "sheet.png"]),
    ):
        t0 = time.perf_counter()
        subprocess.run([*exe, *map(str, args)], check=True, capture_output=True)
        cold[name] = round(time.perf_counter() - t0, 2)
    transfer(content, style)  # warm: model loaded, kernels compiled
    warm = {
        "transfer": timed(lambda: transfer(content, style), repeat),
        "sweep_scored": timed(lambda: sweep(content, style), repeat),
        "sweep_unscored": timed(lambda: sweep(content, style, score=False), repeat),
    }
    result = {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "date": time.strftime("%Y-%m-%d"),
        "pair": "dpst-dev 03, content at 0.4 MP",
        "size": list(content.shape[:2]),
        "lams": list(DEFAULT_LAMS),
        "cold_seconds": cold,
        "cold_ratio": round(cold["sweep"] / cold["transfer"], 2),
        "warm_seconds": {k: round(v, 2) for k, v in warm.items()},
        "warm_ratio_scored": round(warm["sweep_scored"] / warm["transfer"], 2),
        "warm_ratio_unscored": round(warm["sweep_unscored"] / warm["transfer"], 2),
        "goal": "sweep of 5 lambdas <= 3x one transfer",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "sweep_time.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
