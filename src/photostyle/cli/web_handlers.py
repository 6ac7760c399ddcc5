"""The web app's handlers (:mod:`photostyle.cli.webapp`): the transfer, the look, previews.

Plain functions on files and arrays (no gradio here), so they are tested without a browser.
:func:`stream` runs a handler in a thread and reports its stage while it runs.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from photostyle.defaults import (
    DEFAULT_COLOUR_FIX,
    DEFAULT_DETAIL_MATCH,
    DEFAULT_LOCALITY,
    DEFAULT_PALETTE_MATCH,
    DEFAULT_STRENGTH,
    DEFAULT_WORK_MP,
)
from photostyle.files.images import ImageError, load_image

DEFAULT_MAX_PIXELS = 25_000_000
#: Download formats: label -> (extension, bit depth); the content's EXIF and an sRGB profile
#: go into every one (:func:`photostyle.files.output.write_result`).
DOWNLOAD_FORMATS = {
    "PNG": (".png", "auto"),
    "JPEG": (".jpg", "8"),
    "TIFF 16-bit": (".tif", "16"),
    "WebP": (".webp", "8"),
}
#: The bounds of the page's sliders, checked again here: a request made without the page (an
#: API client, an edited request) may send any value.
SLIDERS = {
    "log10_lam": (-6.0, -1.0),
    "max_side": (64, 1024),
    "work_mp": (0.0, 4.0),
    "strength": (0.0, 1.0),
    "locality": (0.0, 1.0),
}
#: Long side of the upload previews.
PREVIEW_SIDE = 512
DEFAULT_MAX_FILE_MB = 30


def _path(f: object) -> str | None:
    """Path of an uploaded file (gradio passes str paths or objects with ``.name``)."""
    if f is None:
        return None
    return str(getattr(f, "name", f))


def side_by_side(images: list[np.ndarray], height: int = 320) -> np.ndarray:
    """Images scaled to a common ``height`` and joined left to right (uint8 ``h x W x 3``)."""
    from PIL import Image

    from photostyle.files.images import to_uint8

    tiles = []
    for im in images:
        pil = Image.fromarray(to_uint8(im))
        tiles.append(
            np.asarray(pil.resize((max(1, round(pil.width * height / pil.height)), height)))
        )
    return np.concatenate(tiles, 1)


def run_transfer(
    content_file: object,
    style_file: object,
    content_mask: object,
    style_mask: object,
    auto_labels: bool,
    smoothing: str,
    log10_lam: float,
    max_side: float,
    colour_fix: bool = DEFAULT_COLOUR_FIX,
    detail_match: bool = DEFAULT_DETAIL_MATCH,
    work_mp: float = DEFAULT_WORK_MP,
    out_format: str = "PNG",
    strength: float = DEFAULT_STRENGTH,
    locality: float = DEFAULT_LOCALITY,
    palette_match: bool = DEFAULT_PALETTE_MATCH,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Callable[..., None] | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, str, str, tuple]:
    """The transfer handler. Returns (before/after pair, side-by-side, download path, status
    line, look job): the status line gives the whole time from the request to the written
    result; the look is fitted afterwards from the job (:func:`fit_look`).

    ``progress(message, fraction=None)``: stage messages and the running solve's fraction
    (see :mod:`photostyle.progress`). Raises ``ValueError`` / :class:`ImageError` with a
    one-line message on bad input.
    """
    t_start = time.perf_counter()
    if out_format not in DOWNLOAD_FORMATS:
        raise ValueError(f"download format must be one of {', '.join(DOWNLOAD_FORMATS)}")
    uploads = uploads_of(content_file, style_file, content_mask, style_mask)
    with page_errors(uploads, max_pixels):
        options = page_settings(
            content_file, style_file, content_mask, style_mask, auto_labels, smoothing,
            log10_lam, max_side, colour_fix, detail_match, work_mp, out_format, strength,
            locality, palette_match,
        )  # fmt: skip
        return _transfer(uploads, options, out_format, max_pixels, progress, t_start)


#: The page's inputs in order (:func:`run_transfer`'s first parameters), with the defaults
#: of those that have one.
PAGE_INPUTS = ("content_file", "style_file", "content_mask", "style_mask", "auto_labels",
               "smoothing", "log10_lam", "max_side", "colour_fix", "detail_match", "work_mp",
               "out_format", "strength", "locality", "palette_match")  # fmt: skip
PAGE_DEFAULTS = {
    "colour_fix": DEFAULT_COLOUR_FIX, "detail_match": DEFAULT_DETAIL_MATCH,
    "work_mp": DEFAULT_WORK_MP, "out_format": "PNG", "strength": DEFAULT_STRENGTH,
    "locality": DEFAULT_LOCALITY, "palette_match": DEFAULT_PALETTE_MATCH,
}  # fmt: skip


def page_settings(*page: object) -> object:
    """The :class:`TransferOptions` of the page's inputs (:data:`PAGE_INPUTS`, in order; the
    files and the format are not read here)."""
    v = {**PAGE_DEFAULTS, **dict(zip(PAGE_INPUTS, page, strict=False))}
    names = ("smoothing", "log10_lam", "max_side", "auto_labels", "colour_fix")
    names += ("detail_match", "work_mp", "strength", "locality")
    options = page_options(*(v[n] for n in names), masked=v["content_mask"] is not None)
    return options.replace(palette_match=bool(v["palette_match"]))


def uploads_of(*files: object) -> list[str | None]:
    """The paths of the uploads (content, style, content mask, style mask)."""
    if files[0] is None or files[1] is None:
        raise ValueError("upload a content photo and a style photo")
    return [_path(f) for f in files]


@contextlib.contextmanager
def page_errors(uploads: list[str | None], max_pixels: int) -> Iterator[None]:
    """Errors re-raised as the page's user should read them (:func:`user_message`)."""
    try:
        yield
    except (ImageError, ValueError) as exc:
        kind = ImageError if isinstance(exc, ImageError) else ValueError
        raise kind(user_message(exc, uploads, max_pixels)) from None


