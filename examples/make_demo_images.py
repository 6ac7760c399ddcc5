"""Prepare the demo inputs in OUT: the content photo and a crude "stylized" version of it.

The stylized image mimics what the stylization step (F1) hands to the smoothing step (F2):
the colours of the style photo (here: a per-channel histogram match of the content to
``rocket.jpg``) plus the blocky artefacts a decoder leaves (8x8 block noise). Smoothing
must keep the new colours and remove the artefacts.
"""

import argparse
from pathlib import Path

import numpy as np

from photostyle.files.images import load_image, save_image

HERE = Path(__file__).resolve().parent / "images"


def match_histograms(src: np.ndarray, ref: np.ndarray) -> np.ndarray:
    out = np.empty_like(src)
    for c in range(3):
        s_sorted = np.sort(src[:, :, c].ravel())
        r_sorted = np.sort(ref[:, :, c].ravel())
        ranks = np.searchsorted(s_sorted, src[:, :, c].ravel()) / max(s_sorted.size - 1, 1)
        out[:, :, c] = np.interp(ranks, np.linspace(0, 1, r_sorted.size), r_sorted).reshape(
            src.shape[:2]
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("out"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    content = load_image(HERE / "coffee.png")
    style = load_image(HERE / "rocket.jpg")
    rng = np.random.default_rng(0)
    h, w = content.shape[:2]
    blocks = rng.normal(0, 0.06, ((h + 7) // 8, (w + 7) // 8, 3))
    noise = np.kron(blocks, np.ones((8, 8, 1)))[:h, :w]
    stylized = np.clip(match_histograms(content, style) + noise, 0, 1)
    save_image(args.out / "demo_content.png", content)
    save_image(args.out / "demo_style.png", style)
    save_image(args.out / "demo_stylized.png", stylized)
    print(f"wrote demo inputs to {args.out}/")


if __name__ == "__main__":
    main()
