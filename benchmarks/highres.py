"""High-resolution pipeline benchmark: a 12 MP content (upscaled dpst-dev photo) + its style.

Runs the full pipeline (``photostyle transfer``: stylization at ``max_side``, then smoothing
at full resolution) with exact and with guided smoothing, each in a fresh process so that
peak RSS is per run. Writes ``benchmarks/results/highres.json``. Goal: completes within
24 GB (target < 8 GB) in minutes, not hours.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DPST = ROOT.parent / "shared" / "data" / "dpst-dev"
OUT = ROOT / "benchmarks" / "results"


def child(cmd: list[str]) -> None:
    """Wrapper process: run ``cmd``, print its wall time and peak RSS as JSON on stdout."""
    t0 = time.perf_counter()
    res = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {"seconds": seconds, "peak_rss_gb": peak_kb / 1024**2, "exit_code": res.returncode}
        )
    )


def run(cmd: list[str]) -> dict:
    """Run ``cmd`` through a fresh wrapper process, so the peak RSS is this run's alone."""
    res = subprocess.run(
        [sys.executable, __file__, "--child", *cmd], capture_output=True, text=True
    )
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["log"] = res.stderr.strip().splitlines()[-8:]
    if out["exit_code"] != 0:
        print(res.stderr[-2000:], file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pair", default="03")
    ap.add_argument("--megapixels", type=float, default=12.0)
    ap.add_argument("--methods", default="guided,exact")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="photostyle_highres_"))
    src = Image.open(DPST / "content" / f"{args.pair}.png").convert("RGB")
    s = (args.megapixels * 1e6 / (src.width * src.height)) ** 0.5
    big = src.resize((round(src.width * s), round(src.height * s)), Image.BICUBIC)
    content = tmp / "content.png"
    big.save(content)
    style = DPST / "style" / f"{args.pair}.png"
    result: dict = {
        "pair": args.pair,
        "content_size": [big.width, big.height],
        "megapixels": big.width * big.height / 1e6,
        "runs": {},
    }
    for method in args.methods.split(","):
        out = tmp / f"out_{method}.png"
        cmd = [sys.executable, "-m", "photostyle", "transfer", str(content), str(style)]
        cmd += ["-o", str(out), "--smoothing", method]
        r = run(cmd)
        if r["exit_code"] == 0:
            r["output_size"] = list(Image.open(out).size)
            r["output_std"] = float(np.asarray(Image.open(out), np.float32).std())
        result["runs"][method] = r
        print(method, {k: v for k, v in r.items() if k != "log"}, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "highres.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
