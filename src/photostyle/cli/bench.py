"""``photostyle bench``: time the pipeline on this machine with synthetic photos.

Two procedurally generated images (smooth sky gradient, textured ground, discs; no files
needed) of about ``megapixels`` each are restyled with each smoothing method; the median of
``repeats`` runs is reported per method, after one warm-up run (model loading excluded).
"""

from __future__ import annotations

import statistics
import time

import numpy as np


def synthetic_photo(h: int, w: int, seed: int, warm: bool) -> np.ndarray:
    """A photo-like ``h x w x 3`` float32 image in [0, 1] (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    sky = np.array([0.9, 0.6, 0.3] if warm else [0.4, 0.6, 0.9], np.float32)
    img = sky * (0.6 + 0.4 * (1 - y / h))[..., None]
    horizon = h * (0.55 + 0.05 * np.sin(x / w * 6.0))
    ground = np.array([0.3, 0.45, 0.2], np.float32) + 0.08 * rng.standard_normal((h, w, 3))
    img = np.where((y > horizon)[..., None], ground, img)
    for _ in range(5):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0.03, 0.12) * min(h, w)
        img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.uniform(0.1, 0.9, 3)
    return np.clip(img, 0, 1).astype(np.float32)


def run_bench(
    megapixels: float = 0.3,
    methods: tuple[str, ...] = ("exact", "guided", "none"),
    repeats: int = 3,
    device: str = "auto",
) -> dict:
    """Median seconds of ``transfer`` per smoothing method on a synthetic pair (3:2 aspect)."""
    from photostyle.device import resolve_device
    from photostyle.options import TransferOptions
    from photostyle.pipeline import transfer

    if megapixels <= 0 or repeats < 1:
        raise ValueError(f"need megapixels > 0 and repeats >= 1, got {megapixels}, {repeats}")
    w = max(16, round((megapixels * 1e6 * 1.5) ** 0.5))
    h = max(16, round(w / 1.5))
    content = synthetic_photo(h, w, 0, warm=False)
    style = synthetic_photo(h, w, 1, warm=True)
    out: dict = {"size": [w, h], "device": resolve_device(device), "seconds": {}}
    options = TransferOptions(device=device)
    transfer(content[:64, :96], style[:64, :96], options.replace(smoothing="guided"))  # warm-up
    for m in methods:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            transfer(content, style, options.replace(smoothing=m))
            times.append(time.perf_counter() - t0)
        out["seconds"][m] = statistics.median(times)
    return out
