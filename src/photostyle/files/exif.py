"""Camera metadata (EXIF) carried from the content photo to the result.

The result gets the content's EXIF (camera, lens, exposure, date, GPS ...) with the
orientation reset to 1 (it was applied to the pixels on load) and without the embedded
thumbnail (IFD1: it would show the old picture). ``strip`` (``--strip-metadata``) writes no
EXIF at all. EXIF that Pillow cannot parse (broken offsets, garbage) is dropped with one
warning naming the file: the documented fallback, never an error.

Camera RAW files are TIFF containers (DNG, CR2, NEF, ARW, PEF, SRW; RW2 and ORF with their own
magic number): their first directory is read with Pillow's TIFF parser and the result gets the
descriptive tags (make, model, date, artist, copyright), the exposure tags (from the Exif
directory, or from the first directory where TIFF/EP and DNG files keep them), GPS, but not the
raw-data layout tags, DNG calibration tags or the maker note. Containers that are not TIFF
(CR3, RAF, X3F ...) carry no metadata into the result (yet).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from PIL import Image

from photostyle.files.tiff_exif import DESCRIPTIVE, EXIF_IFD, GPS_IFD, INTEROP_IFD

#: Sub-IFDs loaded so that they are written back: Exif (exposure, date ...), GPS, Interop.
SUB_IFDS = (EXIF_IFD, GPS_IFD, INTEROP_IFD)
ORIENTATION = 0x0112


def read_exif(path: str | os.PathLike) -> bytes | None:
    """The EXIF block to write into results made from the photo at ``path`` (see the module
    docstring), or ``None`` when it has none or it cannot be parsed."""
    from photostyle.files.images import register_plugins
    from photostyle.files.raw import is_raw

    register_plugins()
    try:
        if is_raw(path):
            return _raw_exif(Path(path))
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


EXIF_RANGE = range(0x829A, 0xC000)  # Exif/TIFF-EP tag numbers (ExposureTime .. LensModel ...)
MAKER_NOTE, POINTERS = 0x927C, (*SUB_IFDS, 0x83BB, 0x8773)


def _raw_exif(path: Path) -> bytes | None:
    """The EXIF block of a TIFF-based RAW file (see the module docstring), ``None`` when the
    container is not TIFF. Parse errors raise (the caller drops the metadata with a warning)."""
    data = path.read_bytes()
    if data[:2] not in (b"II", b"MM"):
        return None
    big = data[:2] == b"MM"
    data = data[:2] + (b"\0*" if big else b"*\0") + data[4:]  # RW2 'IIU', ORF 'IIRO' magic
    src = Image.Exif()
    src.load(data)
    out = Image.Exif()
    exif = {k: v for k, v in src.get_ifd(EXIF_IFD).items() if k != MAKER_NOTE}
    for code, value in src.items():
        if code in DESCRIPTIVE:
            out[code] = value
        elif code in EXIF_RANGE and code not in POINTERS and code != MAKER_NOTE:
            exif.setdefault(code, value)
    if exif:
        out[EXIF_IFD] = exif
    if gps := src.get_ifd(GPS_IFD):
        out[GPS_IFD] = gps
    out[ORIENTATION] = 1
    return out.tobytes() if len(out) > 1 else None
