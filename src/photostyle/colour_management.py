"""Colour management: images with an embedded ICC profile are converted to sRGB on load.

Processing happens in sRGB. An input that carries an ICC profile (Display P3 from a phone,
Adobe RGB, ProPhoto, a grey profile ...) is converted to sRGB with littleCMS (Pillow's
``ImageCms``), relative colorimetric intent; an untagged image is taken as sRGB. A profile
that littleCMS cannot read or apply is reported once per file with a warning and the image
is taken as sRGB (documented fallback, no error).

:func:`matrix_profile` writes small ICC v2 matrix/TRC profiles (sRGB tone curve, given
primaries and D65 white), e.g. Display P3, for tests and for tagging outputs.
"""

from __future__ import annotations

import io
import struct
import warnings

import numpy as np
from PIL import Image

#: Chromaticities (x, y) of red, green, blue: the RGB spaces :func:`matrix_profile` knows.
PRIMARIES = {
    "sRGB": ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06)),
    "Display P3": ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060)),
    "Adobe RGB (1998)": ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06)),
}
D65 = (0.3127, 0.3290)
D50_XYZ = np.array([0.9642, 1.0, 0.8249])
#: Bradford cone response matrix (chromatic adaptation D65 -> D50 of the ICC colorants).
BRADFORD = np.array(
    [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]]
)


def _xyz(xy: tuple[float, float]) -> np.ndarray:
    x, y = xy
    return np.array([x / y, 1.0, (1 - x - y) / y])


def rgb_to_xyz_matrix(name: str) -> np.ndarray:
    """``3 x 3`` matrix from linear RGB of the space ``name`` to XYZ (D65 white, Y = 1)."""
    m = np.stack([_xyz(p) for p in PRIMARIES[name]], 1)
    return m * np.linalg.solve(m, _xyz(D65))[None]


def srgb_decode(v: np.ndarray) -> np.ndarray:
    """sRGB tone curve, encoded [0, 1] -> linear."""
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def srgb_encode(v: np.ndarray) -> np.ndarray:
    """sRGB tone curve, linear -> encoded [0, 1] (clipped)."""
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def convert_rgb(image: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Convert ``H x W x 3`` float RGB between two spaces of ``PRIMARIES`` (sRGB tone curve,
    D65 white; no gamut mapping: out-of-gamut values are clipped). Returns float32."""
    m = np.linalg.solve(rgb_to_xyz_matrix(dst), rgb_to_xyz_matrix(src))
    return srgb_encode(srgb_decode(image.astype(np.float64)) @ m.T).astype(np.float32)


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _tag_xyz(xyz: np.ndarray) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in xyz)


def _tag_text(kind: bytes, text: str) -> bytes:
    if kind == b"desc":  # textDescriptionType: ASCII part, empty Unicode and ScriptCode parts
        data = text.encode("ascii") + b"\0"
        return b"desc\0\0\0\0" + struct.pack(">I", len(data)) + data + b"\0" * (8 + 67 + 3)
    return b"text\0\0\0\0" + text.encode("ascii") + b"\0"


def _tag_srgb_curve() -> bytes:
    """parametricCurveType (function 3) of the sRGB tone curve."""
    g, a, b, c, d = 2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045
    return b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(_s15(v) for v in (g, a, b, c, d))


def matrix_profile(name: str) -> bytes:
    """ICC v2 display profile (matrix/TRC) of the RGB space ``name`` (a key of
    ``PRIMARIES``): sRGB tone curve, D65 white adapted to the D50 connection space (Bradford).
    """
    adapt = (
        np.linalg.inv(BRADFORD) @ np.diag((BRADFORD @ D50_XYZ) / (BRADFORD @ _xyz(D65))) @ BRADFORD
    )
    cols = adapt @ rgb_to_xyz_matrix(name)
    curve = _tag_srgb_curve()
    tags = [
        (b"desc", _tag_text(b"desc", name)),
        (b"cprt", _tag_text(b"text", "No copyright, use freely")),
        (b"wtpt", _tag_xyz(D50_XYZ)),
        (b"rXYZ", _tag_xyz(cols[:, 0])),
        (b"gXYZ", _tag_xyz(cols[:, 1])),
        (b"bXYZ", _tag_xyz(cols[:, 2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I", size) + b"lcms" + bytes([2, 0x40, 0, 0]) + b"mntrRGB XYZ "
    header += b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)  # date, flags, intent
    header += _s15(D50_XYZ[0]) + _s15(D50_XYZ[1]) + _s15(D50_XYZ[2]) + b"\0" * 48
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def to_srgb(im: Image.Image, name: str = "image") -> Image.Image:
    """Convert a PIL image with an embedded ICC profile to sRGB (8-bit modes ``RGB``,
    ``RGBA``, ``L``, ``LA``, ``CMYK``); other images are returned unchanged.

    A profile that cannot be read or applied triggers one :class:`UserWarning` naming the
    file, and the image is taken as sRGB.
    """
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return im
    from PIL import ImageCms

    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out_mode = "RGBA" if im.mode in ("RGBA", "LA") else "RGB"
        if im.mode == "LA":
            im = im.convert("RGBA")  # littleCMS has no LA transform; grey -> RGB first
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out = ImageCms.profileToProfile(
            im,
            src,
            ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            outputMode=out_mode,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        warnings.warn(f"{name}: unusable ICC colour profile ({exc}); taken as sRGB", stacklevel=2)
        return im
    out.info = {k: v for k, v in im.info.items() if k != "icc_profile"}
    return out
