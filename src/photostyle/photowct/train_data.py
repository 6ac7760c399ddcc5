"""Training data for the decoders: photos found and loaded once, random crops drawn from a
seeded generator (so that a resumed run draws the same crops), and the PSNR the runs report."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from photostyle.files.images import ImageError, load_image, to_uint8
from photostyle.files.paths import image_files
from photostyle.photowct.vgg import Encoded, VGGEncoder

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def find_images(dirs: list[str]) -> list[Path]:
    """All ``.jpg``/``.jpeg``/``.png`` files under ``dirs`` (recursively), sorted."""
    files: list[Path] = []
    for d in dirs:
        p = Path(d)
        if not p.is_dir():
            raise ImageError(f"{p}: training data folder not found")
        files += image_files(p, IMAGE_SUFFIXES)
    return sorted(files)


def load_photos(files: list[Path], min_side: int = 0) -> list[np.ndarray]:
    """Load photos as uint8 ``H x W x 3``; unreadable or too small files are skipped (warning)."""
    photos = []
    for f in files:
        try:
            img = load_image(f)
        except ImageError as exc:
            warnings.warn(f"skipping {exc}", stacklevel=2)
            continue
        if min(img.shape[:2]) < min_side:
            warnings.warn(f"skipping {f}: smaller than the crop size {min_side}", stacklevel=2)
            continue
        photos.append(to_uint8(img))
    return photos


def sample_batch(
    photos: list[np.ndarray], rng: np.random.Generator, n: int, crop: int
) -> torch.Tensor:
    """``n`` random ``crop x crop`` crops with random horizontal flips: ``n x 3 x crop x crop``."""
    out = np.empty((n, crop, crop, 3), np.uint8)
    for i in range(n):
        img = photos[rng.integers(len(photos))]
        y = rng.integers(img.shape[0] - crop + 1)
        x = rng.integers(img.shape[1] - crop + 1)
        c = img[y : y + crop, x : x + crop]
        out[i] = c[:, ::-1] if rng.random() < 0.5 else c
    return torch.from_numpy(out).permute(0, 3, 1, 2).float().div_(255.0)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB of two images in [0, 1] (``a`` is clipped first)."""
    mse = F.mse_loss(a.clamp(0, 1), b).item()
    return 10.0 * math.log10(1.0 / max(mse, 1e-12))


class CropSet:
    """A fixed set of random crops with the frozen encoder's output computed once.

    The encoder is frozen, so for a fixed crop its features and pooling indices never change;
    computing them once saves one of the about four encoder passes of a step with the
    perceptual loss. ``images``: ``N x 3 x c x c`` uint8 (CPU); ``features``: ``N x C x h x w``
    float32 (CPU); ``indices[i]``: ``N x C_i x h_i x w_i`` int32 (CPU; the pooling argmax
    positions fit in 32 bits for any crop a CPU can train on). Flips are drawn once, when the
    set is made, since flipping features is not flipping the image for VGG's asymmetric
    kernels.
    """

    def __init__(
        self,
        photos: list[np.ndarray],
        rng: np.random.Generator,
        n: int,
        crop: int,
        encoder: VGGEncoder,
        level: int,
        device: torch.device,
        chunk: int = 32,
    ) -> None:
        self.images = torch.empty((n, 3, crop, crop), dtype=torch.uint8)
        feats, idx = [], []
        with torch.no_grad():
            for s in range(0, n, chunk):
                x = sample_batch(photos, rng, min(chunk, n - s), crop)
                self.images[s : s + len(x)] = x.mul(255).round().to(torch.uint8)
                enc = encoder(x.to(device), level)
                feats.append(enc.features.float().cpu())
                idx.append([i.to(torch.int32).cpu() for i in enc.indices])
                self.sizes = enc.sizes
        self.features = torch.cat(feats)
        self.indices = [torch.cat(parts) for parts in zip(*idx, strict=True)]

    def __len__(self) -> int:
        return len(self.images)

    def batch(
        self, rng: np.random.Generator, n: int, device: torch.device
    ) -> tuple[torch.Tensor, Encoded]:
        """``n`` crops drawn without replacement: ``(x, Encoded)`` on ``device``, x in [0, 1]."""
        sel = torch.from_numpy(rng.choice(len(self), size=n, replace=False))
        x = self.images[sel].to(device).float().div_(255.0)
        enc = Encoded(
            self.features[sel].to(device),
            [i[sel].to(device=device, dtype=torch.int64) for i in self.indices],
            list(self.sizes),
        )
        return x, enc
