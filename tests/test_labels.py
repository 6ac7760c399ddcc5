import numpy as np
import pytest
from PIL import Image

from photostyle.files.images import ImageError
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


def _scene(rng, sky_rgb, ground_rgb, sky_on_top=True, h=64, w=80):
    """Smooth 'sky' half and a noisy textured 'ground' half."""
    img = np.empty((h, w, 3), np.float32)
    sky = np.array(sky_rgb, np.float32) + np.linspace(0, 0.1, h // 2)[:, None, None]
    ground = np.array(ground_rgb, np.float32) + 0.25 * rng.standard_normal((h // 2, w, 3))
    top, bottom = (sky, ground) if sky_on_top else (ground, sky)
    img[: h // 2] = top if top.shape[1] == w else np.broadcast_to(top, (h // 2, w, 3))
    img[h // 2 :] = bottom if bottom.shape[1] == w else np.broadcast_to(bottom, (h // 2, w, 3))
    return np.clip(img, 0, 1)


def test_auto_labels_match_similar_content(rng):
    import torch

    from photostyle.labels import auto_labels
    from photostyle.photowct.vgg import VGGEncoder

    enc = VGGEncoder()
    content = _scene(rng, (0.4, 0.6, 0.9), (0.2, 0.5, 0.2))
    style = _scene(rng, (0.9, 0.5, 0.3), (0.4, 0.3, 0.1), sky_on_top=False)  # other colours
    with torch.no_grad():
        feats = [
            enc(torch.from_numpy(a.transpose(2, 0, 1).copy())[None], 4).features[0].numpy()
            for a in (content, style)
        ]
    lc, ls = auto_labels(*feats, content, style, k=2)
    assert lc.shape == (64, 80) and ls.shape == (64, 80) and lc.dtype == np.int32
    sky_c = np.bincount(lc[4:28].ravel()).argmax()
    ground_c = np.bincount(lc[36:60].ravel()).argmax()
    assert sky_c != ground_c
    assert np.bincount(ls[36:60].ravel()).argmax() == sky_c  # the style's sky is at the bottom
    assert np.bincount(ls[4:28].ravel()).argmax() == ground_c
    again = auto_labels(*feats, content, style, k=2)
    assert np.array_equal(again[0], lc) and np.array_equal(again[1], ls)
    chosen = auto_labels(*feats, content, style)  # K chosen automatically
    assert chosen[0].max() >= 1
    one = auto_labels(*feats, content, style, k=1)
    assert one[0].max() == 0 and one[1].max() == 0
    with pytest.raises(ValueError, match=">= 1"):
        auto_labels(*feats, content, style, k=0)


def test_auto_labels_in_pipeline_and_cli(untrained, rng, tmp_path):
    import photostyle.pipeline as pipeline
    from photostyle.cli.app import normalise_args

    c = _scene(rng, (0.4, 0.6, 0.9), (0.2, 0.5, 0.2))
    s = _scene(rng, (0.9, 0.5, 0.3), (0.4, 0.3, 0.1))
    report: dict = {}
    out = pipeline.transfer(c, s, auto_labels=2, smoothing=None, report=report)
    assert out.shape == c.shape and report["auto_labels"] == 2
    z = np.zeros((64, 80), int)
    with pytest.raises(ValueError, match="not both"):
        pipeline.transfer(c, s, auto_labels=True, content_labels=z, style_labels=z)
    with pytest.raises(ValueError, match=">= 1"):
        pipeline.transfer(c, s, auto_labels=0)
    assert normalise_args(["a", "--auto-labels"]) == ["a", "--auto-labels", "auto"]
    assert normalise_args(["--auto-labels", "--verbose"])[:2] == ["--auto-labels", "auto"]
    assert normalise_args(["--auto-labels", "3", "x"]) == ["--auto-labels", "3", "x"]
    assert normalise_args(["--ray", "p.csv"]) == ["--ray", "local", "p.csv"]
    assert normalise_args(["--ray", "ray://h:10001"]) == ["--ray", "ray://h:10001"]


def test_auto_labels_on_dpst_photo_pair(dpst):
    import torch

    from photostyle.files.images import load_image, resize_float
    from photostyle.labels import auto_labels
    from photostyle.photowct.vgg import VGGEncoder

    enc = VGGEncoder()
    imgs = [
        resize_float(load_image(dpst / sub / "03.png"), (256, 160)) for sub in ("content", "style")
    ]
    with torch.no_grad():
        feats = [
            enc(torch.from_numpy(a.transpose(2, 0, 1).copy())[None], 4).features[0].numpy()
            for a in imgs
        ]
    lc, ls = auto_labels(*feats, *imgs)
    k = max(lc.max(), ls.max()) + 1
    assert 2 <= k <= 6
    # every label covers a real part of both photos (the choice rule)
    for lab in range(k):
        assert (lc == lab).mean() > 0.01 and (ls == lab).mean() > 0.01
    # the sky (top rows of both city photos) gets the same label
    assert np.bincount(lc[:20].ravel()).argmax() == np.bincount(ls[:20].ravel()).argmax()
