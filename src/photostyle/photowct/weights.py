"""Saving and loading decoder weights (safetensors, shipped inside the package)."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from photostyle.files.images import atomic_write
from photostyle.photowct.decoder import Decoder

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"


def weights_path(level: int) -> Path:
    """Path of the shipped weights of decoder ``level`` (``weights/decoder{level}.safetensors``)."""
    return WEIGHTS_DIR / f"decoder{level}.safetensors"


def save_decoder(decoder: Decoder, path: str | os.PathLike, half: bool = True) -> None:
    """Write decoder weights atomically as safetensors (fp16 when ``half``)."""
    path = Path(path)
    dtype = torch.float16 if half else torch.float32
    state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in decoder.state_dict().items()}
    atomic_write(path, lambda tmp: save_file(state, tmp, metadata={"level": str(decoder.level)}))


def load_decoder(level: int, path: str | os.PathLike | None = None, device: str = "cpu") -> Decoder:
    """Decoder of ``level`` with weights from ``path`` (default: the shipped file), eval mode."""
    path = Path(path) if path is not None else weights_path(level)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: decoder weights for level {level} not found")
    dec = Decoder(level)
    state = {k: v.float() for k, v in load_file(str(path)).items()}
    dec.load_state_dict(state)
    dec.requires_grad_(False)
    return dec.eval().to(device)


def load_decoders(device: str = "cpu", levels: tuple[int, ...] = (1, 2, 3, 4)) -> dict:
    """``{level: Decoder}`` with the weights shipped in ``photostyle/weights`` (no network)."""
    return {lv: load_decoder(lv, device=device) for lv in levels}


def stored_level(path: str | os.PathLike) -> int | None:
    """The decoder level written in a weights file's metadata (None when it has none)."""
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        meta = f.metadata() or {}
    return int(meta["level"]) if "level" in meta else None
