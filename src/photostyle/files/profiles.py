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

from photostyle.imaging.colourspace import srgb_decode, srgb_encode

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
    cols = _d50_adaptation() @ rgb_to_xyz_matrix(name)
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
    return _assemble(b"RGB ", tags)


def grey_profile(gamma: float = 2.2) -> bytes:
    """ICC v2 display profile of a grey space with a pure power tone curve ``gamma`` and a D50
    white (as cameras and scanners tag greyscale images: "Gray Gamma 2.2")."""
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256))
    tags = [
        (b"desc", _tag_text(b"desc", f"Gray Gamma {gamma:g}")),
        (b"cprt", _tag_text(b"text", "No copyright, use freely")),
        (b"wtpt", _tag_xyz(D50_XYZ)),
        (b"kTRC", curve),
    ]
    return _assemble(b"GRAY", tags)


def _assemble(space: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    """An ICC v2 display profile of the colour space ``space`` with the tagged elements."""
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I", size) + b"lcms" + bytes([2, 0x40, 0, 0]) + b"mntr" + space
    header += b"XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
    header += _s15(D50_XYZ[0]) + _s15(D50_XYZ[1]) + _s15(D50_XYZ[2]) + b"\0" * 48
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def _d50_adaptation() -> np.ndarray:
    """Bradford adaptation D65 -> D50 (the ICC profile connection space)."""
    scale = (BRADFORD @ D50_XYZ) / (BRADFORD @ _xyz(D65))
    return np.linalg.inv(BRADFORD) @ np.diag(scale) @ BRADFORD


def _curve(body: bytes) -> object:
    """Tone curve (encoded -> linear) of an ICC ``curv`` or ``para`` tag, vectorised."""
    kind = body[:4]
    if kind == b"curv":
        (n,) = struct.unpack(">I", body[8:12])
        if n == 0:
            return lambda v: v
        if n == 1:
            g = struct.unpack(">H", body[12:14])[0] / 256.0
            return lambda v: np.power(np.clip(v, 0, 1), g)
        table = np.frombuffer(body[12 : 12 + 2 * n], ">u2").astype(np.float64) / 65535.0
        grid = np.linspace(0.0, 1.0, n)
        return lambda v: np.interp(v, grid, table)
    if kind == b"para":
        func = struct.unpack(">H", body[8:10])[0]
        count = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}[func]
        p = [x / 65536.0 for x in struct.unpack(f">{count}i", body[12 : 12 + 4 * count])]
        # Y = (aX + b)^g + e for X >= d, else cX + f (ICC.1 parametricCurveType)
        g, a, b, c, d, e, f = 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0
        if func == 0:
            (g,) = p
        elif func == 1:
            g, a, b = p
            d = -b / a
        elif func == 2:
            g, a, b, e = p
            d, f = -b / a, e
        elif func == 3:
            g, a, b, c, d = p
        else:
            g, a, b, c, d, e, f = p

        def para(v: np.ndarray) -> np.ndarray:
            v = np.clip(v, 0, 1)
            hi = np.power(np.maximum(a * v + b, 0.0), g) + e
            return np.where(v >= d, hi, c * v + f)

        return para
    raise ValueError(f"unsupported tone curve type {kind!r}")


def matrix_profile_parts(icc: bytes) -> tuple[np.ndarray, list] | None:
    """``(M, curves)`` of an RGB matrix/TRC ICC profile: ``M`` maps linear RGB to XYZ (D50),
    ``curves`` decode each channel; ``None`` when the profile is not of that kind (LUT-based,
    grey, CMYK) or cannot be parsed."""
    try:
        if len(icc) < 132 or icc[16:20] != b"RGB " or icc[36:40] != b"acsp":
            return None
        (count,) = struct.unpack(">I", icc[128:132])
        tags = {}
        for i in range(count):
            sig, off, size = struct.unpack(">4sII", icc[132 + 12 * i : 144 + 12 * i])
            tags[sig] = icc[off : off + size]
        cols = []
        for sig in (b"rXYZ", b"gXYZ", b"bXYZ"):
            body = tags[sig]
            cols.append([x / 65536.0 for x in struct.unpack(">3i", body[8:20])])
        curves = [_curve(tags[sig]) for sig in (b"rTRC", b"gTRC", b"bTRC")]
    except (KeyError, struct.error, ValueError, ZeroDivisionError):
        return None
    return np.array(cols).T, curves


