"""Quality and speed of photostyle on two sets, beside two peers, in one run.

Sets (``../shared/data``):

* ``pairs-wide``: 60 arbitrary BSDS500 pairs (no masks), where every constant is chosen;
* ``dpst-dev``: the 10 pairs of Luan et al. with colour-coded masks and published results
  (``dpst``, read from disk): the check set.

Methods: ``ours_nolabels_exact`` (the default: the closed form, then the colour grade of
:mod:`photostyle.grade`), ``ours_nolabels_per_pixel`` (the same at locality 1: the closed-form
result per pixel, the default before the grade), the peers ``pcakd`` (PCA-KD, Chiu and
Gurari 2022: the shared results, read from disk, no timing) and ``idt`` (Pitie et al. 2007,
IDT with regraining, from ``python-color-transfer``); on dpst-dev also the masked transfers
``ours_masks_exact`` (default), ``ours_masks_exact_global`` (global statistics) and
``ours_masks_per_pixel``.

Metrics (:mod:`photostyle.metrics`): structure SSIM (content vs output, higher better), Gram
distance and Lab sliced Wasserstein (``swd_lab``, the colour distance; output vs style, lower
better), affine residual, grain gain (1 = the content's own grain), painting residual (0 = a
per-material colour grade of the content), seconds per pair (model loaded). Per set: means,
the worst pairs of each method by each metric, the issue's goals against the peers, and
contact sheets of every pair at full size (content | style | ours | ours per pixel | PCA-KD |
IDT), ten pairs a sheet. With masks, ``region_colour``: for every content label with a style
partner, the colour distance of its region to the partner region, default vs global
statistics. Writes ``benchmarks/results/quality.json`` and ``quality_{set}_{n}.jpg``.
Run on a quiet machine: timings are wall clock.
"""

import argparse
import csv
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from photostyle import TransferOptions, transfer
from photostyle.cli.webapp import side_by_side
from photostyle.files.images import load_image
from photostyle.metrics import (
    affine_residual,
    grain_gain,
    gram_distance,
    gram_matrices,
    painting_residual,
    sliced_wasserstein_lab,
    structure_ssim,
)
from photostyle.photowct.vgg import VGGEncoder

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "results"
PER_PIXEL = TransferOptions(locality=1.0)
DEFAULT = "ours_nolabels_exact"
BASELINE = "ours_nolabels_per_pixel"
PEERS = ("pcakd", "idt")
HIGHER_IS_BETTER = {"structure_ssim"}
#: Pairs per contact sheet.
SHEET_ROWS = 10


def methods(set_name: str, pid: str, masks: tuple[Path, Path] | None) -> dict:
    out = {
        DEFAULT: lambda c, s: transfer(c, s).image,
        BASELINE: lambda c, s: transfer(c, s, PER_PIXEL).image,
        "pcakd": lambda c, s: peer(set_name, pid, c),
        "idt": idt,
    }
    if masks is not None:
        lab = {"content_labels": masks[0], "style_labels": masks[1]}
        glob = TransferOptions(region_stats=False)
        out["ours_masks_exact"] = lambda c, s: transfer(c, s, **lab).image
        out["ours_masks_exact_global"] = lambda c, s: transfer(c, s, glob, **lab).image
        out["ours_masks_per_pixel"] = lambda c, s: transfer(c, s, PER_PIXEL, **lab).image
    return out


_STYLE_GRAMS: dict = {}


def score(c: np.ndarray, s: np.ndarray, out: np.ndarray, enc: VGGEncoder) -> dict:
    """The metrics of ``out`` (the style's Gram matrices kept for the next call with ``s``)."""
    if _STYLE_GRAMS.get("style") is not s:
        _STYLE_GRAMS.update(style=s, grams=gram_matrices(s, enc))
    return {
        "structure_ssim": structure_ssim(c, out),
        "gram": gram_distance(out, s, enc, _STYLE_GRAMS["grams"]),
        "swd_lab": sliced_wasserstein_lab(out, s),
        "affine_residual": affine_residual(c, out),
        "grain_gain": grain_gain(c, out),
        "painting": painting_residual(c, out),
    }


