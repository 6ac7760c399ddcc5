"""Smoothing benchmark: direct solve (the paper's method) vs our exact solver vs guided filter.

For each dpst-dev pair (content = content/NN, Y = dpst_result/NN) it times, in separate
processes so that peak RSS is per method: (a) scipy's direct factorisation of the same
system, (b) ``smooth_exact``, (c) ``smooth_guided``; and the max abs difference of (b) and (c)
vs (a). Then a scaling series on upscaled inputs (exact and guided; direct only where it
fits). Writes ``benchmarks/results/smoothing.json`` and ``smoothing.png`` (log-log).

    python benchmarks/smoothing.py [--pairs 03 09 ...] [--sizes 0.25 0.5 1 2 4 12]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import resource
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DPST = ROOT.parent / "shared" / "data" / "dpst-dev"
RESULTS = ROOT / "benchmarks" / "results"
PAIRS = ["03", "09", "15", "21", "27", "33", "39", "45", "51", "57"]


def load_pair(pair: str, mp_target: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image

    from photostyle.files.images import load_image

    c = load_image(DPST / "content" / f"{pair}.png")
    y = load_image(DPST / "dpst_result" / f"{pair}.png")
    if mp_target is not None:
        h, w = c.shape[:2]
        s = (mp_target * 1e6 / (h * w)) ** 0.5
        size = (round(w * s), round(h * s))

        def up(a):
            im = Image.fromarray((a * 255 + 0.5).astype(np.uint8)).resize(size, Image.BICUBIC)
            return np.asarray(im, dtype=np.float32) / 255

        c, y = up(c), up(y)
    return c, y


def _worker(method: str, pair: str, mp_target: float | None, q: mp.Queue) -> None:
    from photostyle.smoothing import smooth_direct, smooth_exact, smooth_guided

    c, y = load_pair(pair, mp_target)
    info: dict = {}
    t0 = time.perf_counter()
    if method == "direct":
        r = smooth_direct(c, y)
    elif method == "exact":
        r = smooth_exact(c, y, device="cpu", info=info)
    else:
        r = smooth_guided(c, y, device="cpu")
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB -> GB
    if method == "exact" and mp_target is None:
        # the same call again in the same process: no numba cache loading, memory pages
        # already mapped (informational; the speed-up uses the first, cold call)
        t1 = time.perf_counter()
        smooth_exact(c, y, device="cpu")
        info["seconds_warm"] = time.perf_counter() - t1
    out = Path("/tmp") / f"photostyle_bench_{method}_{pair}_{mp_target}.npy"
    np.save(out, r)
    q.put(
        {
            "seconds": dt,
            "peak_rss_gb": rss,
            "pixels": c.shape[0] * c.shape[1],
            "out": str(out),
            **info,
        }
    )


def run(method: str, pair: str, mp_target: float | None = None, timeout: float = 3600) -> dict:
    """Run one method in a fresh process; returns timing, peak RSS and the output path."""
    q: mp.Queue = mp.get_context("spawn").Queue()
    p = mp.get_context("spawn").Process(target=_worker, args=(method, pair, mp_target, q))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.kill()
        return {"error": f"timeout after {timeout} s"}
    if p.exitcode != 0:
        return {"error": f"exit code {p.exitcode} (out of memory?)"}
    return q.get()


def maxdiff(a: dict, b: dict) -> float | None:
    if "out" not in a or "out" not in b:
        return None
    return float(np.abs(np.load(a["out"]) - np.load(b["out"])).max() * 255)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pairs", nargs="*", default=PAIRS)
    ap.add_argument("--sizes", nargs="*", type=float, default=[0.25, 0.5, 1, 2, 4, 12])
    ap.add_argument("--direct-max-mp", type=float, default=1.0, help="largest size for direct")
    ap.add_argument("--out", type=Path, default=RESULTS / "smoothing.json")
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    res: dict = {"machine": f"{platform.node()} {mp.cpu_count()} cores", "pairs": [], "scaling": []}
    res["baseline"] = "scipy.sparse.linalg.factorized (SuperLU) on the same (L + lam D) system"
    for pair in args.pairs:
        row = {"pair": pair}
        for m in ("direct", "exact", "guided"):
            row[m] = run(m, pair)
            print(pair, m, {k: v for k, v in row[m].items() if k != "out"}, flush=True)
        row["exact_maxdiff_255"] = maxdiff(row["exact"], row["direct"])
        row["guided_maxdiff_255"] = maxdiff(row["guided"], row["direct"])
        if "seconds" in row["direct"] and "seconds" in row["exact"]:
            row["speedup_exact_vs_direct"] = row["direct"]["seconds"] / row["exact"]["seconds"]
        res["pairs"].append(row)
        _dump(res, args.out)
    for size in args.sizes:
        row = {"megapixels": size}
        for m in ("exact", "guided") + (("direct",) if size <= args.direct_max_mp else ()):
            row[m] = run(m, "03", size)
            print(size, m, {k: v for k, v in row[m].items() if k != "out"}, flush=True)
        res["scaling"].append(row)
        _dump(res, args.out)
    _summary(res)
    _dump(res, args.out)
    _plot(res, args.out.with_suffix(".png"))


def _summary(res: dict) -> None:
    rows = [r for r in res["pairs"] if "speedup_exact_vs_direct" in r]
    if rows:
        res["summary"] = {
            "mean_speedup_exact_vs_direct": float(
                np.mean([r["speedup_exact_vs_direct"] for r in rows])
            ),
            "max_exact_maxdiff_255": float(max(r["exact_maxdiff_255"] for r in rows)),
            "mean_direct_s": float(np.mean([r["direct"]["seconds"] for r in rows])),
            "mean_exact_s": float(np.mean([r["exact"]["seconds"] for r in rows])),
            "mean_exact_warm_s": float(
                np.mean([r["exact"].get("seconds_warm", np.nan) for r in rows])
            ),
            "min_speedup_exact_vs_direct": float(min(r["speedup_exact_vs_direct"] for r in rows)),
            "guided_s_per_mp": float(
                np.mean([r["guided"]["seconds"] / (r["guided"]["pixels"] / 1e6) for r in rows])
            ),
        }


def _dump(res: dict, path: Path) -> None:
    def clean(o):
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items() if k != "out"}
        if isinstance(o, list):
            return [clean(v) for v in o]
        return o

    path.write_text(json.dumps(clean(res), indent=2))


def _plot(res: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for m, style in (("direct", "o-"), ("exact", "s-"), ("guided", "^-")):
        pts = [
            (r[m]["pixels"] / 1e6, r[m]["seconds"], r[m]["peak_rss_gb"])
            for r in res["scaling"]
            if m in r and "seconds" in r[m]
        ]
        pts += [
            (r[m]["pixels"] / 1e6, r[m]["seconds"], r[m]["peak_rss_gb"])
            for r in res["pairs"]
            if "seconds" in r.get(m, {})
        ]
        if not pts:
            continue
        pts.sort()
        x, t, mem = zip(*pts, strict=True)
        axes[0].loglog(x, t, style, label=m)
        axes[1].loglog(x, mem, style, label=m)
    axes[0].set(xlabel="megapixels", ylabel="seconds", title="time")
    axes[1].set(xlabel="megapixels", ylabel="peak RSS (GB)", title="memory")
    for a in axes:
        a.grid(True, which="both", alpha=0.3)
        a.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