def array_to_srgb(rgb: np.ndarray, icc: bytes) -> np.ndarray | None:
    """Convert ``H x W x 3`` float RGB in [0, 1] (any precision, e.g. from a 16-bit file)
    described by a matrix/TRC ``icc`` profile to sRGB, in float64 arithmetic (relative
    colorimetric: both through the D50 connection space). Returns float32 in [0, 1], or
    ``None`` when the profile is not a matrix/TRC RGB profile."""
    parts = matrix_profile_parts(icc)
    if parts is None:
        return None
    m, curves = parts
    lin = np.stack([curves[i](rgb[..., i].astype(np.float64)) for i in range(3)], -1)
    to_srgb_lin = np.linalg.solve(_d50_adaptation() @ rgb_to_xyz_matrix("sRGB"), m)
    return srgb_encode(lin @ to_srgb_lin.T).astype(np.float32)


def srgb_to_profile(rgb: np.ndarray, icc: bytes) -> np.ndarray | None:
    """Inverse of :func:`array_to_srgb`: sRGB ``H x W x 3`` float in [0, 1] -> the RGB space of
    a matrix/TRC ``icc`` profile (float32, clipped to its gamut), or ``None`` for other
    profiles."""
    parts = matrix_profile_parts(icc)
    if parts is None:
        return None
    m, curves = parts
    lin = (
        srgb_decode(rgb.astype(np.float64))
        @ np.linalg.solve(m, _d50_adaptation() @ rgb_to_xyz_matrix("sRGB")).T
    )
    grid = np.linspace(0.0, 1.0, 65536)
    out = [np.interp(np.clip(lin[..., i], 0, 1), curves[i](grid), grid) for i in range(3)]
    return np.stack(out, -1).astype(np.float32)


def is_srgb(icc: bytes) -> bool:
    """Whether ``icc`` is an sRGB matrix/TRC profile (colorants within 2e-3, tone curves within
    1e-4 of sRGB's): converting with it would be an identity, so it is skipped."""
    parts = matrix_profile_parts(icc)
    if parts is None:
        return False
    m, curves = parts
    if np.abs(m - _d50_adaptation() @ rgb_to_xyz_matrix("sRGB")).max() > 2e-3:
        return False
    grid = np.linspace(0.0, 1.0, 33)
    return all(np.abs(c(grid) - srgb_decode(grid)).max() < 1e-4 for c in curves)


def srgb_profile() -> bytes:
    """The sRGB ICC profile embedded in outputs (littleCMS's built-in sRGB)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def to_srgb(im: Image.Image, name: str = "image") -> Image.Image:
    """Convert a PIL image with an embedded ICC profile to sRGB (8-bit modes ``RGB``,
    ``RGBA``, ``L``, ``LA``, ``CMYK``); other images are returned unchanged.

    A profile that cannot be read or applied triggers one :class:`UserWarning` naming the
    file, and the image is taken as sRGB.
    """
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA", "L", "LA", "CMYK") or is_srgb(icc):
        return im
    from PIL import ImageCms

    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
        colour = im.getchannel("L") if im.mode == "LA" else im  # littleCMS has no LA transform
        out = ImageCms.profileToProfile(
            colour,
            src,
            ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            outputMode=out_mode,
        )
        if im.mode == "LA":  # the grey converted with its own profile, the alpha kept
            out = Image.merge("RGBA", (*out.split(), im.getchannel("A")))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        warnings.warn(f"{name}: unusable ICC colour profile ({exc}); taken as sRGB", stacklevel=2)
        return im
    out.info = {k: v for k, v in im.info.items() if k != "icc_profile"}
    return out
