"""Looks (3D LUTs) on dpst-dev: how well a global, smooth LUT fitted to a transfer stylizes.

For each of the 10 pairs: the full default transfer (no labels), then looks applied to the
content: the stylizing fit (:mod:`photostyle.looks.fit`, the default of ``photostyle lut``:
the result's gradients, the style's colours, the matting-Laplacian photorealism term) and the
plain regression of the result's colours (:meth:`photostyle.looks.look.Look.fit` without the style)
with several smoothness weights. Metrics as ``benchmarks/quality.py`` (structure, Gram, colour
distance, affine residual) for the full transfer and for each look, plus the mean CIEDE2000
of the look's image to the full result. Goals (issue 15): affine residual and structure no
worse than the full transfer's, colour distance within 1.25x, Gram within 3 %.

``--parts video`` (on by default): the temporal metric and speed of video looks, see
``benchmarks/video.py`` (added flicker <= 0.5/255 and >= 15 frames/s at 1080p in look mode;
frames mode adds less flicker than the unstabilised per-frame transfer).
Writes ``benchmarks/results/looks.json`` (``looks``: the dpst-dev part, ``video``).
"""

import argparse
import json
import time

import numpy as np
from quality import DPST, OUT, score  # the metrics of benchmarks/quality.py

from photostyle import transfer
from photostyle.files.images import load_image
from photostyle.looks.look import Look
from photostyle.photowct.vgg import VGGEncoder


def stills(weights: list[float], limit: int | None) -> dict:
    """The dpst-dev part: metrics of the full transfer and of each look, per pair and mean."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    enc = VGGEncoder()
    names = sorted(p.stem for p in (DPST / "content").glob("*.png"))[:limit]
    rows = {}
    for n in names:
        c, s = load_image(DPST / "content" / f"{n}.png"), load_image(DPST / "style" / f"{n}.png")
        t0 = time.perf_counter()
        full = transfer(c, s)
        row = {"full": {"seconds": time.perf_counter() - t0, **score(c, s, full, enc)}}
        fits = {f"regression_{w:g}": {"smoothness": w} for w in weights}
        fits["stylizing"] = {"style": s}  # the default of `photostyle lut` / `transfer --lut`
        for key, kw in fits.items():
            t0 = time.perf_counter()
            look = Look.fit(c, full, **kw)
            fit_s = time.perf_counter() - t0
            img = look.apply(c)
            de = float(deltaE_ciede2000(rgb2lab(img), rgb2lab(full)).mean())
            row[key] = {"fit_seconds": fit_s, "ciede2000_to_full": de}
            row[key] |= score(c, s, img, enc)
        rows[n] = row
        print(n, {k: round(v["gram"], 3) for k, v in row.items()}, flush=True)
    keys = list(rows[names[0]])
    mean = {
        k: {m: float(np.mean([rows[n][k][m] for n in names])) for m in rows[names[0]][k]}
        for k in keys
    }
    full = mean["full"]
    goals = {
        k: {
            "affine_le_full": v["affine_residual"] <= full["affine_residual"],
            "structure_ge_full": v["structure_ssim"] >= full["structure_ssim"],
            "colour_le_1.25x_full": v["swd_lab"] <= 1.25 * full["swd_lab"],
            "gram_within_3pct": v["gram"] <= 1.03 * full["gram"],
        }
        for k, v in mean.items()
        if k != "full"
    }
    for k, v in mean.items():
        print(f"{k:14s} " + " ".join(f"{m}={x:.4g}" for m, x in v.items()))
    return {"pairs": names, "mean": mean, "goals": goals, "per_pair": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--smoothness", default="1e-4,1e-3,1e-2")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--parts", default="looks,video", help="comma-separated: looks, video")
    args = ap.parse_args()
    parts = args.parts.split(",")
    result = {}
    if "looks" in parts:
        result["looks"] = stills([float(v) for v in args.smoothness.split(",")], args.limit)
    if "video" in parts:
        from video import temporal

        result["video"] = temporal()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "looks.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v["goals"] for k, v in result.items()}, indent=1))


if __name__ == "__main__":
    main()
