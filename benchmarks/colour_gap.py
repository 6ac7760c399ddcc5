"""The colour-distance goal of issue 30: the palette match and the alternatives measured.

Each variant grades the same cached closed-form result ``R`` (``grade_tuning.closed_form``,
the transfer at locality 1), beside PCA-KD and IDT in the same run, with the six metrics:

* ``grade_0.35``: the grade alone at locality 0.35 with unfiltered memberships (the default
  before the palette match); ``grade_0.35_match``, ``grade_0.2_match``: the same plus the
  palette match (:mod:`photostyle.palette`) at its locality;
* ``guided_0.2_match``: memberships filtered by the content (``GUIDE_RADIUS`` 4) plus the
  match at 0.2, the shipped default; ``guided2_0.2_match``: radius 2;
* ``reproject_0.35``: the grade re-fitted to ``IDT(grade(R))`` (the graded result after a
  plain distribution transfer), instead of fitting the displacement with its gains held down.

Writes ``benchmarks/results/colour_gap.json``: per set, means and worst pairs, and each
method's goals against the peers.

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
from photostyle import materials as M  # noqa: E402
from photostyle.files.images import load_image  # noqa: E402
from photostyle.palette import displacement, match_palette  # noqa: E402
from photostyle.photowct.vgg import VGGEncoder  # noqa: E402

#: name -> (membership filter radius, locality, palette match)
VARIANTS = {
    "grade_0.35": (0, 0.35, False),
    "grade_0.35_match": (0, 0.35, True),
    "grade_0.2_match": (0, 0.2, True),
    "guided_0.2_match": (4, 0.2, True),
    "guided2_0.2_match": (2, 0.2, True),
}


def variants(c: np.ndarray, s: np.ndarray, r: np.ndarray) -> dict:
    out, mats = {}, {}
    saved = M.GUIDE_RADIUS
    try:
        for name, (radius, loc, match) in VARIANTS.items():
            M.GUIDE_RADIUS = radius
            if radius not in mats:  # the content's side, once per filter radius
                mats[radius] = M.content_materials(c)
            m = mats[radius]
            maps = G.grade_maps(r, loc, m)
            out[name] = G.apply_field(c, m.full, match_palette(maps, s, loc, m) if match else maps)
            if name == "grade_0.35":
                gs = M.fit_size(out[name])
                target = np.clip(gs + displacement(gs, M.fit_size(s)), 0, 1)
                out["reproject_0.35"] = G.grade(c, target, loc, materials=m)
    finally:
        M.GUIDE_RADIUS = saved
    return out


def summarise(rows: dict) -> dict:
    first = rows[next(iter(rows))]
    pick = lambda k: min if k in HIGHER_IS_BETTER else max  # noqa: E731
    mean = {m: {k: float(np.mean([rows[p][m][k] for p in rows])) for k in first[m]} for m in first}
    worst = {m: {k: float(pick(k)(rows[p][m][k] for p in rows)) for k in first[m]} for m in first}
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
    res = {"data": str(DATA), "limit": args.limit, "sets": {}}
    for set_name in args.sets.split(","):
        res["sets"][set_name] = run_set(set_name, enc, args.limit)
        for m, v in res["sets"][set_name]["mean"].items():
            w = res["sets"][set_name]["worst"][m]
            cells = " ".join(f"{k[:6]}={x:.3f}/{w[k]:.2f}" for k, x in v.items())
            print(f"{set_name:10s} {m:20s}", cells)
    (OUT / args.out).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
