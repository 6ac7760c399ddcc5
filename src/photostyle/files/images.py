"""Image input/output with documented conversions and one-line errors.

Every image enters the library as ``float32`` ``H x W x 3`` RGB in ``[0, 1]``:

* HEIC/HEIF (``pillow-heif``) and AVIF are read like the formats Pillow reads itself, camera
  RAW files with LibRaw (:mod:`photostyle.files.raw`);
* EXIF orientation is applied (the pixels are rotated, the tag is dropped);
* an embedded ICC colour profile (Display P3, Adobe RGB, ...) is converted to sRGB, relative
  colorimetric (:mod:`photostyle.files.profiles`); untagged images are taken as sRGB, an
  unusable profile gives one warning and is ignored;
* grayscale (``L``, ``I``, ``I;16``, ``1``) is replicated to three channels;
* palette (``P``) images are expanded through their palette;
* CMYK is converted with Pillow's conversion to RGB;
* 16-bit images are scaled by ``1/65535`` (no precision is lost to 8 bits; 16-bit RGB PNG
  and TIFF are decoded by :mod:`photostyle.files.bitdepth`, as Pillow would reduce them to 8 bits);
* alpha (``RGBA``, ``LA``, ``PA``, palette transparency) is composited on **white**.

Problems raise :class:`ImageError` whose message names the file and the problem in one line.
Saving is atomic: the file is written to a temporary file in the same folder and renamed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from photostyle.errors import ImageError
from photostyle.files.atomic import atomic_write
from photostyle.files.bitdepth import SIXTEEN_BIT_FORMATS, is_16bit_rgb, read_16bit, write_16bit

#: Default limit on the number of pixels of an input image (100 megapixels).
DEFAULT_MAX_PIXELS = 100_000_000

SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF"}
SAVE_FORMATS |= {".webp": "WEBP", ".avif": "AVIF", ".heic": "HEIF", ".heif": "HEIF"}
#: Formats written with a quality setting (lossy).
LOSSY_FORMATS = ("JPEG", "WEBP", "AVIF", "HEIF")
#: zlib level of PNG outputs (see :func:`save_image`)
PNG_COMPRESS_LEVEL = 3


_PLUGINS: list[bool] = []


def register_plugins() -> None:
    """Let Pillow open HEIC/HEIF (``pillow-heif``; AVIF is Pillow's own), once per process."""
    if not _PLUGINS:
        _PLUGINS.append(True)
        try:
            from pillow_heif import register_heif_opener
        except ImportError:  # optional at run time: HEIF files are then 'not recognised'
            return
        register_heif_opener()


def _open_checked(path: Path, max_pixels: int, decode: bool = True) -> Image.Image:
    """Open ``path`` with the checks of :func:`load_image`; ``decode=False`` reads only the
    header (size and format: milliseconds, for validating inputs before any work)."""
    register_plugins()
    if not path.exists():
        raise ImageError(f"{path}: file not found")
    if path.is_dir():
        raise ImageError(f"{path}: is a directory, not an image file")
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: file is empty (0 bytes)")
    # Pillow's own bomb check is replaced by ours: the size is read from the header and
    # checked against max_pixels before any pixel is decoded.
    with _pillow_errors(path):
        im = Image.open(path)
        w, h = im.size
        if w * h > max_pixels:
            raise ImageError(
                f"{path}: image is {w}x{h} = {w * h / 1e6:.1f} MP, over the limit of "
                f"{max_pixels / 1e6:.1f} MP (refused before decoding)"
            )
        if w == 0 or h == 0:
            raise ImageError(f"{path}: image has zero size ({w}x{h})")
        if decode:
            im.load()
    return im


@contextmanager
def _pillow_errors(path: Path) -> Iterator[None]:
    """Pillow's errors while opening or decoding ``path`` as one-line :class:`ImageError`s
    (Pillow's own pixel limit off: :func:`_open_checked` applies ours)."""
    old_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"{path}: refused as a possible decompression bomb ({exc})") from None
    except UnidentifiedImageError:
        raise ImageError(f"{path}: {_unidentified(path)}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: truncated or corrupt image ({exc})") from None
    finally:
        Image.MAX_IMAGE_PIXELS = old_limit


