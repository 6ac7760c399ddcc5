"""Decoder training: reconstruct photos from VGG features (resumable, CPU or CUDA).

Loss for decoder ``k`` on a batch of crops ``x`` (RGB in [0, 1]) with ``f = relu{k}_1``::

    L = mean((D(f(x)) - x)^2) + w * mean((f(D(f(x))) - f(x))^2) / mean(f(x)^2)

i.e. L2 pixel loss plus a *relative* perceptual loss at the decoder's own level (weight ``w``,
``--perceptual-weight``; the normalisation makes ``w`` comparable across levels). The encoder
is frozen; the input path runs under ``no_grad``. Optimiser: Adam, cosine learning-rate decay
to 10 % of ``--lr`` over ``--steps``. Random crops and horizontal flips from a seeded generator
whose state is part of the checkpoint, so an interrupted run resumed with ``--resume`` gives
the same weights as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from photostyle.device import resolve_device
from photostyle.files.images import ImageError, atomic_write
from photostyle.imaging.layout import to_batch
from photostyle.photowct.decoder import Decoder, decoder_spec
from photostyle.photowct.train_data import (
    CropSet,
    find_images,
    load_photos,
    psnr,
    sample_batch,
)
from photostyle.photowct.vgg import Encoded, VGGEncoder
from photostyle.photowct.weights import load_decoder, save_decoder, stored_level


@dataclass
class TrainConfig:
    """Settings of one training run (see ``photostyle train --help``)."""

    level: int
    data: list[str]
    out: str
    steps: int = 2000
    batch_size: int = 8
    crop: int = 128
    lr: float = 1e-4
    perceptual_weight: float = 0.0
    head_steps: int = 0
    ckpt_every: int = 50
    seed: int = 0
    init_from: str | None = None
    weights: str | None = None
    val: str | None = None
    val_images: int = 5
    cache_crops: int = 0
    device: str = "auto"


class Trainer:
    """Holds model, optimiser and data for one decoder; ``run()`` trains to ``config.steps``."""

    def __init__(self, config: TrainConfig, resume: bool = False) -> None:
        self.cfg = config
        self.device = resolve_device(config.device)
        torch.manual_seed(config.seed)
        self.out = Path(config.out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.ckpt = self.out.with_suffix(".ckpt")
        self.log = self.out.with_suffix(".log.jsonl")
        self.encoder = VGGEncoder().to(self.device)
        self.decoder = Decoder(config.level).to(self.device)
        self.photos = load_photos(find_images(config.data), min_side=config.crop)
        if not self.photos:
            raise ImageError(f"{config.data}: no usable training photos found")
        self.rng = np.random.default_rng(config.seed)
        self.tail = None
        if config.init_from:
            src = Path(config.init_from)
            level = stored_level(src) or config.level - 1
            self.tail = load_decoder(level, src, device=self.device)
            if level != config.level - 1:
                raise ValueError(f"{src}: --init-from needs a level-{config.level - 1} decoder")
        if resume and self.ckpt.is_file():
            pass
        elif config.weights:
            self.warm_start(Path(config.weights))
        else:
            self.initialise()
        self.opt = torch.optim.Adam(self.decoder.parameters(), lr=config.lr)
        self.step = 0
        if resume and self.ckpt.is_file():
            self._load_checkpoint()
        self.val = load_photos(find_images([config.val]))[: config.val_images] if config.val else []
        self.crops = None
        if config.cache_crops > 0:
            # own generator: the set is the same on every resume, the batch draws continue
            crop_rng = np.random.default_rng([config.seed, 1])
            self.crops = CropSet(self.photos, crop_rng, config.cache_crops, config.crop,
                                 self.encoder, config.level, self.device)  # fmt: skip

    @torch.no_grad()
    def initialise(self) -> None:
        """Data-dependent initialisation.

        The input scale is set to 1/std of the level's features; every hidden convolution
        not taken from ``init_from`` is rescaled to unit output std on a batch (LSUV); the
        last convolution of the head (with a trained tail: fitted to the tail's expected
        input ``relu{k-1}_1 * scale``) or of the whole decoder (fitted to the image) is set
        by ridge regression on its 3x3 input patches.
        """
        x = sample_batch(self.photos, self.rng, self.cfg.batch_size, self.cfg.crop).to(self.device)
        enc = self.encoder(x, self.cfg.level)
        self.decoder.input_scale.fill_(1.0 / enc.features.std().item())
        convs = self.decoder.convs
        n_head = len(convs) - (len(self.tail.convs) if self.tail is not None else 0)
        if self.tail is not None:
            self.decoder.load_tail(self.tail)
            last, target = convs[n_head - 1], self.head_target(x)
        else:
            last, target = convs[-1], x
        captured: dict[str, torch.Tensor] = {}
        for conv in list(convs)[: n_head - 1] if self.tail is not None else list(convs)[:-1]:
            hook = conv.register_forward_hook(lambda m, i, o: captured.__setitem__("o", o))
            self.decoder(enc)
            hook.remove()
            std = captured["o"].std().clamp_min(1e-8)
            conv.weight.div_(std)
            conv.bias.div_(std)
        hook = last.register_forward_hook(lambda m, i, o: captured.__setitem__("i", i[0]))
        self.decoder(enc)
        hook.remove()
        fit_conv_lstsq(last, captured["i"], target)

    @torch.no_grad()
    def warm_start(self, path: Path) -> None:
        """Continue training from weights of the same level (fresh optimiser and schedule)."""
        level = stored_level(path) or self.cfg.level
        if level != self.cfg.level:
            raise ValueError(f"{path}: --weights needs a level-{self.cfg.level} decoder")
        src = load_decoder(level, path, device=self.device)
        self.decoder.load_state_dict(src.state_dict())
        self.decoder.requires_grad_(True)

    def head_target(self, x: torch.Tensor) -> torch.Tensor:
        """What the trained tail expects as input: ``relu{k-1}_1(x) * tail.input_scale``."""
        return self.encoder(x, self.cfg.level - 1).features * self.tail.input_scale

    def _lr(self) -> float:
        t = min(self.step / max(self.cfg.steps, 1), 1.0)
        return self.cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))

    def _load_checkpoint(self) -> None:
        state = torch.load(self.ckpt, map_location=self.device, weights_only=False)
        self.decoder.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optim"])
        self.rng.bit_generator.state = state["np_rng"]
        torch.set_rng_state(state["torch_rng"])
        self.step = state["step"]

    def save_checkpoint(self) -> None:
        """Atomically write the full training state and the fp16 weights-only file."""
        state = {
            "step": self.step,
            "model": self.decoder.state_dict(),
            "optim": self.opt.state_dict(),
            "np_rng": self.rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            "config": asdict(self.cfg),
        }
        atomic_write(self.ckpt, lambda tmp: torch.save(state, tmp))
        save_decoder(self.decoder, self.out)

    def head_loss(self, x: torch.Tensor) -> tuple[torch.Tensor, float]:
        """Blockwise stage: the head (layers before the level-(k-1) tail) reproduces relu{k-1}_1.

        Loss = mean((head(f_k) - f_{k-1})^2) / mean(f_{k-1}^2); returns it and -10 log10 of it.
        """
        from photostyle.photowct.vgg import LEVEL_END

        k = self.cfg.level
        with torch.no_grad():
            low = self.encoder(x, k - 1)
            enc = self.encoder(low.features, k, start=LEVEL_END[k - 1])
            enc.indices = low.indices + enc.indices
            enc.sizes = low.sizes + enc.sizes
        n_tail = len(decoder_spec(k - 1))
        h = self.decoder(enc, stop=len(self.decoder.spec) - n_tail)
        target = low.features * self.tail.input_scale
        rel = F.mse_loss(h, target) / target.pow(2).mean().clamp_min(1e-8)
        return rel, -10 * math.log10(max(rel.item(), 1e-12))

    def loss(self, x: torch.Tensor, enc: Encoded | None = None) -> tuple[torch.Tensor, float]:
        """Training loss of a batch ``B x 3 x H x W`` and its pixel PSNR.

        ``enc``: the encoder's output for ``x`` when already known (a cached crop set).
        """
        if self.step < self.cfg.head_steps:
            return self.head_loss(x)
        if enc is None:
            with torch.no_grad():
                enc = self.encoder(x, self.cfg.level)
        y = self.decoder(enc)
        loss = F.mse_loss(y, x)
        pix = loss.item()
        if self.cfg.perceptual_weight > 0:
            f_out = self.encoder(y, self.cfg.level).features
            denom = enc.features.pow(2).mean().clamp_min(1e-8)
            loss = loss + self.cfg.perceptual_weight * F.mse_loss(f_out, enc.features) / denom
        return loss, 10 * math.log10(1.0 / max(pix, 1e-12))

    @torch.no_grad()
    def validate(self) -> float | None:
        """Mean PSNR (dB) of full-size reconstructions of the validation photos."""
        if not self.val:
            return None
        self.decoder.eval()
        vals = []
        for img in self.val:
            x = to_batch(img).float().div(255).to(self.device)
            vals.append(psnr(self.decoder(self.encoder(x, self.cfg.level)), x))
        self.decoder.train()
        return float(np.mean(vals))

    def run(self, progress: bool = True, stop_at: int | None = None) -> dict:
        """Train until ``config.steps`` (or ``stop_at``, to split a run); checkpoint every
        ``ckpt_every`` steps and at the end."""
        last = min(self.cfg.steps, stop_at) if stop_at is not None else self.cfg.steps
        self.decoder.train()
        bar = tqdm(total=self.cfg.steps, initial=self.step, disable=not progress, unit="it")
        t0, start = time.perf_counter(), self.step
        ema = None
        try:
            while self.step < last:
                for g in self.opt.param_groups:
                    g["lr"] = self._lr()
                loss, p = self.loss(*self.next_batch())
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                self.opt.step()
                self.step += 1
                ema = p if ema is None else 0.95 * ema + 0.05 * p
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.4g}", psnr=f"{ema:.2f}")
                if self.step % self.cfg.ckpt_every == 0 and self.step < self.cfg.steps:
                    self.save_checkpoint()
                    self._log(ema, t0, start)
            self.save_checkpoint()
            self._log(ema, t0, start)
        except KeyboardInterrupt:
            self.save_checkpoint()
            raise
        finally:
            bar.close()
        return {"step": self.step, "train_psnr": ema}

    def next_batch(self) -> tuple[torch.Tensor, Encoded | None]:
        """The next training batch on the device, with its encoding when cached."""
        bs = self.cfg.batch_size
        if self.crops is not None and self.step >= self.cfg.head_steps:
            return self.crops.batch(self.rng, bs, self.device)
        x = sample_batch(self.photos, self.rng, bs, self.cfg.crop)
        return x.to(self.device), None

    def _log(self, ema: float | None, t0: float, start: int) -> None:
        rate = (self.step - start) / max(time.perf_counter() - t0, 1e-9)
        row = {"step": self.step, "train_psnr": ema, "val_psnr": self.validate(), "it_s": rate}
        with open(self.log, "a") as f:
            f.write(json.dumps(row) + "\n")


@torch.no_grad()
def fit_conv_lstsq(
    conv: torch.nn.Conv2d,
    inp: torch.Tensor,
    target: torch.Tensor,
    ridge: float = 1e-8,
    max_rows: int = 200_000,
) -> None:
    """Set a 3x3 ``conv`` (no padding) to the ridge-regression fit ``conv(inp) ~ target``.

    ``inp``: ``B x C x (H+2) x (W+2)`` (already padded), ``target``: ``B x O x H x W``.
    Solves ``(X^T X + ridge * tr(X^T X)/n I) w = X^T y`` in float64 on at most ``max_rows``
    randomly chosen pixels.
    """
    cols = F.unfold(inp, conv.kernel_size).transpose(1, 2).reshape(-1, inp.shape[1] * 9)
    y = target.permute(0, 2, 3, 1).reshape(-1, target.shape[1])
    if cols.shape[0] > max_rows:
        sel = torch.randperm(cols.shape[0], device=cols.device)[:max_rows]
        cols, y = cols[sel], y[sel]
    X = torch.cat([cols, torch.ones_like(cols[:, :1])], 1).double()
    A = X.T @ X
    A += ridge * A.diagonal().mean() * torch.eye(A.shape[0], dtype=A.dtype, device=A.device)
    w = torch.linalg.solve(A, X.T @ y.double())
    conv.weight.copy_(w[:-1].T.reshape(conv.weight.shape))
    conv.bias.copy_(w[-1])
