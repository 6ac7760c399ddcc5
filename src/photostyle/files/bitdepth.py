"""16-bit RGB files, read and written with their full precision.

Pillow reads 16-bit RGB PNG and TIFF files as 8-bit ``RGB`` (only 16-bit greyscale keeps its
precision there), so they are decoded here with ``imagecodecs`` (PNG, libpng) and
``tifffile`` (TIFF), the same conversions applied as for every image (EXIF orientation, ICC
profile to sRGB in float arithmetic for matrix/TRC profiles, alpha on white), and scaled by
1/65535. Writing 16 bits: PNG with ``imagecodecs`` (zlib level 3), TIFF with ``tifffile``
(deflate), both with an embedded ICC profile.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

#: Formats that can hold 16 bits per channel (Pillow format names).
SIXTEEN_BIT_FORMATS = ("PNG", "TIFF")


def is_16bit_rgb(im: Image.Image) -> bool:
    """Whether an opened (not decoded) PIL image is a 16-bit RGB/RGBA PNG or TIFF."""
    if im.format not in SIXTEEN_BIT_FORMATS or not im.tile:
        return False
    args = im.tile[0].args
    raw = args if isinstance(args, str) else args[0]
    return isinstance(raw, str) and raw.split(";")[0] in ("RGB", "RGBA") and ";16" in raw


def orient(a: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1-8) to an ``H x W x C`` array (as Pillow's
    ``exif_transpose`` does to images)."""
    ops = {
        2: lambda x: x[:, ::-1],
        3: lambda x: x[::-1, ::-1],
        4: lambda x: x[::-1],
        5: lambda x: x.transpose(1, 0, 2),
        6: lambda x: np.rot90(x, -1),
        7: lambda x: x[::-1, ::-1].transpose(1, 0, 2),
        8: lambda x: np.rot90(x, 1),
    }
    return np.ascontiguousarray(ops[orientation](a)) if orientation in ops else a


def read_16bit(path: Path, im: Image.Image) -> np.ndarray:
    """Decode the 16-bit RGB(A) file ``path`` (``im``: its opened header) to ``float32
    H x W x 3`` sRGB in [0, 1], with orientation, colour profile and alpha applied."""
    from photostyle.files.profiles import array_to_srgb, is_srgb

    if im.format == "PNG":
        import imagecodecs

        raw = imagecodecs.png_decode(path.read_bytes())
    else:
        import tifffile

        raw = tifffile.imread(path, key=0)
    if raw.dtype != np.uint16 or raw.ndim != 3 or raw.shape[2] not in (3, 4):
        raise ValueError(f"unexpected 16-bit layout {raw.dtype} {raw.shape}")
    a = raw.astype(np.float32) / 65535.0
    if a.shape[2] == 4:
        a = a[:, :, :3] * a[:, :, 3:] + (1.0 - a[:, :, 3:])
    icc = im.info.get("icc_profile")
    if icc and not is_srgb(icc):
        converted = array_to_srgb(a, icc)
        if converted is None:
            warnings.warn(
                f"{path}: 16-bit image with an ICC profile that is not a matrix/TRC RGB "
                "profile; taken as sRGB",
                stacklevel=2,
            )
        else:
            a = converted
    return orient(a, int(im.getexif().get(0x0112, 1) or 1))


def write_16bit(
    path: str, fmt: str, array: np.ndarray, icc: bytes | None, exif: bytes | None = None
) -> None:
    """Write ``H x W x 3`` float in [0, 1] as a 16-bit ``fmt`` (``"PNG"`` or ``"TIFF"``) file
    at ``path``, with the ICC profile ``icc`` and the EXIF block ``exif`` (PNG ``eXIf``
    chunk; TIFF: descriptive tags in the first directory, Exif and GPS directories added,
    :func:`photostyle.files.tiff_exif.tiff_with_exif`) embedded when given."""
    a = np.ascontiguousarray((np.clip(array, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16))
    if fmt == "PNG":
        import imagecodecs

        data = imagecodecs.png_encode(a, level=3)
        if exif:
            data = _png_insert(data, b"eXIf", exif[6:] if exif.startswith(b"Exif\0\0") else exif)
        if icc:
            data = _png_insert(data, b"iCCP", b"ICC Profile\0\0" + zlib.compress(icc))
        Path(path).write_bytes(data)
    elif fmt == "TIFF":
        import io

        import tifffile

        from photostyle.files.tiff_exif import tiff_tags, tiff_with_exif

        buf = io.BytesIO()
        tifffile.imwrite(
            buf,
            a,
            photometric="rgb",
            compression="zlib",
            compressionargs={"level": 3},
            iccprofile=icc,
            metadata=None,
            software="photostyle",
            extratags=tiff_tags(exif),
        )
        data = buf.getvalue()
        if exif:
            data = tiff_with_exif(data, exif)
        Path(path).write_bytes(data)
    else:
        raise ValueError(f"{fmt} cannot hold 16 bits per channel (use .png or .tif)")


def _png_insert(png: bytes, kind: bytes, body: bytes) -> bytes:
    """Insert a chunk of type ``kind`` right after the PNG's ``IHDR`` chunk."""
    chunk = struct.pack(">I", len(body)) + kind + body
    chunk += struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr_end = 8 + 8 + 13 + 4  # signature, IHDR length+type, IHDR data, CRC
    return png[:ihdr_end] + chunk + png[ihdr_end:]
