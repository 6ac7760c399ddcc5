"""Synthetic photographs for the core method tests, so that they run without ``../shared``.

A scene is what the smoothing and the colour statistics care about in a photo: a smooth sky
gradient, a horizon with a curved edge, shaded objects with sharp edges, textured ground
(smoothed noise at a few scales), flat windows (where the matting regulariser ``eps``
dominates) and mild sensor noise. Each call with the same arguments gives the same image.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

#: Palettes (sky top, sky bottom, ground, object colours): a daylight scene and a dusk one,
#: so that a content and a style differ in colour as a real pair does.
PALETTES = {
    "day": (
        (0.25, 0.45, 0.85),
        (0.75, 0.85, 0.95),
        (0.35, 0.5, 0.2),
        ((0.8, 0.2, 0.15), (0.9, 0.85, 0.3)),
    ),
    "dusk": (
        (0.15, 0.1, 0.35),
        (0.95, 0.55, 0.3),
        (0.25, 0.15, 0.12),
        ((0.2, 0.6, 0.7), (0.95, 0.9, 0.8)),
    ),
}


def scene(h: int, w: int, seed: int = 0, palette: str = "day", noise: float = 0.01) -> np.ndarray:
    """An ``h x w x 3`` float32 photo-like image in [0, 1] (see the module doc)."""
    rng = np.random.default_rng(seed)
    top, bottom, ground = (np.asarray(c) for c in PALETTES[palette][:3])
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    y, x = rows / max(h, w), cols / max(h, w)
    horizon = 0.55 * h / max(h, w) + 0.05 * np.sin(2 * np.pi * (x * 1.3 + rng.random()))
    t = np.clip(y / np.maximum(horizon, 1e-6), 0, 1)[..., None]
    img = (1 - t) * top + t * bottom
    below = (y > horizon)[..., None]
    texture = sum(gaussian_filter(rng.standard_normal((h, w)), s) * s for s in (1.0, 3.0, 8.0))
    texture = 0.06 * texture / max(np.abs(texture).max(), 1e-9)
    img = np.where(below, ground * (1 + 2 * texture[..., None]), img)
    for k, colour in enumerate(PALETTES[palette][3]):
        cy, cx = rng.uniform(0.3, 0.8) * h, (0.25 + 0.45 * k + rng.uniform(-0.05, 0.05)) * w
        r = rng.uniform(0.12, 0.2) * min(h, w)
        inside = (rows - cy) ** 2 + (cols - cx) ** 2 <= r**2
        shade = np.clip(1.1 - 0.5 * (cols - cx + r) / (2 * r), 0.5, 1.1)  # lit from the left
        img = np.where(inside[..., None], np.asarray(colour) * shade[..., None], img)
    img = img + noise * rng.standard_normal(img.shape)
    return np.clip(img, 0, 1).astype(np.float32)


def stylized(content: np.ndarray, seed: int = 0) -> np.ndarray:
    """What PhotoWCT's output looks like to the smoothing: the content recoloured (channels
    swapped and scaled), with low-frequency colour blotches and fine noise painted in."""
    rng = np.random.default_rng(seed)
    h, w = content.shape[:2]
    sigma = 0.08 * max(h, w)
    blotch = gaussian_filter(rng.standard_normal((h, w, 3)), (sigma, sigma, 0))
    blotch = 0.15 * blotch / max(np.abs(blotch).max(), 1e-9)
    out = 0.8 * content[..., ::-1] + 0.1 + blotch + 0.03 * rng.standard_normal(content.shape)
    return np.clip(out, 0, 1).astype(np.float32)


def pair(h: int = 60, w: int = 80, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A content scene and a stylized-like result of it (:func:`stylized`), both
    ``h x w x 3`` float32 in [0, 1]."""
    content = scene(h, w, seed)
    return content, stylized(content, seed)