def idt(content: np.ndarray, style: np.ndarray) -> np.ndarray:
    """Pitie et al.'s iterative distribution transfer with regraining (CVIU 2007), from the
    ``python-color-transfer`` package (8-bit BGR in and out; its random rotations seeded)."""
    from python_color_transfer.color_transfer import ColorTransfer

    np.random.seed(0)
    bgr = [np.round(a[..., ::-1] * 255).astype(np.uint8) for a in (content, style)]
    out = ColorTransfer().pdf_transfer(img_arr_in=bgr[0], img_arr_ref=bgr[1], regrain=True)
    return out[..., ::-1].astype(np.float32) / 255


def peer(set_name: str, pid: str, content: np.ndarray) -> np.ndarray:
    """PCA-KD's result for a pair (``../shared/data/<set>/peers/pcakd``), checked against
    the content's size."""
    out = load_image(DATA / set_name / "peers" / "pcakd" / f"{pid}.png")
    if out.shape != content.shape:
        raise ValueError(f"PCA-KD result {pid}: {out.shape} against content {content.shape}")
    return out


def pairs(set_name: str) -> list[tuple[str, Path, Path, tuple[Path, Path] | None]]:
    """``(id, content, style, masks or None)`` of a set."""
    if set_name == "dpst-dev":
        d = DATA / "dpst-dev"
        return [
            (
                p.stem,
                p,
                d / "style" / p.name,
                (d / "content_seg" / p.name, d / "style_seg" / p.name),
            )
            for p in sorted((d / "content").glob("*.png"))
        ]
    d = DATA / "pairs-wide"
    with open(d / "pairs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return [(Path(r["output"]).stem, d / r["content"], d / r["style"], None) for r in rows]


def region_colour(c_out: dict, masks: tuple[Path, Path], c: np.ndarray, s: np.ndarray) -> dict:
    """Per partnered label: colour distance of the output region to the style's partner
    region, for the default and for global statistics."""
    from photostyle.colour import _regions
    from photostyle.labels import load_labels

    lc, ls = load_labels(masks[0], c.shape[:2]), load_labels(masks[1], s.shape[:2])
    partners, li, lr = _regions((lc, ls), c.shape[:2], s.shape[:2])
    ref = s.reshape(-1, 3)
    out = {}
    for lab, slab in partners.items():
        target = ref[lr == slab][:, None]
        out[str(lab)] = {
            k: sliced_wasserstein_lab(c_out[k].reshape(-1, 3)[li == lab][:, None], target)
            for k in ("ours_masks_exact", "ours_masks_exact_global")
        }
    return out


def run_set(set_name: str, enc: VGGEncoder, limit: int | None, chosen: list | None) -> dict:
    per_pair, sheet, regions = {}, {}, {}
    for pid, cp, sp, masks in pairs(set_name)[:limit]:
        c, s = load_image(cp), load_image(sp)
        row: dict = {"size": list(c.shape[:2])}
        outs = {}
        for m, fn in methods(set_name, pid, masks).items():
            if chosen and m not in chosen and m not in (DEFAULT, BASELINE, *PEERS):
                continue
            t0 = time.perf_counter()
            outs[m] = fn(c, s)
            seconds = {} if m == "pcakd" else {"seconds": time.perf_counter() - t0}
            row[m] = {**seconds, **score(c, s, outs[m], enc)}
        if masks is not None:
            row["dpst"] = score(c, s, load_image(DATA / "dpst-dev" / "dpst_result" / cp.name), enc)
            if "ours_masks_exact_global" in outs:
                regions[pid] = region_colour(outs, masks, c, s)
        sheet[pid] = side_by_side(
            [c, s, *(outs[m] for m in (DEFAULT, BASELINE, *PEERS))], c.shape[0]
        )
        per_pair[pid] = row
        print(
            set_name,
            pid,
            {m: round(v["painting"], 2) for m, v in row.items() if isinstance(v, dict)},
            flush=True,
        )  # noqa: E501
    return summarise(set_name, per_pair, sheet, regions)


def means(per_pair: dict) -> dict:
    """``{method: {metric: mean over the pairs}}`` of ``per_pair`` (``{pair: {method: {metric:
    value}}}``), for the methods every pair has (entries that are not a method's metrics, a
    number, are skipped)."""
    ids = list(per_pair)
    first = per_pair[ids[0]]
    names = [k for k in first if all(isinstance(per_pair[i].get(k), dict) for i in ids)]
    return {
        k: {m: float(np.mean([per_pair[i][k][m] for i in ids])) for m in first[k]} for k in names
    }


def summarise(set_name: str, per_pair: dict, sheet: dict, regions: dict) -> dict:
    ids = list(per_pair)
    mean = means(per_pair)
    worst: dict = {}
    for k in (DEFAULT, BASELINE, *PEERS):
        worst[k] = {}
        for m in per_pair[ids[0]][k]:
            order = sorted(ids, key=lambda i: per_pair[i][k][m], reverse=m not in HIGHER_IS_BETTER)
            worst[k][m] = [[i, round(per_pair[i][k][m], 4)] for i in order[:5]]
    for n in range(0, len(ids), SHEET_ROWS):
        rows = [sheet[i] for i in ids[n : n + SHEET_ROWS]]
        contact_sheet(rows, OUT / f"quality_{set_name}_{n // SHEET_ROWS + 1}.jpg")
    d, pk, it = mean[DEFAULT], mean["pcakd"], mean["idt"]
    worst_of = lambda k, m: worst[k][m][0][1]  # noqa: E731
    goals = {
        "painting_mean_le_pcakd": d["painting"] <= pk["painting"],
        "painting_worst_le_pcakd": worst_of(DEFAULT, "painting") <= worst_of("pcakd", "painting"),
        "colour_le_idt": d["swd_lab"] <= it["swd_lab"],
        "gram_le_pcakd": d["gram"] <= pk["gram"],
        "structure_ge_pcakd": d["structure_ssim"] >= pk["structure_ssim"],
        "structure_ge_idt (stretch)": d["structure_ssim"] >= it["structure_ssim"],
        "grain_mean_le_1": d["grain_gain"] <= 1.0,
        "grain_worst_le_2": worst_of(DEFAULT, "grain_gain") <= 2.0,
        "speed_no_slower": d["seconds"] <= mean[BASELINE]["seconds"],
    }
    out = {"pairs": ids, "mean": mean, "worst": worst, "goals": goals, "per_pair": per_pair}
    if regions:
        closer = [
            v["ours_masks_exact"] < v["ours_masks_exact_global"]
            for r in regions.values()
            for v in r.values()
        ]
        out["region_colour"] = regions
        out["regions_closer"] = f"{sum(closer)} of {len(closer)}"
    return out


def contact_sheet(rows: list[np.ndarray], path: Path) -> None:
    """Rows of tiles (already joined side by side), padded to one width, stacked."""
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    Image.fromarray(np.concatenate(rows)).save(path, quality=88)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sets", default="dpst-dev,pairs-wide", help="comma-separated sets")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pairs of a set")
    ap.add_argument("--methods", default=None, help="comma-separated subset of the methods")
    ap.add_argument("--out", default="quality.json", help="JSON file name in results/")
    args = ap.parse_args()
    enc = VGGEncoder()
    transfer(np.zeros((32, 32, 3), np.float32), np.zeros((32, 32, 3), np.float32))  # load model
    chosen = args.methods.split(",") if args.methods else None
    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "date": time.strftime("%Y-%m-%d"),
        "sets": {},
    }
    for set_name in args.sets.split(","):
        result["sets"][set_name] = run_set(set_name, enc, args.limit, chosen)
        (OUT / args.out).write_text(json.dumps(result, indent=1))
    for set_name, r in result["sets"].items():
        print(f"== {set_name}")
        for k, v in r["mean"].items():
            print(f"{k:26s} " + " ".join(f"{m}={x:.4g}" for m, x in v.items()))
        print(json.dumps(r["goals"]), r.get("regions_closer", ""))


if __name__ == "__main__":
    main()
