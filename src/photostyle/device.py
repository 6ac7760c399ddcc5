"""Device selection: CUDA automatically when present; a CUDA device asked for by name must
exist (checked before any work, with a one-line reason)."""

from __future__ import annotations


def resolve_device(device: str = "auto") -> str:
    """Return ``"cuda"`` when ``device="auto"`` and CUDA is present, else ``device`` as given.

    Raises ``ValueError`` (one line) for an unknown name and for a CUDA device this machine
    does not have (torch built without CUDA, no driver, or an index past the last device)."""
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    if device != "cpu":
        check_cuda(device)
    return device


def check_cuda(device: str) -> None:
    """``ValueError`` unless ``device`` (``cuda`` or ``cuda:N``) is a CUDA device here."""
    import torch

    index = device.partition(":")[2]
    if not torch.cuda.is_available():
        why = "torch is built without CUDA" if torch.version.cuda is None else "no CUDA device"
        raise ValueError(f"device {device}: not available on this machine ({why}); use auto or cpu")
    count = torch.cuda.device_count()
    if index and (not index.isdigit() or int(index) >= count):
        raise ValueError(f"device {device}: this machine has CUDA devices 0..{count - 1}")
