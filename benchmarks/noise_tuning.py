"""Choose the noise limit's constants (photostyle.smoothing.noise) on all 60 pairs-wide pairs.

For each pair the default transfer without the limit (``noise_aware=False``) is computed once;
every variant ``radius / factor k / max gain G`` of :class:`~photostyle.smoothing.noise.NoiseLimit`
is then applied to that result (what ``transfer`` does at these sizes: the working size is
the photo's), and scored with the metrics of ``benchmarks/quality.py`` (grain gain, structure,
affine residual, colour distance, Gram). The radii are in the pairs' own pixels (the scale
is taken in paper mode: 3.3 rounds to 3 px); the shipped constant is at the 0.4 MP reference,
so the default of session 10 (5) is 3 px on these 0.15 MP pairs and today's (3) is 2 px.
Writes ``benchmarks/results/noise_tuning.json``
(per pair and means, resumable: pairs already in the file are kept).
"""

import json

from quality import OUT, means, pairs

from photostyle import metrics, transfer
from photostyle.files.images import load_image
from photostyle.photowct.vgg import VGGEncoder
from photostyle.smoothing.noise import NoiseLimit, noise_variance
from photostyle.smoothing.resolution import work_scale

VARIANTS = [(5, 4, 0.75), (3.3, 4, 0.75), (5, 16, 0.75), (5, 4, 1.0), (5, 4, 0.5)]


def main() -> None:
    path = OUT / "noise_tuning.json"
    out = json.loads(path.read_text())["per_pair"] if path.exists() else {}
    enc = VGGEncoder()
    for pid, cp, sp, _ in pairs("pairs-wide"):
        if pid in out:
            continue
        c, s = load_image(cp), load_image(sp)
        r0 = transfer(c, s, noise_aware=False)
        scale, var = work_scale(c.shape[:2], None), noise_variance(c)
        res = {"none": r0}
        for rad, k, g in VARIANTS:
            lim = NoiseLimit(var, max(1, round(scale.length(rad))), k, g)
            res[f"{rad}/{k}/{g}"] = lim.apply(c, r0)
        out[pid], style_grams = {"variance": var}, metrics.gram_matrices(s, enc)
        for name, o in res.items():
            out[pid][name] = {
                "grain": metrics.grain_gain(c, o),
                "ssim": metrics.structure_ssim(c, o),
                "affine": metrics.affine_residual(c, o),
                "swd": metrics.sliced_wasserstein_lab(o, s),
                "gram": metrics.gram_distance(o, s, enc, style_grams),
            }
        print(pid, {n: round(v["grain"], 2) for n, v in out[pid].items() if n != "variance"})
        path.write_text(json.dumps({"per_pair": out}, indent=1))
    ids = list(out)
    mean = means(out)
    names = list(mean)
    worst = {n: sorted(((out[i][n]["grain"], i) for i in ids), reverse=True)[:5] for n in names}
    path.write_text(
        json.dumps(
            {"pairs": len(ids), "mean": mean, "worst_grain": worst, "per_pair": out}, indent=1
        )
    )
    for n in names:
        print(f"{n:12s}", " ".join(f"{m}={x:.4f}" for m, x in mean[n].items()))


if __name__ == "__main__":
    main()
