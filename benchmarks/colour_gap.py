"""The colour-distance goal of issue 30: how far a distribution match after the grade goes.

The default (the grade of :mod:`photostyle.grade` at locality 0.35) is 1.5x further from the
style's colours than Pitie's IDT. This script measures the ways tried to close that gap,
each on the same cached closed-form result ``R`` (``grade_tuning.closed_form``), beside
PCA-KD and IDT in the same run, with the six metrics:

* ``default``: ``grade(R)`` at locality 0.35; ``locality_0.2``: the same at 0.2;
* ``reproject``: ``grade(IDT(grade(R)))``: the grade re-fitted to the graded result after a
  plain IDT (:func:`sliced_transfer`, no regraining) to the style at the grade's fit size;
* ``displace_<b>_<rho>``: ``grade(R)`` at locality ``b`` plus a coarse field (locality 0)
  fitted to the IDT's displacement ``IDT(g) - g`` at the fit size, its gains pulled towards 0
  by the ridge ``rho`` (only the displacement is re-fitted, so the grade's own maps stay).

The peer ``idt`` is ``python-color-transfer``'s, with regraining, as in ``quality.py``. Writes
``benchmarks/results/colour_gap.json``: per set, means and worst pairs, and each method's
goals against the peers.

    python benchmarks/colour_gap.py [--sets pairs-wide,dpst-dev] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grade_tuning import closed_form  # noqa: E402
from quality import DATA, HIGHER_IS_BETTER, OUT, idt, pairs, peer, score  # noqa: E402

from photostyle import grade as G  # noqa: E402
from photostyle.files.images import load_image  # noqa: E402
from photostyle.photowct.vgg import VGGEncoder  # noqa: E402

#: (base locality, ridge of the displacement field) of the ``displace`` variants.
DISPLACE = ((0.2, 0.3), (0.35, 0.3))


def sliced_transfer(image: np.ndarray, style: np.ndarray, iters: int = 10) -> np.ndarray:
    """Pitie's IDT without regraining, in float: ``iters`` random (seeded) rotations of RGB,
    each axis of ``image`` mapped onto the style's by matching 256 quantiles (linear beyond
    the ends). ``image``, ``style``: ``H x W x 3`` float32; returns ``image``'s shape, float32,
    unclipped (a displacement is taken from it)."""
    rng = np.random.default_rng(0)
    x = image.reshape(-1, 3).astype(np.float64)
    y = style.reshape(-1, 3).astype(np.float64)
    q = (np.arange(256) + 0.5) / 256
    for _ in range(iters):
        rot, _r = np.linalg.qr(rng.standard_normal((3, 3)))
        xp, yp = x @ rot, y @ rot
        for j in range(3):
            kx, ky = np.quantile(xp[:, j], q), np.quantile(yp[:, j], q)
            v = xp[:, j]
            xp[:, j] = np.interp(v, kx, ky) + np.minimum(v - kx[0], 0) + np.maximum(v - kx[-1], 0)
        x = xp @ rot.T
    return x.reshape(image.shape).astype(np.float32)


def displacement(c: np.ndarray, mats: G.Materials, d_small: np.ndarray, rho: float) -> np.ndarray:
    """A locality-0 field fitted to the displacement ``d_small`` (fit size) with its gains
    pulled to 0 by ``rho``: the field of ``c + d`` (ridge towards the identity) minus ``c``."""
    saved, G.RIDGE = G.RIDGE, rho
    try:
        cs = mats.content_small
        maps = G.fit_field(cs, cs + d_small, mats.small, G.node_spacing(0.0))
    finally:
        G.RIDGE = saved
    return G.apply_field(c, mats.full, maps, clip=False) - c


def variants(c: np.ndarray, s: np.ndarray, r: np.ndarray) -> dict:
    mats = G.content_materials(c)
    style_small = G.fit_size(s)
    out = {"default": G.grade(c, r, 0.35, materials=mats)}
    out["locality_0.2"] = G.grade(c, r, 0.2, materials=mats)
    moved = {}
    for base in sorted({b for b, _ in DISPLACE} | {0.35}):
        g = out["default"] if base == 0.35 else out[f"locality_{base:g}"]
        gs = G.fit_size(g)
        moved[base] = (gs, sliced_transfer(gs, style_small))
    gs, ts = moved[0.35]
    out["reproject"] = G.grade(c, ts, 0.35, materials=mats)
    for base, rho in DISPLACE:
        g = out["default"] if base == 0.35 else out[f"locality_{base:g}"]
        gs, ts = moved[base]
        d = displacement(c, mats, ts - gs, rho)
        out[f"displace_{base:g}_{rho:g}"] = np.clip(g + d, 0, 1).astype(np.float32)
    return out


def summarise(rows: dict) -> dict:
    first = rows[next(iter(rows))]
    mean = {m: {k: float(np.mean([rows[p][m][k] for p in rows])) for k in first[m]} for m in first}
    worst = {
        m: {
            k: float((min if k in HIGHER_IS_BETTER else max)(rows[p][m][k] for p in rows))
            for k in first[m]
        }
        for m in first
    }
    goals = {}
    for m in first:
        if m in ("pcakd", "idt"):
            continue
        mm, pk, it = mean[m], mean["pcakd"], mean["idt"]
        goals[m] = {
            "painting_mean_le_pcakd": mm["painting"] <= pk["painting"],
            "painting_worst_le_pcakd": worst[m]["painting"] <= worst["pcakd"]["painting"],
            "colour_le_idt": mm["swd_lab"] <= it["swd_lab"],
            "gram_le_pcakd": mm["gram"] <= pk["gram"],
            "structure_ge_pcakd": mm["structure_ssim"] >= pk["structure_ssim"],
            "grain_mean_le_1": mm["grain_gain"] <= 1.0,
            "grain_worst_le_2": worst[m]["grain_gain"] <= 2.0,
        }
    return {"pairs": len(rows), "mean": mean, "worst": worst, "goals": goals, "per_pair": rows}


def run_set(set_name: str, enc: VGGEncoder, limit: int | None) -> dict:
    rows = {}
    for pid, cp, sp, _ in pairs(set_name)[:limit]:
        c, s = load_image(cp), load_image(sp)
        outs = {"pcakd": peer(set_name, pid, c), "idt": idt(c, s)}
        outs |= variants(c, s, closed_form(pid, c, s, set_name))
        rows[pid] = {k: score(c, s, o, enc) for k, o in outs.items()}
        print(set_name, pid, {k: round(v["swd_lab"], 2) for k, v in rows[pid].items()}, flush=True)
    return summarise(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="pairs-wide,dpst-dev")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", default="colour_gap.json")
    args = ap.parse_args()
    enc = VGGEncoder()
    res = {"data": str(DATA), "sets": {}}
    for set_name in args.sets.split(","):
        res["sets"][set_name] = run_set(set_name, enc, args.limit)
        for m, v in res["sets"][set_name]["mean"].items():
            w = res["sets"][set_name]["worst"][m]
            cells = " ".join(f"{k[:6]}={x:.3f}/{w[k]:.2f}" for k, x in v.items())
            print(f"{set_name:10s} {m:20s}", cells)
    (OUT / args.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
