"""Writing a result the way photo tools do: bit depth, colour profile and the camera's EXIF.

One path for the command line, ``batch`` and the web app (:func:`write_result`):

* bit depth: ``"auto"`` gives 16 bits when the content was a 16-bit file and the output
  format holds 16 bits (PNG, TIFF), else 8; ``8`` / ``16`` force it (16 only for PNG/TIFF);
* colour: the result is sRGB and carries the sRGB ICC profile; ``keep_profile`` converts it
  back to the content's own profile (e.g. Display P3) and embeds that one instead (matrix/TRC
  profiles; other kinds keep sRGB with a warning);
* metadata: the content's EXIF (orientation reset, no thumbnail: :mod:`photostyle.files.exif`);
  ``strip_metadata`` writes none (GPS included).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BIT_DEPTHS = ("auto", "8", "16")


@dataclass(frozen=True)
class OutputOptions:
    """How results are written (see the module docstring)."""

    bit_depth: str = "auto"
    quality: int = 95
    strip_metadata: bool = False
    keep_profile: bool = False

    def check(self, out: str | os.PathLike | None = None) -> OutputOptions:
        """Validate the options (and, given ``out``, that its format can hold the bit depth)
        before any work; raises :class:`~photostyle.files.images.ImageError` / ``ValueError``."""
        from photostyle.files.images import check_bit_depth

        if self.bit_depth not in BIT_DEPTHS:
            raise ValueError(f"--bit-depth must be auto, 8 or 16, got {self.bit_depth!r}")
        if not 1 <= self.quality <= 100:
            raise ValueError(f"--quality must be 1..100, got {self.quality}")
        if out is not None and self.bit_depth == "16":
            check_bit_depth(Path(out), 16)
        return self


def source_bit_depth(path: str | os.PathLike) -> int:
    """16 for a camera RAW, a 16-bit RGB PNG/TIFF or 16-bit greyscale file, else 8 (header
    only)."""
    from PIL import Image

    from photostyle.files.bitdepth import is_16bit_rgb
    from photostyle.files.images import register_plugins
    from photostyle.files.raw import is_raw

    if is_raw(path):
        return 16
    register_plugins()
    with Image.open(path) as im:
        return 16 if is_16bit_rgb(im) or im.mode.startswith("I;16") else 8


def write_result(
    out: str | os.PathLike,
    result: np.ndarray,
    content: str | os.PathLike | None,
    options: OutputOptions = OutputOptions(),  # noqa: B008 (frozen dataclass)
) -> Path:
    """Write ``result`` (``H x W x 3`` float32 sRGB in [0, 1]) to ``out`` atomically, with the
    bit depth, profile and metadata of the content file ``content`` (``None``: a plain sRGB
    8-bit file) as ``options`` say."""
    from photostyle.files.images import SAVE_FORMATS, save_image

    depth, profile, exif = 8, None, None
    fmt = SAVE_FORMATS.get(Path(out).suffix.lower())
    if options.bit_depth == "16":
        depth = 16
    elif options.bit_depth == "auto" and content is not None and fmt in ("PNG", "TIFF"):
        depth = source_bit_depth(content)
    if content is not None and options.keep_profile:
        result, profile = _to_content_profile(result, content)
    if content is not None and not options.strip_metadata:
        from photostyle.files.exif import read_exif

        exif = read_exif(content)
    return save_image(
        out, result, bit_depth=depth, profile=profile, exif=exif, quality=options.quality
    )


def _to_content_profile(
    result: np.ndarray, content: str | os.PathLike
) -> tuple[np.ndarray, bytes | None]:
    from PIL import Image

    from photostyle.files.profiles import is_srgb, srgb_to_profile
    from photostyle.files.raw import is_raw

    if is_raw(content):  # decoded to sRGB: it has no profile of its own
        return result, None
    with Image.open(content) as im:
        icc = im.info.get("icc_profile")
    if not icc or is_srgb(icc):
        return result, None
    converted = srgb_to_profile(result, icc)
    if converted is None:
        warnings.warn(
            f"{content}: its ICC profile is not a matrix/TRC RGB profile; result kept in sRGB",
            stacklevel=3,
        )
        return result, None
    return converted, icc
