"""Quality and speed of photostyle on the 10 dpst-dev pairs, against DPST and a colour baseline.

Methods (all on the full-size content, ~700x460):

* ``ours_masks_exact``  : transfer with the published masks and the defaults: exact smoothing,
  colour fix and detail match (guided preview, global colour map and detail gains to the
  style, then one exact smoothing)
* ``ours_masks_exact_colour``: same with the colour fix only (no detail match)
* ``ours_masks_exact_nofix``: neither fix (the paper's plain F1 -> F2)
* ``ours_masks_guided`` : masks, guided-filter smoothing (with both fixes)
* ``ours_masks_none``   : masks, no smoothing, no fixes (stylization upsampled)
* ``ours_auto_exact``   : automatic labels instead of masks, exact smoothing
* ``ours_nolabels_exact``: no labels at all, exact smoothing (shows what automatic labels add)
* ``dpst``              : the published results of Luan et al. (read from disk, no timing)
* ``color_matcher_mkl`` : classical colour transfer (``color-matcher`` package, MKL)

Metrics (see :mod:`photostyle.metrics`): structure SSIM (content vs output, higher better),
Gram distance and Lab sliced Wasserstein (output vs style, lower better), affine residual
(lower = more photorealistic), seconds per pair (end to end, model already loaded).
``--max-sides`` adds a sweep of the stylization resolution (masks + exact) used to choose the
default ``max_side``. Writes ``benchmarks/results/quality.json`` and ``quality_sheet.png``
(content | style | ours | DPST). Run on a quiet machine: timings are wall clock.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from photostyle import transfer
from photostyle.cli.webapp import side_by_side
from photostyle.files.images import load_image, save_image
from photostyle.metrics import (
    affine_residual,
    gram_distance,
    sliced_wasserstein_lab,
    structure_ssim,
)
from photostyle.photowct.vgg import VGGEncoder

ROOT = Path(__file__).resolve().parents[1]
DPST = ROOT.parent / "shared" / "data" / "dpst-dev"
OUT = ROOT / "benchmarks" / "results"


def color_matcher_mkl(content: np.ndarray, style: np.ndarray) -> np.ndarray:
    from color_matcher import ColorMatcher

    out = ColorMatcher().transfer(
        src=content.astype(np.float64), ref=style.astype(np.float64), method="mkl"
    )
    return np.clip(out, 0, 1).astype(np.float32)


def methods(masks: tuple[Path, Path]) -> dict:
    cm, sm = masks
    lab = {"content_labels": cm, "style_labels": sm}
    nofix = {"colour_fix": False, "detail_match": False}
    return {
        "ours_masks_exact": lambda c, s: transfer(c, s, smoothing="exact", **lab),
        "ours_masks_exact_colour": lambda c, s: transfer(c, s, detail_match=False, **lab),
        "ours_masks_exact_nofix": lambda c, s: transfer(c, s, **nofix, **lab),
        "ours_masks_guided": lambda c, s: transfer(c, s, smoothing="guided", **lab),
        "ours_masks_none": lambda c, s: transfer(c, s, smoothing=None, **nofix, **lab),
        "ours_auto_exact": lambda c, s: transfer(c, s, smoothing="exact", auto_labels=True),
        "ours_nolabels_exact": lambda c, s: transfer(c, s, smoothing="exact"),
        "color_matcher_mkl": color_matcher_mkl,
    }


def score(c: np.ndarray, s: np.ndarray, out: np.ndarray, enc: VGGEncoder) -> dict:
    return {
        "structure_ssim": structure_ssim(c, out),
        "gram": gram_distance(out, s, enc),
        "swd_lab": sliced_wasserstein_lab(out, s),
        "affine_residual": affine_residual(c, out),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--limit", type=int, default=None, help="only the first N pairs")
    ap.add_argument("--methods", default=None, help="comma-separated subset of the methods")
    ap.add_argument("--out", default="quality.json", help="JSON file name in results/")
    ap.add_argument(
        "--max-sides", default="", help="comma list for the max_side sweep, e.g. 256,384,512,700"
    )
    ap.add_argument("--save-outputs", type=Path, default=None, help="folder for all result images")
    args = ap.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    names = sorted(p.stem for p in (DPST / "content").glob("*.png"))[: args.limit]
    enc = VGGEncoder()
    transfer(np.zeros((32, 32, 3), np.float32), np.zeros((32, 32, 3), np.float32))  # load models
    chosen = args.methods.split(",") if args.methods else None
    per_pair: dict = {}
    sheet_rows = []
    for n in names:
        c, s = load_image(DPST / "content" / f"{n}.png"), load_image(DPST / "style" / f"{n}.png")
        masks = (DPST / "content_seg" / f"{n}.png", DPST / "style_seg" / f"{n}.png")
        row: dict = {"size": list(c.shape[:2])}
        outs = {}
        for m, fn in methods(masks).items():
            if chosen and m not in chosen:
                continue
            t0 = time.perf_counter()
            outs[m] = fn(c, s)
            row[m] = {"seconds": time.perf_counter() - t0, **score(c, s, outs[m], enc)}
        dpst = load_image(DPST / "dpst_result" / f"{n}.png")
        row["dpst"] = score(c, s, dpst, enc)
        for ms in [int(v) for v in args.max_sides.split(",") if v]:
            t0 = time.perf_counter()
            o = transfer(
                c, s, smoothing="exact", max_side=ms, content_labels=masks[0], style_labels=masks[1]
            )
            row[f"max_side_{ms}"] = {"seconds": time.perf_counter() - t0, **score(c, s, o, enc)}
        per_pair[n] = row
        if args.save_outputs:
            args.save_outputs.mkdir(parents=True, exist_ok=True)
            for m, o in outs.items():
                save_image(args.save_outputs / f"{n}_{m}.png", o)
        sheet_rows.append([c, s, outs["ours_masks_exact"], dpst])
        print(
            n, {m: round(v["gram"], 3) for m, v in row.items() if isinstance(v, dict)}, flush=True
        )
    keys = [k for k in per_pair[names[0]] if isinstance(per_pair[names[0]][k], dict)]
    mean = {
        k: {
            metric: float(np.mean([per_pair[n][k][metric] for n in names]))
            for metric in per_pair[names[0]][k]
        }
        for k in keys
    }
    ours, dp = mean["ours_masks_exact"], mean["dpst"]
    goals = {
        "structure_better_than_dpst": ours["structure_ssim"] > dp["structure_ssim"],
        "affine_residual_better_than_dpst": ours["affine_residual"] < dp["affine_residual"],
        "colour_distance_better_than_dpst": ours["swd_lab"] < dp["swd_lab"],
        "gram_within_10pct_of_dpst": ours["gram"] <= 1.10 * dp["gram"],
        "seconds_per_pair_le_10": ours["seconds"] <= 10.0,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "pairs": names,
        "mean": mean,
        "goals": goals,
        "per_pair": per_pair,
    }
    (OUT / args.out).write_text(json.dumps(result, indent=1))
    if args.out == "quality.json":
        contact_sheet(sheet_rows, OUT / "quality_sheet.png")
    for k, v in mean.items():
        print(f"{k:22s} " + " ".join(f"{m}={x:.4g}" for m, x in v.items()))
    print(json.dumps(goals, indent=1))


def contact_sheet(rows: list[list[np.ndarray]], path: Path, height: int = 160) -> None:
    """Rows of images (content | style | ours | DPST), each scaled to ``height`` pixels."""
    out_rows = [side_by_side(imgs, height) for imgs in rows]
    width = max(r.shape[1] for r in out_rows)
    out_rows = [
        np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in out_rows
    ]
    Image.fromarray(np.concatenate(out_rows)).save(path)


if __name__ == "__main__":
    main()
