"""EXIF in TIFF files written by tifffile (16-bit results), which writes the first directory's
tags but not the Exif and GPS directories that photo tools read the exposure, lens, date and
position from: :func:`tiff_with_exif` appends them (tag types as the Exif standard gives them).
"""

from __future__ import annotations

from PIL import Image

EXIF_IFD, GPS_IFD, INTEROP_IFD = 0x8769, 0x8825, 0xA005
#: First-directory tags that describe the photo (make, model, date, artist ...): carried into
#: results (a RAW's other first-directory tags describe its raw data).
DESCRIPTIVE = (0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x8298)
SOFTWARE = 0x0131

#: Exif tags whose standard type Pillow does not know (7 UNDEFINED, 10 SRATIONAL).
STANDARD_TYPES = {0x9000: 7, 0x9101: 7, 0x927C: 7, 0x9286: 7, 0xA000: 7, 0xA300: 7, 0xA301: 7}
STANDARD_TYPES |= {0x9201: 10, 0x9203: 10, 0x9204: 10}
#: Exif tags that describe a JPEG stream (not allowed in TIFF) and the Interop pointer (whose
#: directory is not copied).
NOT_IN_TIFF = (0x9101, 0x9102, 0xA002, 0xA003, INTEROP_IFD)


def tiff_tags(exif: bytes | None) -> list:
    """tifffile ``extratags`` for an EXIF block: its descriptive text tags (tifffile writes
    its own Software tag)."""
    if not exif:
        return []
    ex = Image.Exif()
    ex.load(exif)
    tags = []
    for code in DESCRIPTIVE:
        value = ex.get(code)
        if code != SOFTWARE and isinstance(value, str) and value.strip():
            tags.append((code, "s", 0, value.strip(), True))
    return tags


def tiff_with_exif(tiff: bytes, exif: bytes) -> bytes:
    """``tiff`` (a classic TIFF file) with the Exif and GPS directories of the EXIF block
    ``exif``: both directories and a copy of the first directory that points to them (its
    entries kept as they are, two pointer entries added in tag order) are appended to the file,
    and the header is pointed at the new first directory."""
    import struct

    from PIL.TiffImagePlugin import ImageFileDirectory_v2

    src = Image.Exif()
    src.load(exif)
    subs = {code: d for code in (EXIF_IFD, GPS_IFD) if (d := src.get_ifd(code))}
    if not subs:
        return tiff
    order = "<" if tiff[:2] == b"II" else ">"
    (first,) = struct.unpack(order + "I", tiff[4:8])
    (n,) = struct.unpack(order + "H", tiff[first : first + 2])
    entries = {
        struct.unpack(order + "H", tiff[e : e + 2])[0]: tiff[e : e + 12]
        for e in range(first + 2, first + 2 + 12 * n, 12)
    }
    out = bytearray(tiff)
    out += b"\0" * (len(out) % 2)
    new_first = len(out)
    out += bytes(2 + 12 * (len(entries) + len(subs)) + 4)  # filled in below
    for code, tags in subs.items():
        ifd = ImageFileDirectory_v2(prefix=tiff[:2])
        for tag, value in tags.items():
            if code == EXIF_IFD and tag in NOT_IN_TIFF:
                continue
            if tag in STANDARD_TYPES:  # Pillow would guess BYTE / RATIONAL for these
                ifd.tagtype[tag] = STANDARD_TYPES[tag]
            ifd[tag] = value
        out += b"\0" * (len(out) % 2)  # directories start on a word boundary
        entries[code] = struct.pack(order + "HHII", code, 4, 1, len(out))  # LONG pointer
        out += ifd.tobytes(len(out))
    body = struct.pack(order + "H", len(entries)) + b"".join(entries[c] for c in sorted(entries))
    out[new_first : new_first + len(body) + 4] = body + bytes(4)  # single-page: no next IFD
    out[4:8] = struct.pack(order + "I", new_first)
    return bytes(out)
