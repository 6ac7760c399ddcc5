"""Write a side-by-side PNG of several images (same height), e.g. content | stylized | result."""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from photostyle.files.images import load_image, save_image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("images", nargs="+", type=Path)
    ap.add_argument("-o", "--out", type=Path, required=True)
    args = ap.parse_args()
    imgs = [load_image(p) for p in args.images]
    h = min(i.shape[0] for i in imgs)
    resized = []
    for im in imgs:
        w = round(im.shape[1] * h / im.shape[0])
        pil = Image.fromarray((im * 255 + 0.5).astype(np.uint8)).resize((w, h), Image.LANCZOS)
        resized.append(np.asarray(pil, dtype=np.float32) / 255)
    gap = np.ones((h, 8, 3), np.float32)
    row = [resized[0]]
    for im in resized[1:]:
        row += [gap, im]
    save_image(args.out, np.concatenate(row, axis=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
