"""A refactor changes no pixel: transfers of fixed pairs, saved and compared across two trees.

Runs four modes on 5 dpst-dev and 5 pairs-wide pairs (``../shared/data``):

* ``default``: the shipped defaults;
* ``guided``: guided-filter smoothing;
* ``paper``: the paper's plain F1 -> F2 (no colour fix, no detail match, no noise bound,
  full size with the paper's lambda);
* ``masked``: dpst-dev with its colour-coded masks, pairs-wide with automatic labels.

Usage, once per tree (the script works on trees from before and after the options object)::

    python benchmarks/refactor_check.py --out /tmp/before      # on the old tree
    python benchmarks/refactor_check.py --out /tmp/after --compare /tmp/before

``--compare`` prints and writes (``--json``) the largest absolute difference per case; it
exits 1 when any case differs by more than ``--tol`` (default 0: bit-identical).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
DPST = ("03", "15", "27", "39", "51")
WIDE = (0, 6, 23, 37, 54)
MODES = ("default", "guided", "paper", "masked")


def cases() -> list[tuple[str, Path, Path, tuple[Path, Path] | None]]:
    """``(name, content, style, masks or None)`` for every pair."""
    d = DATA / "dpst-dev"
    out = [
        (
            f"dpst{n}",
            d / "content" / f"{n}.png",
            d / "style" / f"{n}.png",
            (d / "content_seg" / f"{n}.png", d / "style_seg" / f"{n}.png"),
        )
        for n in DPST
    ]
    with open(DATA / "pairs-wide" / "pairs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    base = DATA / "pairs-wide"
    for i in WIDE:
        r = rows[i]
        out.append((f"wide{i:02d}", base / r["content"], base / r["style"], None))
    return out


def mode_kwargs(mode: str, masks: tuple[Path, Path] | None) -> dict:
    """The settings of one mode as the keyword names both API generations understand."""
    if mode == "guided":
        return {"smoothing": "guided"}
    if mode == "paper":
        return {"colour_fix": False, "detail_match": False, "noise_aware": False, "work_mp": 0}
    if mode == "masked":
        if masks is None:
            return {"auto_labels": True}
        return {"content_labels": masks[0], "style_labels": masks[1]}
    return {}


def run_one(content: Path, style: Path, kwargs: dict) -> np.ndarray:
    """One transfer, with the options object when the tree has it, else the old keywords."""
    from photostyle.files.images import load_image

    kwargs = dict(kwargs)
    labels = {k: kwargs.pop(k) for k in ("content_labels", "style_labels") if k in kwargs}
    c, s = load_image(content), load_image(style)
    try:
        from photostyle.options import TransferOptions
    except ImportError:  # the tree before the options object
        from photostyle.pipeline import transfer

        if "work_mp" in kwargs:
            kwargs["work_pixels"] = kwargs.pop("work_mp") * 1e6
        return np.asarray(transfer(c, s, **kwargs, **labels), np.float32)
    from photostyle.pipeline import transfer

    return transfer(c, s, TransferOptions(**kwargs), **labels).image


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for this tree's results")
    ap.add_argument("--compare", type=Path, help="folder of the other tree's results")
    ap.add_argument("--tol", type=float, default=0.0, help="largest accepted difference")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/refactor_check.json")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    import photostyle

    print(f"photostyle from {Path(photostyle.__file__).parent}", file=sys.stderr)
    diffs: dict[str, float] = {}
    for name, content, style, masks in cases():
        for mode in MODES:
            key = f"{name}_{mode}"
            out = run_one(content, style, mode_kwargs(mode, masks))
            np.save(args.out / f"{key}.npy", out)
            if args.compare is not None:
                ref = np.load(args.compare / f"{key}.npy")
                diffs[key] = float(np.abs(out - ref).max()) if ref.shape == out.shape else np.inf
                print(f"{key}: max |diff| {diffs[key]:.3g}", file=sys.stderr)
            else:
                print(f"{key}: {out.shape}", file=sys.stderr)
    if args.compare is None:
        return 0
    worst = max(diffs.values())
    identical = sum(v == 0 for v in diffs.values())
    summary = {
        "cases": len(diffs),
        "bit_identical": identical,
        "max_abs_diff": worst,
        "tol": args.tol,
        "diffs": diffs,
    }
    args.json.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"{identical}/{len(diffs)} bit-identical, largest difference {worst:.3g}")
    return 0 if worst <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())
