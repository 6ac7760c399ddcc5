"""8-bit dithering (serpentine Floyd-Steinberg), checked against a plain Python reference."""

import numpy as np
import pytest
from PIL import Image

from photostyle.files.dither import dither_to_uint8
from photostyle.files.images import save_image


def reference(image: np.ndarray) -> np.ndarray:
    """Textbook serpentine Floyd-Steinberg on a full float error image (slow, independent)."""
    e = np.clip(image.astype(np.float64), 0, 1) * 255
    h, w, c = e.shape
    out = np.zeros((h, w, c), np.uint8)
    for k in range(c):
        for y in range(h):
            xs = range(w) if y % 2 == 0 else range(w - 1, -1, -1)
            step = 1 if y % 2 == 0 else -1
            for x in xs:
                q = min(max(np.floor(e[y, x, k] + 0.5), 0), 255)
                out[y, x, k] = q
                d = e[y, x, k] - q
                for dy, dx, wgt in ((0, step, 7), (1, -step, 3), (1, 0, 5), (1, step, 1)):
                    if 0 <= y + dy < h and 0 <= x + dx < w:
                        e[y + dy, x + dx, k] += d * wgt / 16
    return out


def test_matches_the_reference(rng):
    a = rng.random((23, 31, 3)).astype(np.float32)
    a[3:6] = 1.2  # out of range: clipped
    got, ref = dither_to_uint8(a), reference(a)
    assert got.dtype == np.uint8 and got.shape == a.shape
    assert np.abs(got.astype(int) - ref).max() <= 1  # float32 vs float64 error sums
    assert (got != ref).mean() < 0.01


def test_keeps_the_local_mean_of_a_gradient_finer_than_one_level():
    """A ramp over 3 levels across 1200 pixels: rounding bands it (box means off by up to 0.5
    level), dithering keeps every 12 x 12 box within 0.1 level of the float mean."""
    ramp = np.linspace(100 / 255, 103 / 255, 1200, dtype=np.float32)
    img = np.repeat(np.tile(ramp, (96, 1))[:, :, None], 3, 2)
    box = lambda a: a.reshape(8, 12, 100, 12, 3).mean((1, 3))  # noqa: E731
    truth = box(img * 255)
    rounded = np.floor(img * 255 + 0.5)
    dithered = dither_to_uint8(img).astype(np.float32)
    assert np.abs(box(rounded) - truth).max() > 0.4
    assert np.abs(box(dithered) - truth).max() < 0.1
    assert np.abs(dithered - img * 255).max() <= 1.0 + 1e-4  # never more than one level off


def test_values_on_the_8bit_grid_are_kept(rng):
    u8 = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    assert np.array_equal(dither_to_uint8(u8.astype(np.float32) / 255), u8)
    grey = rng.random((20, 30)).astype(np.float32)
    assert dither_to_uint8(grey).shape == (20, 30)
    with pytest.raises(ValueError, match="H x W"):
        dither_to_uint8(np.zeros(5, np.float32))


def test_save_image_dithers_floats_unless_asked_not_to(tmp_path):
    ramp = np.repeat(np.linspace(0.4, 0.41, 512, dtype=np.float32)[None, :, None], 3, 2)
    img = np.repeat(ramp, 16, 0)
    save_image(tmp_path / "d.png", img)
    save_image(tmp_path / "r.png", img, dither=False)
    d = np.asarray(Image.open(tmp_path / "d.png"))
    r = np.asarray(Image.open(tmp_path / "r.png"))
    assert np.array_equal(r, np.floor(img * 255 + 0.5).astype(np.uint8))
    assert np.array_equal(d, dither_to_uint8(img))
    assert len(np.unique(d[:, :8, 0])) == 2  # the first steps are mixed, not banded