def _unidentified(path: Path) -> str:
    """Why Pillow could not identify ``path``: a TIFF of samples it does not read (32-bit
    float from HDR tools, ...) is named as such; anything else is not an image file."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic in (b"II*\0", b"MM\0*"):
        try:
            import tifffile

            with tifffile.TiffFile(path) as tif:
                page = tif.pages[0]
                what = f"{page.dtype} samples, {page.samplesperpixel} per pixel"
        except Exception:  # noqa: BLE001 (tifffile raises its own types)
            what = "samples of a kind it cannot read"
        return f"a TIFF of {what}, not readable here (save it with 8 or 16-bit integer samples)"
    return "not an image file (format not recognised)"


def pil_to_array(im: Image.Image, name: str = "image") -> np.ndarray:
    """Convert a PIL image to ``float32 H x W x 3`` RGB in ``[0, 1]`` (conversions as above;
    ``name`` names the image in warnings)."""
    from photostyle.files.profiles import to_srgb

    im = ImageOps.exif_transpose(im) or im
    im = to_srgb(im, name)
    mode = im.mode
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(im, dtype=np.float64)
        scale = 65535.0 if mode.startswith("I;16") or arr.max() > 255 else 255.0
        arr = np.clip(arr / scale, 0.0, 1.0).astype(np.float32)
        return np.repeat(arr[:, :, None], 3, axis=2)
    if mode == "F":
        arr = np.clip(np.asarray(im, dtype=np.float32), 0.0, 1.0)
        return np.repeat(arr[:, :, None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
        alpha = rgba[:, :, 3:4]
        return (rgba[:, :, :3] * alpha + (1.0 - alpha)).astype(np.float32)
    if mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im, dtype=np.float32) / 255.0


def load_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an image file as ``float32`` array of shape ``(H, W, 3)``, RGB, values in ``[0, 1]``.

    Args:
        path: file to read (any format Pillow reads: PNG, JPEG, TIFF, WebP, BMP, ...).
        max_pixels: refuse images with more pixels than this (default 100 MP); this also
            refuses decompression bombs before their pixels are decoded.

    Raises:
        ImageError: missing file, directory, empty, non-image, truncated/corrupt, zero-size
            or oversized image; the message names the file.
    """
    p = Path(path)
    from photostyle.files.raw import is_raw_file, read_raw

    if is_raw_file(p):
        return read_raw(p, max_pixels)
    im = _open_checked(p, max_pixels, decode=False)

    if is_16bit_rgb(im):
        try:
            return read_16bit(p, im)
        except Exception as exc:  # noqa: BLE001 (imagecodecs/tifffile raise their own types)
            raise ImageError(f"{p}: truncated or corrupt image ({exc})") from None
        finally:
            im.close()
    with _pillow_errors(p):
        im.load()  # the file opened above: decoded once, not reopened
    try:
        return pil_to_array(im, str(p))
    except (OSError, ValueError) as exc:
        raise ImageError(f"{p}: cannot convert image ({exc})") from None


