"""The label stages of :func:`photostyle.transfer` and the prepared inputs they share.

Kept beside :mod:`photostyle.pipeline`, which composes them with the other stages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from photostyle.smoothing.resolution import WorkScale


def quiet(message: str, fraction: float | None = None) -> None:
    """The progress callback that reports nothing."""


@dataclass(frozen=True)
class Prepared:
    """The checked inputs of one transfer at the sizes its stages use.

    Images are ``H x W x 3`` float32 in [0, 1] (CPU): ``content`` at full size,
    ``content_work`` at the working size of ``scale``, ``content_small`` and ``style_small``
    at the stylization size, ``style`` at full size. ``labels``: the given label maps (content,
    style) at the stylization sizes, int32, or None.
    """

    content: np.ndarray
    content_work: np.ndarray
    content_small: np.ndarray
    style: np.ndarray
    style_small: np.ndarray
    scale: WorkScale
    labels: tuple[np.ndarray, np.ndarray] | None = None


def given_labels(
    labels: str | os.PathLike | np.ndarray,
    full: tuple[int, int],
    small: tuple[int, int],
    name: str,
) -> np.ndarray:
    """A label map (mask file or ``H x W`` array) checked against its image's size ``full``
    and resized (nearest) to ``small``, the stylization size at which mask files are parsed
    and cleaned. Returns ``small`` int32."""
    from photostyle.imaging.resize import resize
    from photostyle.labels import fit_to, load_labels, mask_to_labels

    if isinstance(labels, str | os.PathLike):
        return load_labels(labels, full, small)
    lab = fit_to(mask_to_labels(np.asarray(labels)), full, name)
    return resize(lab, small, "nearest")


def automatic_labels(
    model: object, p: Prepared, count: bool | int, progress: object
) -> tuple[np.ndarray, np.ndarray] | None:
    """Joint label maps of content and style at the stylization sizes from the model's
    ``relu4_1`` features and the colours (:func:`photostyle.labels.auto_labels`); ``count``:
    ``True`` (chosen from the images) or a number of labels; ``False``: None."""
    if count is False:
        return None
    import torch

    from photostyle.imaging.layout import to_batch
    from photostyle.labels import auto_labels

    progress("automatic labels")
    with torch.no_grad():
        fc, fs = (
            model.encoder(to_batch(a).to(model.device), 4).features[0].cpu().numpy()
            for a in (p.content_small, p.style_small)
        )
    k = None if count is True else int(count)
    return auto_labels(fc, fs, p.content_small, p.style_small, k=k)
