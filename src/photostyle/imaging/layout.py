"""Array layouts: ``H x W x C`` numpy arrays (images, as files give them) and ``C x H x W``
torch tensors (as the networks and filters take them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def to_chw(
    image: np.ndarray, device: str = "cpu", dtype: torch.dtype | None = None
) -> torch.Tensor:
    """``H x W x C`` array -> ``C x H x W`` tensor on ``device``, in ``dtype`` (default: the
    array's own). The tensor owns its memory (the array is not shared)."""
    import torch

    t = torch.from_numpy(np.array(image.transpose(2, 0, 1), order="C"))
    return t.to(device, dtype) if dtype is not None or device != "cpu" else t


def to_batch(image: np.ndarray) -> torch.Tensor:
    """``H x W x C`` array -> ``1 x C x H x W`` tensor on the CPU (the networks' input)."""
    return to_chw(image)[None]


def to_hwc(tensor: torch.Tensor) -> np.ndarray:
    """``C x H x W`` (or ``1 x C x H x W``) tensor on any device -> ``H x W x C`` array."""
    t = tensor[0] if tensor.ndim == 4 else tensor
    return t.permute(1, 2, 0).cpu().numpy()
