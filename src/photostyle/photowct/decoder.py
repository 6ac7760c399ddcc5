"""PhotoWCT decoders: mirrors of the VGG-19 encoder with max-unpooling.

The decoder of level ``k`` reverses the encoder prefix up to relu{k}_1: every 3x3 convolution
``in -> out`` becomes a 3x3 convolution ``out -> in`` (reflection padding, ReLU except on the
final RGB layer) and every 2x2 max-pool becomes a max-unpool driven by the encoder's pooling
indices (the PhotoWCT change that keeps edges in place). Decoder ``k-1`` is exactly the tail
of decoder ``k``, which lets a deeper decoder start from a trained shallower one.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from photostyle.photowct.vgg import LEVEL_END, VGG_LAYERS, Encoded


def decoder_spec(level: int) -> list[tuple]:
    """Layer list of decoder ``level``: ``("conv", in, out)`` or ``("unpool", pool_index)``."""
    if level not in LEVEL_END:
        raise ValueError(f"level must be 1..4, got {level}")
    spec, pool = [], 0
    for kind, _name, *ch in VGG_LAYERS[: LEVEL_END[level]]:
        if kind == "conv":
            spec.append(("conv", ch[1], ch[0]))
        else:
            spec.append(("unpool", pool))
            pool += 1
    return spec[::-1]


class Decoder(nn.Module):
    """Decoder for relu{level}_1 features -> RGB image (one class for all four levels).

    Input: :class:`Encoded` with ``features`` ``B x C x h x w`` and the encoder's pooling
    indices. Output: ``B x 3 x H x W`` float, nominally in [0, 1] (not clipped), where
    ``H x W`` is the encoder's input size (odd sizes included).
    """

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level
        self.spec = decoder_spec(level)
        # Fixed input scale (1 / typical feature magnitude, set from data before training) so
        # that every layer works on O(1) values and one learning rate suits all layers.
        self.register_buffer("input_scale", torch.ones(()))
        self.convs = nn.ModuleList(
            nn.Conv2d(cin, cout, 3)
            for kind, *ch in self.spec
            if kind == "conv"
            for cin, cout in [ch]
        )

    def forward(self, enc: Encoded, stop: int | None = None) -> torch.Tensor:
        """Decode ``enc.features`` using ``enc.indices`` / ``enc.sizes`` for unpooling.

        ``stop``: run only the first ``stop`` layers of ``self.spec`` (blockwise training).
        """
        x = enc.features * self.input_scale
        n_conv = len(self.convs)
        ci = 0
        for kind, *arg in self.spec[:stop]:
            if kind == "conv":
                x = self.convs[ci](F.pad(x, (1, 1, 1, 1), mode="reflect"))
                ci += 1
                if ci < n_conv:
                    x = F.relu(x)
            else:
                p = arg[0]
                x = F.max_unpool2d(x, enc.indices[p], 2, 2, output_size=enc.sizes[p])
        return x

    def load_tail(self, shallower: Decoder) -> None:
        """Initialise this decoder's last layers from a trained decoder of a lower level.

        The tail then expects ``relu{k-1}_1 * shallower.input_scale`` from the head.
        """
        if shallower.level >= self.level:
            raise ValueError("load_tail needs a decoder of a lower level")
        k = len(shallower.convs)
        for dst, src in zip(self.convs[-k:], shallower.convs, strict=True):
            dst.load_state_dict(src.state_dict())
