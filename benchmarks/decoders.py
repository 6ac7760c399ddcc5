"""Decoder report: encode -> decode reconstruction quality of the shipped decoders.

PSNR, SSIM and a perceptual distance (:func:`photostyle.metrics.perceptual_distance`, LPIPS
without learned weights) per level on all BSDS500 ``val`` photos at full resolution, plus a PNG
grid of a few reconstructions; training cost is read from the training logs when present
(``runs/decoder{k}*.log.jsonl``). ``--candidate runs/decoder4p.safetensors`` scores a newly
trained decoder beside the shipped one of its level, in the same run (``candidates`` in the
JSON). Writes ``benchmarks/results/decoders.json`` (``--out``) and ``decoders.png``.
"""

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from skimage.metrics import structural_similarity

from photostyle.files.images import load_image, save_image
from photostyle.metrics import perceptual_distance
from photostyle.photowct import VGGEncoder, load_decoder
from photostyle.photowct.weights import stored_level, weights_path

ROOT = Path(__file__).resolve().parents[1]
VAL = ROOT.parent / "shared" / "data" / "photos" / "bsds500" / "val"
GOALS = {1: 38.0, 2: 32.0, 3: 27.0, 4: 24.0}


def evaluate(dec: torch.nn.Module, level: int, files: list[Path], enc: VGGEncoder) -> tuple:
    """Mean PSNR, SSIM and perceptual distance of ``dec``'s reconstructions of ``files``
    (full size), the seconds per image, and the first four (original, reconstruction) pairs."""
    psnrs, ssims, percs, recs = [], [], [], []
    t0 = time.perf_counter()
    for i, f in enumerate(files):
        img = load_image(f)
        x = torch.from_numpy(img.transpose(2, 0, 1).copy())[None]
        with torch.no_grad():
            y = dec(enc(x, level))[0].clamp(0, 1).permute(1, 2, 0).numpy()
        psnrs.append(10 * math.log10(1 / max(float(np.mean((y - img) ** 2)), 1e-12)))
        ssims.append(structural_similarity(img, y, channel_axis=2, data_range=1.0))
        percs.append(perceptual_distance(y, img, enc))  # no autograd: _features is no_grad
        if i < 4:
            recs.append((img, y))
    row = {
        "psnr_db": float(np.mean(psnrs)),
        "ssim": float(np.mean(ssims)),
        "perceptual": float(np.mean(percs)),
        "psnr_goal_db": GOALS[level],
        "meets_psnr_goal": bool(np.mean(psnrs) >= GOALS[level]),
        "seconds_per_image": (time.perf_counter() - t0) / max(len(files), 1),
    }
    return row, recs


def training_cost(logs: list[Path]) -> dict:
    """Steps and median CPU rate from training logs, one per run (``decoder{k}.log.jsonl``,
    then warm-started continuations ``decoder{k}b.log.jsonl``, ...); steps add up."""
    if not logs:
        return {}
    runs_ = [[json.loads(x) for x in p.read_text().splitlines() if x] for p in logs]
    rates = [e["it_s"] for r in runs_ for e in r if e.get("it_s")]
    steps = [r[-1]["step"] for r in runs_ if r]
    return {
        "training_runs_steps": steps,
        "training_steps": sum(steps),
        "training_it_per_s_cpu": float(np.median(rates)) if rates else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N val photos")
    ap.add_argument("--runs", type=Path, default=ROOT / "runs")
    ap.add_argument("--levels", default="1,2,3,4", help="comma-separated levels to score")
    ap.add_argument(
        "--candidate",
        type=Path,
        action="append",
        default=[],
        help="a trained decoder to score beside the shipped one of its level",
    )
    ap.add_argument("--out", default="decoders.json", help="JSON file name in results/")
    args = ap.parse_args()
    files = sorted(VAL.glob("*.jpg"))[: args.limit]
    enc = VGGEncoder()
    levels = [int(v) for v in args.levels.split(",") if weights_path(int(v)).is_file()]
    res: dict = {"val_images": len(files), "levels": {}, "candidates": {}}
    grid_rows = []
    for lv in levels:
        row, recs = evaluate(load_decoder(lv), lv, files, enc)
        # the shipped decoder's runs: decoder{k}.log.jsonl and continuations decoder{k}b, c, ...
        logs = sorted(args.runs.glob(f"decoder{lv}.log.jsonl"))
        logs += sorted(args.runs.glob(f"decoder{lv}[b-o].log.jsonl"))
        res["levels"][str(lv)] = {**row, **training_cost(logs)}
        print(lv, res["levels"][str(lv)], flush=True)
        grid_rows.append(recs)
    for path in args.candidate:
        lv = stored_level(path)
        row, recs = evaluate(load_decoder(lv, path), lv, files, enc)
        name = path.name.removesuffix(".safetensors")
        cost = training_cost([p for p in [path.with_suffix(".log.jsonl")] if p.is_file()])
        res["candidates"][name] = {"level": lv, "file": str(path), **row, **cost}
        print(name, res["candidates"][name], flush=True)
        grid_rows.append(recs)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / args.out).write_text(json.dumps(res, indent=2))
    if grid_rows:
        # rows: original, then one row per decoder scored; columns: the first val photos
        h = min(r[0].shape[0] for r in grid_rows[0])
        w = min(r[0].shape[1] for r in grid_rows[0])
        rows = [np.concatenate([a[:h, :w] for a, _ in grid_rows[0]], axis=1)]
        rows += [np.concatenate([b[:h, :w] for _, b in recs], axis=1) for recs in grid_rows]
        save_image(out / args.out.replace(".json", ".png"), np.concatenate(rows, axis=0))


if __name__ == "__main__":
    main()