def page_options(
    smoothing: str, log10_lam: float, max_side: float, auto_labels: bool, colour_fix: bool,
    detail_match: bool, work_mp: float, strength: float, locality: float, masked: bool,
) -> object:  # fmt: skip
    """The :class:`TransferOptions` of the page's settings; ``ValueError`` (one line) for a
    value the page should not send (a slider's bounds bypassed: lam 1e1000 overflows)."""
    from photostyle.options import TransferOptions

    values = {"log10_lam": log10_lam, "max_side": max_side, "work_mp": work_mp}
    values |= {"strength": strength, "locality": locality}
    for name, value in values.items():
        low, high = SLIDERS[name]
        try:
            inside = low <= float(value) <= high
        except (TypeError, ValueError):
            inside = False
        if not inside:
            raise ValueError(f"settings: {name} must be in {low:g}..{high:g}, got {value!r}")
    try:
        return TransferOptions(
            smoothing=smoothing, lam=float(10.0 ** float(log10_lam)), max_side=int(max_side),
            auto_labels=bool(auto_labels) and not masked, colour_fix=bool(colour_fix),
            detail_match=bool(detail_match), work_mp=float(work_mp), strength=float(strength),
            locality=float(locality),
        )  # fmt: skip
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"settings: {exc}") from None


def user_message(exc: Exception, uploads: list[str | None], max_pixels: int) -> str:
    """An error as the page's user should read it: each upload named by its own file name,
    not the server's temporary path, and the pixel limit as this server's."""
    message = str(exc)
    for path in sorted(filter(None, uploads), key=len, reverse=True):
        message = message.replace(path, Path(path).name)
    limit = f"the limit of {max_pixels / 1e6:.1f} MP"
    return message.replace(limit, f"this server's limit of {max_pixels / 1e6:.1f} MP")


def _transfer(
    uploads: list[str | None],
    options: object,
    out_format: str,
    max_pixels: int,
    progress: Callable[..., None] | None,
    t_start: float,
) -> tuple:
    from photostyle.pipeline import transfer

    content_file, style_file, cm, sm = uploads
    c = load_image(content_file, max_pixels=max_pixels)
    s = load_image(style_file, max_pixels=max_pixels)
    t0 = time.perf_counter()
    result = transfer(c, s, options, content_labels=cm, style_labels=sm, progress=progress).image
    dt = time.perf_counter() - t0
    from photostyle.files.output import OutputOptions, write_result

    ext, depth = DOWNLOAD_FORMATS[out_format]
    name = f"{Path(content_file).stem}_photostyle{ext}"
    out = Path(tempfile.mkdtemp(prefix="photostyle_")) / name
    write_result(out, result, content_file, OutputOptions(bit_depth=depth))
    h, w = result.shape[:2]
    total = time.perf_counter() - t_start
    smoothing = options.smoothing.value
    info = f"result {w}x{h} in {total:.1f} s ({smoothing} smoothing; transfer {dt:.1f} s)"
    look_job = (c, result, s, f"photostyle {Path(style_file).stem}", options.strength)
    return (c, result), side_by_side([c, s, result]), str(out), info, (str(out), look_job)


def fit_look(job: tuple | None) -> tuple[str, float]:
    """Fit and write the look (.cube) of a finished transfer (``job``: the last element of
    :func:`run_transfer`'s result); returns ``(path, seconds)``. Run after the result is on
    screen, never before it."""
    from photostyle.looks.look import Look

    if job is None:
        raise ValueError("run a transfer first")
    out, (c, result, s, title, strength) = job
    t0 = time.perf_counter()
    look = Path(out).with_name(Path(out).name.split("_photostyle")[0] + "_look.cube")
    Look.fit(c, result, title=title, style=s, strength=strength).save(look)
    return str(look), time.perf_counter() - t0


def stream(work: Callable[..., object], poll_s: float = 0.5) -> Iterator[tuple[str, object]]:
    """Run ``work(progress)`` in a thread; yield ``(status, None)`` every ``poll_s`` while it
    runs (its latest stage message, with the running solve's time left, and the seconds so
    far), then ``("", result)``. An exception of ``work`` is raised here."""
    state = {"message": "starting"}
    box: dict = {}

    def progress(message: str, fraction: float | None = None) -> None:
        state["message"] = message

    def run() -> None:
        try:
            box["result"] = work(progress)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    t0 = time.perf_counter()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(poll_s)
        if thread.is_alive():
            yield f"{state['message']} ({time.perf_counter() - t0:.0f} s)", None
    if "error" in box:
        raise box["error"]
    yield "", box["result"]


def preview(file: object, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray | None:
    """A small (``PREVIEW_SIDE``) uint8 preview of an upload (HEIC, RAW, 16-bit ... decoded
    as for the transfer), or ``None`` when there is no file or it cannot be read (the
    transfer then reports why)."""
    from photostyle.files.images import to_uint8
    from photostyle.imaging.resize import resize_by

    path = _path(file)
    if path is None:
        return None
    try:
        a = load_image(path, max_pixels=max_pixels)
    except (ImageError, ValueError, OSError):
        return None
    f = PREVIEW_SIDE / max(a.shape[:2])
    if f < 1:
        a = resize_by(a, f)
    return to_uint8(a)
