import numpy as np
import pytest
from PIL import Image

from photostyle.io import ImageError
from photostyle.labels import PALETTE, fit_to, load_labels, mask_to_labels, match_regions


def test_colour_mask_snaps_and_cleans(rng):
    names = list(PALETTE)
    truth = np.zeros((30, 40), np.int32)
    truth[:, 20:] = names.index("green")
    truth[10:20, 5:15] = names.index("light blue")
    rgb = np.array(list(PALETTE.values()))[truth].astype(np.int16)
    noisy = np.clip(rgb + rng.integers(-30, 31, rgb.shape), 0, 255).astype(np.uint8)
    noisy[5, 5] = (250, 5, 5)  # one isolated red pixel inside black
    labels = mask_to_labels(noisy)
    assert np.array_equal(labels, truth)


def test_index_mask_and_real_dpst_mask(tmp_path, dpst):
    idx = np.zeros((8, 9), np.uint8)
    idx[:, 4:] = 3
    Image.fromarray(idx, "L").save(tmp_path / "i.png")
    assert np.array_equal(load_labels(tmp_path / "i.png", (8, 9)), idx)
    lab = load_labels(dpst / "content_seg" / "27.png", (543, 700))
    ids, counts = np.unique(lab, return_counts=True)
    assert set(ids.tolist()) <= set(range(len(PALETTE)))
    assert counts.min() > 100  # anti-aliasing colours are gone, only real regions remain


def test_size_mismatch_rules(tmp_path):
    lab = np.zeros((100, 150), np.int32)
    assert fit_to(lab, (101, 150)).shape == (101, 150)  # one pixel off: resized
    with pytest.raises(ValueError, match="aspect ratio"):
        fit_to(lab, (150, 100))
    Image.fromarray(lab.astype(np.uint8)).save(tmp_path / "m.png")
    with pytest.raises(ImageError, match="m.png"):
        load_labels(tmp_path / "m.png", (300, 150))


def test_region_rule():
    content = np.array([0] * 500 + [1] * 50 + [2] * 5 + [3] * 40)
    style = np.array([0] * 400 + [1] * 60 + [2] * 100 + [4] * 30)
    plan = match_regions(content, style)
    assert plan.pairs == {0: 0, 1: 1, 2: None, 3: None}
    assert "too small" in plan.fallbacks[2] and "not in the style" in plan.fallbacks[3]
    ratio = match_regions(np.array([0] * 5000 + [1] * 20), np.array([0] * 20 + [1] * 20))
    assert ratio.pairs[0] is None and "ratio" in ratio.fallbacks[0]
