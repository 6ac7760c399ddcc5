"""Camera metadata (EXIF) carried from the content photo to the result.

The result gets the content's EXIF (camera, lens, exposure, date, GPS ...) with the
orientation reset to 1 (it was applied to the pixels on load) and without the embedded
thumbnail (IFD1: it would show the old picture). ``strip`` (``--strip-metadata``) writes no
EXIF at all. EXIF that Pillow cannot parse (broken offsets, garbage) is dropped with one
warning naming the file: the documented fallback, never an error.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from PIL import Image

#: Sub-IFDs loaded so that they are written back: Exif (exposure, date ...), GPS, Interop.
SUB_IFDS = (0x8769, 0x8825, 0xA005)
ORIENTATION = 0x0112


def read_exif(path: str | os.PathLike) -> bytes | None:
    """The EXIF block to write into results made from the photo at ``path`` (see the module
    docstring), or ``None`` when it has none or it cannot be parsed."""
    from photostyle.io import register_plugins
    from photostyle.raw import is_raw

    register_plugins()
    if is_raw(path):
        return None  # Pillow does not parse RAW containers: their EXIF is not carried (yet)
    try:
        with warnings.catch_warnings(record=True) as caught, Image.open(Path(path)) as im:
            warnings.simplefilter("always")
            exif = im.getexif()
            for ifd in SUB_IFDS:
                if ifd in exif:
                    exif.get_ifd(ifd)
            exif[ORIENTATION] = 1
            data = exif.tobytes()  # IFD0 and its sub-IFDs; IFD1 (the thumbnail) is not written
        problems = [str(w.message) for w in caught if "EXIF" in str(w.message).upper()]
        if problems:
            raise ValueError(problems[0])
    except Exception as exc:  # noqa: BLE001 (any parser failure means: no metadata)
        msg = " ".join(str(exc).split())
        warnings.warn(f"{path}: unreadable EXIF metadata dropped ({msg})", stacklevel=2)
        return None
    return data if len(exif) > 1 else None  # only the orientation set here: nothing to keep
