"""Multi-level PhotoWCT stylization (Li et al. 2018, section 3.1).

For level 4, 3, 2, 1 (deepest first): encode the current image to relu{k}_1, apply the
whitening-colouring transform towards the style's relu{k}_1 statistics, decode with the
level-k decoder (max-unpooling with the encoder's own pooling indices, so edges stay where
they are). The output of one level is the input of the next.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from photostyle.defaults import MIN_SIDE
from photostyle.imaging.resize import resize
from photostyle.labels import match_regions
from photostyle.photowct.decoder import Decoder
from photostyle.photowct.vgg import Encoded, VGGEncoder
from photostyle.photowct.wct import wct


class PhotoWCT:
    """Encoder plus decoders; ``stylize(content, style)`` runs the multi-level transform.

    Args:
        decoders: ``{level: Decoder}`` (e.g. from :func:`photostyle.photowct.load_decoders`).
        device: torch device for all computation.
    """

    def __init__(self, decoders: dict[int, Decoder], device: str = "cpu") -> None:
        self.device = device
        self.encoder = VGGEncoder().to(device)
        self.decoders = {lv: d.to(device).eval() for lv, d in decoders.items()}

    @torch.no_grad()
    def stylize(
        self,
        content: torch.Tensor,
        style: torch.Tensor,
        levels: tuple[int, ...] = (4, 3, 2, 1),
        alpha: float = 1.0,
        progress: Callable[[str], None] | None = None,
        content_labels: np.ndarray | None = None,
        style_labels: np.ndarray | None = None,
        report: dict | None = None,
    ) -> torch.Tensor:
        """Stylize ``content`` (1 x 3 x H x W, RGB in [0, 1]) with ``style`` (1 x 3 x h x w).

        ``content_labels`` / ``style_labels``: optional ``H x W`` / ``h x w`` int label maps
        (same sizes as the images); each content region is transformed towards the style
        region of the same label, following :func:`photostyle.labels.match_regions`.
        ``report`` receives ``{level: {label: fallback reason}}``.

        Returns ``1 x 3 x H x W`` float in [0, 1] on ``self.device``.
        """
        if (content_labels is None) != (style_labels is None):
            raise ValueError("give both content and style label maps, or neither")
        for name, t in (("content", content), ("style", style)):
            if t.ndim != 4 or t.shape[:2] != (1, 3) or min(t.shape[-2:]) < MIN_SIDE:
                raise ValueError(
                    f"{name} must be 1 x 3 x H x W with H, W >= {MIN_SIDE}, got {tuple(t.shape)}"
                )
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        labels = None if content_labels is None else (content_labels, style_labels)
        return self.stylize_checked(content, style, alpha, labels, progress, report, levels)

    @torch.no_grad()
    def stylize_checked(
        self, content: torch.Tensor, style: torch.Tensor, alpha: float, labels: tuple | None,
        progress: Callable[[str], None] | None, report: dict | None, levels: tuple = (4, 3, 2, 1),
    ) -> torch.Tensor:  # fmt: skip
        """:meth:`stylize` for inputs checked where they entered (:func:`photostyle.transfer`):
        nothing is checked again here. ``labels``: ``(content_labels, style_labels)`` or None."""
        content_labels, style_labels = labels if labels is not None else (None, None)
        x = content.to(self.device, torch.float32)
        style_feats = self.encoder.features(style.to(self.device, torch.float32), tuple(levels))
        for lv in levels:
            if progress:
                progress(f"stylize level {lv}")
            ec = self.encoder(x, lv)
            fs = style_feats[lv]
            fs_hw = fs.shape[-2:]
            c = ec.features.shape[1]
            fc, fs = ec.features.reshape(c, -1), fs.reshape(c, -1)
            if content_labels is None:
                f = wct(fc, fs, alpha=alpha)
            else:
                lc = resize(content_labels, tuple(ec.features.shape[-2:]), "nearest").ravel()
                ls = resize(style_labels, tuple(fs_hw), "nearest").ravel()
                plan = match_regions(lc, ls)
                if report is not None:
                    report[lv] = plan.fallbacks
                f = fc.clone()
                for lab, slab in plan.pairs.items():
                    ic = torch.from_numpy(np.flatnonzero(lc == lab)).to(fc.device)
                    sel = torch.from_numpy(np.flatnonzero(ls == slab)).to(fs.device)
                    src = fs if slab is None else fs[:, sel]
                    f[:, ic] = wct(fc[:, ic], src, alpha=alpha)
            out = self.decoders[lv](Encoded(f.reshape(ec.features.shape), ec.indices, ec.sizes))
            x = out.clamp(0.0, 1.0)
        return x