def probe_image(path: str | os.PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """``(width, height)`` of an image file from its header, with the checks of
    :func:`load_image` that need no decoding (exists, not empty, recognised, size limit).

    Raises:
        ImageError: as :func:`load_image`.
    """
    from photostyle.files.raw import is_raw_file, probe_raw

    if is_raw_file(path):
        return probe_raw(path, max_pixels)
    im = _open_checked(Path(path), max_pixels, decode=False)
    size = im.size
    im.close()
    return size


def check_output_path(path: str | os.PathLike) -> Path:
    """Check before any work that an image can be written to ``path``: a supported extension
    and an existing, writable folder. Returns ``path`` as a :class:`Path`.

    Raises:
        ImageError: ``path`` is a folder, unsupported extension, missing folder, folder not
            writable, or an existing file there is read-only (locked).
    """
    p = Path(path)
    if p.is_dir():
        raise ImageError(f"{p}: is a folder; give a file name, such as {p / 'result.png'}")
    if p.suffix.lower() not in SAVE_FORMATS:
        raise ImageError(
            f"{p}: unsupported output extension {p.suffix!r} "
            "(use .png, .jpg, .tif, .webp, .avif or .heic)"
        )
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise ImageError(f"{p}: output folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ImageError(f"{p}: output folder {folder} is not writable")
    if p.exists() and not os.access(p, os.W_OK):
        raise ImageError(f"{p}: the file is read-only; choose another name or unlock it")
    return p


def to_uint8(array: np.ndarray) -> np.ndarray:
    """Convert ``H x W x C`` float in ``[0, 1]`` (clipped) or uint8 to uint8 with rounding."""
    a = np.asarray(array)
    if a.dtype == np.uint8:
        return a
    return (np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def save_image(
    path: str | os.PathLike,
    array: np.ndarray,
    *,
    bit_depth: int = 8,
    profile: bytes | None = None,
    exif: bytes | None = None,
    quality: int = 95,
    dither: bool = True,
) -> Path:
    """Write ``array`` (``H x W x 3`` or ``H x W``, float in ``[0, 1]`` or uint8) atomically.

    The format follows the extension: ``.png`` (zlib level 3), ``.jpg``/``.jpeg``, ``.webp``,
    ``.avif``, ``.heic``/``.heif`` (``quality``), ``.tif``/``.tiff``. ``bit_depth`` 16 is for
    PNG and TIFF (RGB arrays). The file carries the ICC ``profile`` (default: sRGB, the
    pixels' space) and the EXIF block ``exif`` when given (see :mod:`photostyle.files.exif`).
    The data go to a temporary file in the destination folder, which is then renamed over
    ``path``, so readers never see a partial file. Float arrays written with 8 bits are
    dithered (error diffusion, :mod:`photostyle.files.dither`: no banding in smooth gradients)
    unless ``dither`` is False (then rounded).

    Raises:
        ImageError: unknown extension, bad array shape or bit depth, or a folder that cannot be
            written.
    """
    from photostyle.files.profiles import srgb_profile

    p = check_output_path(path)
    fmt = SAVE_FORMATS[p.suffix.lower()]
    a = np.asarray(array)
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (1, 3)) or a.size == 0:
        raise ImageError(f"{p}: cannot save an array of shape {a.shape} as an image")
    check_bit_depth(p, bit_depth)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    icc = srgb_profile() if profile is None else profile
    if bit_depth == 16:
        rgb = a if a.ndim == 3 else np.repeat(a[:, :, None], 3, axis=2)
        rgb = rgb.astype(np.float32) / 255.0 if rgb.dtype == np.uint8 else rgb
        write = lambda tmp: write_16bit(tmp, fmt, rgb, icc, exif)  # noqa: E731
    else:
        from photostyle.files.dither import dither_to_uint8

        im = Image.fromarray(dither_to_uint8(a) if dither and a.dtype != np.uint8 else to_uint8(a))
        kwargs: dict = {"icc_profile": icc} if icc else {}
        if exif:
            kwargs["exif"] = exif
        if fmt in LOSSY_FORMATS:
            kwargs["quality"] = quality
        register_plugins()  # HEIF encoder
        if fmt == "PNG":  # 12 MP: 2.9 s at Pillow's default level 6, 0.9 s at 3 (9 % larger)
            kwargs["compress_level"] = PNG_COMPRESS_LEVEL
        write = lambda tmp: im.save(tmp, format=fmt, **kwargs)  # noqa: E731
    try:
        return atomic_write(p, write)
    except OSError as exc:
        raise ImageError(f"{p}: cannot write image ({exc})") from None


def check_bit_depth(path: Path, bit_depth: int) -> None:
    """``bit_depth`` must be 8, or 16 for a PNG/TIFF ``path``; raises
    :class:`ImageError` otherwise."""
    if bit_depth == 8:
        return
    if bit_depth != 16:
        raise ImageError(f"{path}: bit depth must be 8 or 16, got {bit_depth}")
    if SAVE_FORMATS.get(path.suffix.lower()) not in SIXTEEN_BIT_FORMATS:
        raise ImageError(f"{path}: {path.suffix} holds 8 bits per channel (16 bits: .png, .tif)")
