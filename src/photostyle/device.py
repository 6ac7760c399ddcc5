"""Device selection: CUDA automatically when present."""

from __future__ import annotations


def resolve_device(device: str = "auto") -> str:
    """Return ``"cuda"`` when ``device="auto"`` and CUDA is present, else ``device`` as given."""
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    return device
