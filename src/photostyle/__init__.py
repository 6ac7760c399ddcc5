"""photostyle: photorealistic style transfer (Li et al., ECCV 2018, "FastPhotoStyle").

The public names are imported on first use (PEP 562), so that ``import photostyle`` and the
command line's ``--help`` do not pay for torch and numba.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "ImageError": "photostyle.files.images",
    "load_image": "photostyle.files.images",
    "save_image": "photostyle.files.images",
    "resolve_device": "photostyle.device",
    "transfer": "photostyle.pipeline",
    "TransferResult": "photostyle.pipeline",
    "TransferOptions": "photostyle.options",
    "Smoothing": "photostyle.options",
    "Look": "photostyle.looks.look",
}
__all__ = sorted(_LAZY)
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'photostyle' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
