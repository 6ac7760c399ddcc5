"""Camera RAW files (DNG, CR2/CR3, NEF, ARW, RAF, ORF, RW2, ...) decoded with LibRaw (rawpy).

Defaults, as a raw converter's neutral starting point (documented, no surprises):

* the camera's white balance as shot (``use_camera_wb``), no automatic brightening;
* highlights clipped (``HighlightMode.Clip``: no magenta casts in blown skies);
* LibRaw's default AHD demosaicing; output in sRGB primaries with the sRGB tone curve;
* 16 bits per channel, so a RAW's precision survives to a 16-bit output (``--bit-depth auto``);
* the camera's orientation applied.

Files are recognised by extension; LibRaw's errors (unsupported camera, truncated or corrupt
file) become one-line :class:`~photostyle.files.images.ImageError` messages.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

RAW_EXTENSIONS = frozenset(
    ".dng .cr2 .cr3 .crw .nef .nrw .arw .srf .sr2 .raf .orf .rw2 .rwl .pef .srw .x3f .3fr "
    ".iiq .erf .kdc .dcr .mrw .mos .raw".split()
)


def is_raw(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a camera RAW file (by its extension)."""
    return Path(path).suffix.lower() in RAW_EXTENSIONS


def is_raw_file(path: str | os.PathLike) -> bool:
    """A non-empty camera RAW file (missing or empty ones are left to the common checks of
    :func:`photostyle.files.images.load_image`, which name the problem)."""
    p = Path(path)
    return is_raw(p) and p.is_file() and p.stat().st_size > 0


def _error(path: Path, exc: Exception) -> Exception:
    from photostyle.errors import ImageError

    kind = type(exc).__name__
    if "Unsupported" in kind:
        return ImageError(f"{path}: camera RAW not supported by LibRaw ({exc})")
    return ImageError(f"{path}: truncated or corrupt camera RAW ({kind}: {exc})")


def _checked_size(p: Path, raw: object, max_pixels: int) -> tuple[int, int]:
    from photostyle.errors import ImageError

    w, h = raw.sizes.width, raw.sizes.height
    if w * h > max_pixels:
        raise ImageError(f"{p}: image is {w}x{h}, over the limit of {max_pixels / 1e6:.1f} MP")
    return w, h


def probe_raw(path: str | os.PathLike, max_pixels: int) -> tuple[int, int]:
    """``(width, height)`` of a RAW file from its metadata (no demosaicing), size-checked."""
    import rawpy

    p = Path(path)
    try:
        with rawpy.imread(str(p)) as r:
            return _checked_size(p, r, max_pixels)
    except (rawpy.LibRawError, OSError) as exc:
        raise _error(p, exc) from None


def read_raw(path: str | os.PathLike, max_pixels: int) -> np.ndarray:
    """Decode a RAW file to ``float32 H x W x 3`` sRGB in [0, 1] (defaults above); the size
    is checked from the metadata before demosaicing, in the same open."""
    import rawpy

    p = Path(path)
    try:
        with rawpy.imread(str(p)) as r:
            _checked_size(p, r, max_pixels)
            rgb = r.postprocess(
                use_camera_wb=True,
                no_auto_bright=True,
                highlight_mode=rawpy.HighlightMode.Clip,
                output_color=rawpy.ColorSpace.sRGB,
                gamma=(2.4, 12.92),
                output_bps=16,
            )
    except (rawpy.LibRawError, OSError) as exc:
        raise _error(p, exc) from None
    return rgb.astype(np.float32) / 65535.0
