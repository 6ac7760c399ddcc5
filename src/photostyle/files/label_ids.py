"""Label maps read as the integer ids they hold, whatever the file's sample type.

PNG (8 or 16-bit grey, or a palette: the index, not its colour) and BMP are read by Pillow,
whose modes are right for them. TIFF is read by ``tifffile``, because Pillow reads a 32-bit
unsigned TIFF as signed (3e9 becomes -1294967296) and an 8-bit signed one as unsigned (-3
becomes 253): an id must be the integer the file stores, so that a negative or huge id is
found as the unknown id it is, never taken for a real class.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from photostyle.errors import ImageError
from photostyle.files.images import DEFAULT_MAX_PIXELS, _open_checked

#: Pillow modes read as ids: 8-bit index, palette (the index, not its colour), 16/32-bit.
ID_MODES = ("L", "P", "I", "I;16", "I;16B", "I;16L")


def read_ids(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """The ids of label map ``path`` as an ``H x W`` int64 array (one channel; any integer
    sample type). :class:`ImageError` (one line, naming the file) for colour or float maps,
    several channels, ids beyond int64, or a file that is not an image."""
    p = Path(path)
    im = _open_checked(p, max_pixels, decode=False)  # exists, not empty, header, pixel limit
    if im.format != "TIFF":
        if im.mode not in ID_MODES:
            raise ImageError(f"{p}: label maps must be index or palette images, not {im.mode}")
        try:
            return np.asarray(im, dtype=np.int64)
        except (OSError, SyntaxError) as exc:
            raise ImageError(f"{p}: truncated or corrupt label map ({exc})") from None
    import tifffile

    try:
        a = tifffile.imread(p, key=0)
    except Exception as exc:  # noqa: BLE001 (tifffile and imagecodecs raise their own types)
        raise ImageError(f"{p}: truncated or corrupt label map ({exc})") from None
    a = a.squeeze() if a.ndim > 2 else a
    if a.ndim != 2:
        raise ImageError(f"{p}: label maps have one channel, this one has shape {a.shape}")
    if a.dtype.kind not in "iu":
        raise ImageError(f"{p}: label maps hold integer ids, not {a.dtype} samples")
    if a.dtype == np.uint64 and a.size and int(a.max()) > np.iinfo(np.int64).max:
        raise ImageError(f"{p}: label id {int(a.max())} is beyond the largest supported id")
    return a.astype(np.int64)
