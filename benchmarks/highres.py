"""Camera-resolution benchmark: the same look at every size, in seconds (issue 13).

Contents: the real camera photos of ``../shared/data/highres`` (3-8 MP JPEGs, EXIF kept) and
upscaled 12, 24 and 48 MP versions of the 8 MP iPhone photo (bicubic, JPEG quality 95; the
upscaled ones are marked ``upscaled``). Styles: dpst-dev style photos. Per case, each command
in a fresh process (numba kernels cached, as after ``make install``):

* ``seconds`` / ``peak_rss_gb``: the whole default ``photostyle transfer CONTENT STYLE -o
  OUT.png`` (start-up, loading, stylization, smoothing, upsampling, writing);
* ``consistency_db``: PSNR of that result downsized to the working resolution against the
  result for the content downsized to the working resolution first (same command);
* ``grad_ssim_full`` / ``grad_ssim_work``: detail: SSIM of gradient-magnitude maps, content vs
  result, at full size and at the working resolution;
* ``baseline`` (``--work-mp 0``: the paper's lam at full size, the previous default) on the
  real photos that its incomplete-Cholesky solver takes (<= 4.5 MP), in the same run.

Writes ``benchmarks/results/highres.json`` and ``highres.png``.
"""

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "results"
REAL = ["87_OSError.jpg", "canon_hdr_YES.jpg", "35-empty.jpg", "28-hex_value.jpg"]
REAL += ["iphone_hdr_YES.jpg"]
STYLES = ["09", "21", "45", "57", "33"]
UPSCALED = {12: ["09", "21"], 24: ["45"], 48: ["57"]}
BASELINE = ["87_OSError.jpg", "28-hex_value.jpg"]


def child(cmd: list[str]) -> None:
    """Wrapper process: run ``cmd``, print its wall time and peak RSS as JSON on stdout."""
    t0 = time.perf_counter()
    res = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = {"seconds": time.perf_counter() - t0, "peak_rss_gb": peak_kb / 1024**2}
    out |= {"exit_code": res.returncode, "log": res.stderr.strip().splitlines()[-3:]}
    print(json.dumps(out))


def run(args: list[str]) -> dict:
    """``photostyle ARGS`` in a fresh process (through a wrapper that measures it)."""
    cmd = [sys.executable, __file__, "--child", sys.executable, "-m", "photostyle", *args]
    res = subprocess.run(cmd, capture_output=True, text=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    if out["exit_code"] != 0:
        raise RuntimeError(f"{args}: {res.stderr[-2000:]} {out['log']}")
    return out


def measure(content: Path, style: Path, tmp: Path, tag: str, extra: list[str]) -> dict:
    from photostyle.files.images import load_image, save_image
    from photostyle.imaging.resize import resize
    from photostyle.metrics import structure_ssim
    from photostyle.smoothing.resolution import DEFAULT_WORK_PIXELS, work_scale

    out = tmp / f"{tag}.png"
    r = run(["transfer", str(content), str(style), "-o", str(out), *extra])
    c, res = load_image(content), load_image(out)
    scale = work_scale(c.shape[:2], DEFAULT_WORK_PIXELS)
    c_work = resize(c, scale.work)
    small_in, small_out = tmp / f"{tag}_work_in.png", tmp / f"{tag}_work_out.png"
    save_image(small_in, c_work)
    r_work = run(["transfer", str(small_in), str(style), "-o", str(small_out), *extra])
    ref = load_image(small_out)
    down = resize(res, scale.work)
    mse = float(np.mean((down - ref) ** 2))
    r.pop("log")
    return {
        **r,
        "size": [c.shape[1], c.shape[0]],
        "megapixels": c.shape[0] * c.shape[1] / 1e6,
        "work_size": [scale.work[1], scale.work[0]],
        "work_seconds": r_work["seconds"],
        "consistency_db": 10 * np.log10(1 / max(mse, 1e-12)),
        "grad_ssim_full": structure_ssim(c, res),
        "grad_ssim_work": structure_ssim(load_image(small_in), ref),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="two real photos and 12 MP only")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="photostyle_highres_"))
    real = REAL[:2] if args.quick else REAL
    ups = {12: UPSCALED[12][:1]} if args.quick else UPSCALED
    cases = [(DATA / "highres" / f, STYLES[i % len(STYLES)], False) for i, f in enumerate(real)]
    src = Image.open(DATA / "highres" / "iphone_hdr_YES.jpg")
    for mp, styles in ups.items():
        f = (mp * 1e6 / (src.width * src.height)) ** 0.5
        path = tmp / f"iphone_{mp}mp.jpg"
        src.resize((round(src.width * f), round(src.height * f)), Image.BICUBIC).save(
            path, quality=95
        )
        cases += [(path, s, True) for s in styles]
    rows = []
    for content, s, upscaled in cases:
        style = DATA / "dpst-dev" / "style" / f"{s}.png"
        tag = f"{content.stem}_{s}"
        row = {"content": content.name, "style": s, "upscaled": upscaled}
        row |= measure(content, style, tmp, tag, [])
        if content.name in BASELINE:
            row["baseline"] = measure(content, style, tmp, tag + "_paper", ["--work-mp", "0"])
        rows.append(row)
        keys = ("megapixels", "seconds", "peak_rss_gb", "consistency_db")
        keys += ("grad_ssim_full", "grad_ssim_work")
        print(content.name, s, {k: round(row[k], 3) for k in keys}, flush=True)
        if "baseline" in row:
            print("  baseline", {k: round(row["baseline"][k], 3) for k in keys}, flush=True)
    goals = {
        "consistency_ge_35db_everywhere": all(r["consistency_db"] >= 35 for r in rows),
        "detail_full_ge_work_everywhere": all(
            r["grad_ssim_full"] >= r["grad_ssim_work"] for r in rows
        ),
        "12mp_le_20s_3gb": all(
            r["seconds"] <= 20 and r["peak_rss_gb"] <= 3
            for r in rows
            if round(r["megapixels"]) == 12
        ),
        "24mp_le_40s": all(r["seconds"] <= 40 for r in rows if round(r["megapixels"]) == 24),
        "48mp_within_12gb": all(
            r["peak_rss_gb"] <= 12 for r in rows if round(r["megapixels"]) == 48
        ),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": f"{platform.machine()}, 2-core CPU",
        "command": "photostyle transfer CONTENT STYLE -o OUT.png (defaults: --work-mp 1)",
        "timing": "fresh process per command (cold process, numba kernels cached)",
        "goals": goals,
        "rows": rows,
    }
    (OUT / "highres.json").write_text(json.dumps(result, indent=1))
    plot(rows, OUT / "highres.png")
    print(json.dumps(goals, indent=1))


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
    mp = [r["megapixels"] for r in rows]
    base = [r for r in rows if "baseline" in r]
    for a, key, label in (
        (ax[0], "seconds", "seconds (whole command)"),
        (ax[1], "peak_rss_gb", "peak RSS (GB)"),
        (ax[2], "consistency_db", "scale consistency (dB)"),
    ):
        a.plot(mp, [r[key] for r in rows], "o", label="default (--work-mp 1)")
        a.plot(
            [r["megapixels"] for r in base],
            [r["baseline"][key] for r in base],
            "x",
            label="--work-mp 0 (paper's lam at full size)",
        )
        a.set_xlabel("content megapixels")
        a.set_title(label)
        a.grid(alpha=0.3)
    ax[2].axhline(35, color="grey", ls="--", lw=0.8)
    ax[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
