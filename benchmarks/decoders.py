"""Decoder report: encode -> decode reconstruction quality of the shipped decoders.

PSNR and SSIM per level on all BSDS500 ``val`` photos at full resolution, plus a PNG grid of
a few reconstructions; training cost is read from the training logs when present
(``runs/decoder{k}.log.jsonl``). Writes ``benchmarks/results/decoders.json`` and
``decoders.png``.
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
from photostyle.photowct import VGGEncoder, load_decoder
from photostyle.photowct.weights import weights_path

ROOT = Path(__file__).resolve().parents[1]
VAL = ROOT.parent / "shared" / "data" / "photos" / "bsds500" / "val"
GOALS = {1: 38.0, 2: 32.0, 3: 27.0, 4: 24.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N val photos")
    ap.add_argument("--runs", type=Path, default=ROOT / "runs")
    args = ap.parse_args()
    files = sorted(VAL.glob("*.jpg"))[: args.limit]
    enc = VGGEncoder()
    levels = [lv for lv in (1, 2, 3, 4) if weights_path(lv).is_file()]
    res: dict = {"val_images": len(files), "levels": {}}
    grid_rows = []
    for lv in levels:
        dec = load_decoder(lv)
        psnrs, ssims, recs = [], [], []
        t0 = time.perf_counter()
        for i, f in enumerate(files):
            img = load_image(f)
            x = torch.from_numpy(img.transpose(2, 0, 1).copy())[None]
            with torch.no_grad():
                y = dec(enc(x, lv))[0].clamp(0, 1).permute(1, 2, 0).numpy()
            psnrs.append(10 * math.log10(1 / max(float(np.mean((y - img) ** 2)), 1e-12)))
            ssims.append(structural_similarity(img, y, channel_axis=2, data_range=1.0))
            if i < 4:
                recs.append((img, y))
        row = {
            "psnr_db": float(np.mean(psnrs)),
            "ssim": float(np.mean(ssims)),
            "psnr_goal_db": GOALS[lv],
            "meets_psnr_goal": bool(np.mean(psnrs) >= GOALS[lv]),
            "seconds_per_image": (time.perf_counter() - t0) / max(len(files), 1),
        }
        # one log per training run: decoder{k}.log.jsonl, then warm-started continuations
        # (decoder{k}b.log.jsonl, ...); steps add up
        logs = sorted(args.runs.glob(f"decoder{lv}*.log.jsonl"))
        if logs:
            runs = [[json.loads(x) for x in p.read_text().splitlines() if x] for p in logs]
            row["training_runs_steps"] = [r[-1]["step"] for r in runs if r]
            row["training_steps"] = sum(row["training_runs_steps"])
            rates = [e["it_s"] for r in runs for e in r if e.get("it_s")]
            row["training_it_per_s_cpu"] = float(np.median(rates)) if rates else None
        res["levels"][str(lv)] = row
        print(lv, row, flush=True)
        grid_rows.append(recs)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "decoders.json").write_text(json.dumps(res, indent=2))
    if grid_rows:
        # rows: original, then one row per level; columns: the first val photos
        h = min(r[0].shape[0] for r in grid_rows[0])
        w = min(r[0].shape[1] for r in grid_rows[0])
        rows = [np.concatenate([a[:h, :w] for a, _ in grid_rows[0]], axis=1)]
        rows += [np.concatenate([b[:h, :w] for _, b in recs], axis=1) for recs in grid_rows]
        save_image(out / "decoders.png", np.concatenate(rows, axis=0))


if __name__ == "__main__":
    main()
