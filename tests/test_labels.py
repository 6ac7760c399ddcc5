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
    from typer.testing import CliRunner

    import photostyle.pipeline as pipeline
    from photostyle.cli.app import app
    from photostyle.files.images import save_image
    from photostyle.options import TransferOptions

    c = _scene(rng, (0.4, 0.6, 0.9), (0.2, 0.5, 0.2))
    s = _scene(rng, (0.9, 0.5, 0.3), (0.4, 0.3, 0.1))
    r = pipeline.transfer(c, s, TransferOptions(auto_labels=2, smoothing=None), model=untrained)
    assert r.image.shape == c.shape and r.auto_labels == 2
    z = np.zeros((64, 80), int)
    with pytest.raises(ValueError, match="not both"):
        opts = TransferOptions(auto_labels=True)
        pipeline.transfer(c, s, opts, content_labels=z, style_labels=z, model=untrained)
    with pytest.raises(ValueError, match="1..32"):
        TransferOptions(auto_labels=0)
    save_image(tmp_path / "c.png", c)
    save_image(tmp_path / "s.png", s)
    args = ["transfer", str(tmp_path / "c.png"), str(tmp_path / "s.png"), "--smoothing", "none"]
    for flags, count in ((["--auto-labels"], None), (["--label-count", "3"], "3")):
        res = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "o.png"), *flags, "--verbose"])
        assert res.exit_code == 0, res.output
        assert "automatic labels: " + (count or "") in res.output
    res = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "x.png"), "--label-count", "99"])
    assert res.exit_code == 2 and "1..32" in res.output
    assert not (tmp_path / "x.png").exists()


def test_auto_labels_on_dpst_photo_pair(dpst):
    import torch

    from photostyle.files.images import load_image
    from photostyle.imaging.resize import resize
    from photostyle.labels import auto_labels
    from photostyle.photowct.vgg import VGGEncoder

    enc = VGGEncoder()
    imgs = [resize(load_image(dpst / sub / "03.png"), (160, 256)) for sub in ("content", "style")]
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
