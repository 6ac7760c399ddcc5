"""Check the soft region weights' width (photostyle.colour.REGION_BLUR) on pairs-wide.

Every third pair of pairs-wide (``--stop`` limits the pairs, default 30: 10 pairs), automatic
labels, the default transfer with the per-label statistics at REGION_BLUR 0.001 / 0.0025 /
0.01 of the long side, and with global statistics (``None``). Cheap metrics of
``benchmarks/quality.py`` (grain gain, structure, affine residual, colour distance). Writes
``benchmarks/results/region_blur_tuning.json``.
"""

import argparse
import json

from quality import OUT, means, pairs

import photostyle.colour as colour
from photostyle import transfer
from photostyle.files.images import load_image
from photostyle.metrics import affine_residual, grain_gain, sliced_wasserstein_lab, structure_ssim


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--stop", type=int, default=30)
    args = ap.parse_args()
    out = {}
    for pid, cp, sp, _ in pairs("pairs-wide")[: args.stop : 3]:
        c, s = load_image(cp), load_image(sp)
        out[pid] = {}
        for blur in (0.001, 0.0025, 0.01, None):
            if blur is None:
                o = transfer(c, s, auto_labels=True, region_stats=False)
            else:
                colour.REGION_BLUR = blur
                o = transfer(c, s, auto_labels=True)
            out[pid][str(blur)] = {
                "grain": grain_gain(c, o),
                "ssim": structure_ssim(c, o),
                "affine": affine_residual(c, o),
                "swd": sliced_wasserstein_lab(o, s),
            }
        print(pid, {k: round(v["affine"], 3) for k, v in out[pid].items()}, flush=True)
    ids = list(out)
    mean = means(out)
    (OUT / "region_blur_tuning.json").write_text(
        json.dumps({"pairs": ids, "mean": mean, "per_pair": out}, indent=1)
    )
    print(json.dumps(mean, indent=1))


if __name__ == "__main__":
    main()
