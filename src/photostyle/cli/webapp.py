"""Web app (``photostyle serve``): upload a content and a style photo, get the restyled photo.

A gradio Blocks app around :func:`photostyle.transfer`: drag-and-drop uploads (content, style,
optional masks), automatic-labels toggle, smoothing method, lambda on a log scale, max side;
the result is shown with a before/after slider and a side-by-side strip, with a download
button (PNG). Uploads larger than ``max_file_mb`` are refused by the server; images over
``max_pixels`` or unreadable files show a one-line error in the page. Requests are queued
and run one at a time (the model is shared; CPU inference uses all cores).

Gradio is an optional dependency: ``pip install 'photostyle[serve]'``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from photostyle.defaults import (
    DEFAULT_COLOUR_FIX,
    DEFAULT_DETAIL_MATCH,
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
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Callable[..., None] | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, str, str, str]:
    """The app's handler. Returns (before/after pair, side-by-side, download path, look
    (.cube) path, info line).

    ``progress(message, fraction=None)``: stage messages and the running solve's fraction
    (see :mod:`photostyle.progress`). Raises ``ValueError`` / :class:`ImageError` with a
    one-line message on bad input.
    """
    from photostyle.pipeline import transfer

    if content_file is None or style_file is None:
        raise ValueError("upload a content photo and a style photo")
    c = load_image(_path(content_file), max_pixels=max_pixels)
    s = load_image(_path(style_file), max_pixels=max_pixels)
    cm, sm = _path(content_mask), _path(style_mask)
    if (cm is None) != (sm is None):
        raise ValueError("upload both masks (content and style) or neither")
    t0 = time.perf_counter()
    result = transfer(
        c,
        s,
        smoothing=None if smoothing == "none" else smoothing,
        lam=float(10.0**log10_lam),
        max_side=int(max_side),
        content_labels=cm,
        style_labels=sm,
        auto_labels=bool(auto_labels) and cm is None,
        colour_fix=bool(colour_fix),
        detail_match=bool(detail_match),
        work_pixels=float(work_mp) * 1e6,
        strength=float(strength),
        progress=progress,
    )
    dt = time.perf_counter() - t0
    from photostyle.files.output import OutputOptions, write_result

    if out_format not in DOWNLOAD_FORMATS:
        raise ValueError(f"download format must be one of {', '.join(DOWNLOAD_FORMATS)}")
    ext, depth = DOWNLOAD_FORMATS[out_format]
    name = f"{Path(_path(content_file)).stem}_photostyle{ext}"
    out = Path(tempfile.mkdtemp(prefix="photostyle_")) / name
    write_result(out, result, _path(content_file), OutputOptions(bit_depth=depth))
    from photostyle.looks.look import Look

    look = out.with_name(f"{Path(_path(content_file)).stem}_look.cube")
    title = f"photostyle {Path(_path(style_file)).stem}"
    if progress is not None:
        progress("fitting the look (.cube)")
    Look.fit(c, result, title=title, style=s, strength=float(strength)).save(look)
    h, w = result.shape[:2]
    info = f"result {w}x{h} in {dt:.1f} s ({smoothing} smoothing)"
    return (c, result), side_by_side([c, s, result]), str(out), str(look), info


def preview(file: object, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray | None:
    """A small (``PREVIEW_SIDE``) uint8 preview of an upload (HEIC, RAW, 16-bit ... decoded
    as for the transfer), or ``None`` when there is no file or it cannot be read (the
    transfer then reports why)."""
    from photostyle.files.images import resize_float, to_uint8

    path = _path(file)
    if path is None:
        return None
    try:
        a = load_image(path, max_pixels=max_pixels)
    except (ImageError, ValueError, OSError):
        return None
    f = PREVIEW_SIDE / max(a.shape[:2])
    if f < 1:
        a = resize_float(a, (max(1, round(a.shape[1] * f)), max(1, round(a.shape[0] * f))))
    return to_uint8(a)


def gradio_progress(bar: object) -> Callable[..., None]:
    """A :mod:`photostyle.progress` callback that drives a ``gr.Progress`` bar: stages as
    its text, the running solve as its fraction (with the time left in the text)."""

    def update(message: str, fraction: float | None = None) -> None:
        bar(fraction, desc=message)

    return update


def build_app(max_pixels: int = DEFAULT_MAX_PIXELS):  # noqa: ANN201 (gradio is optional)
    """The gradio Blocks app (not launched)."""
    import gradio as gr

    # explicit parameters: gradio passes the inputs in order and the progress tracker by the
    # position of the parameter whose default is gr.Progress (so not after *args)
    def handler(  # noqa: ANN202
        content: object,
        style: object,
        cmask: object,
        smask: object,
        auto: object,
        smoothing: object,
        lam: object,
        max_side: object,
        colour_fix: object,
        detail_match: object,
        work_mp: object,
        out_format: object,
        strength: object,
        progress: object = gr.Progress(),  # noqa: B008
    ):
        args = (content, style, cmask, smask, auto, smoothing, lam, max_side)
        try:
            return run_transfer(
                *args,
                colour_fix,
                detail_match,
                work_mp,
                out_format,
                strength,
                max_pixels=max_pixels,
                progress=gradio_progress(progress),
            )
        except (ImageError, ValueError, FileNotFoundError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    with gr.Blocks(title="photostyle") as app:
        gr.Markdown(
            "# photostyle\nPhotorealistic style transfer: the content photo takes the light "
            "and colours of the style photo (PhotoWCT + closed-form smoothing)."
        )
        with gr.Row():
            content = gr.File(label="Content photo", elem_id="content")
            style = gr.File(label="Style photo", elem_id="style")
        with gr.Row():
            content_view = gr.Image(label="Content", interactive=False, elem_id="content_view")
            style_view = gr.Image(label="Style", interactive=False, elem_id="style_view")
        content.change(lambda f: preview(f, max_pixels), content, content_view)
        style.change(lambda f: preview(f, max_pixels), style, style_view)
        with gr.Accordion("Masks and settings", open=False):
            with gr.Row():
                cmask = gr.File(label="Content mask (optional)", elem_id="content_mask")
                smask = gr.File(label="Style mask (optional)", elem_id="style_mask")
            auto = gr.Checkbox(label="Automatic labels (when no masks)", value=False)
            smoothing = gr.Radio(["exact", "guided", "none"], value="exact", label="Smoothing")
            lam = gr.Slider(-6, -1, value=-4, step=0.25, label="log10 lambda (smoothing)")
            max_side = gr.Slider(64, 1024, value=512, step=32, label="Max side for stylization")
            colour_fix = gr.Checkbox(
                label="Colour fix (match the style's colours)", value=DEFAULT_COLOUR_FIX
            )
            detail_match = gr.Checkbox(
                label="Detail match (match the style's local contrast)", value=DEFAULT_DETAIL_MATCH
            )
            work_mp = gr.Slider(
                0,
                4,
                value=DEFAULT_WORK_MP,
                step=0.25,
                label="Working resolution (MP): the look is solved at this size and carried "
                "to full size (0 = full size, paper's lambda)",
            )
            strength = gr.Slider(
                0, 1, value=DEFAULT_STRENGTH, step=0.05, label="Strength (0 = the content)"
            )
            out_format = gr.Dropdown(
                list(DOWNLOAD_FORMATS), value="PNG", label="Download format", elem_id="format"
            )
        go = gr.Button("Transfer", variant="primary", elem_id="run")
        info = gr.Textbox(label="Status", interactive=False, elem_id="info")
        slider = gr.ImageSlider(label="Before / after", format="png", elem_id="slider")
        strip = gr.Image(label="Content | style | result", format="png", elem_id="strip")
        with gr.Row():
            download = gr.DownloadButton("Download result", elem_id="download")
            download_look = gr.DownloadButton("Download look (.cube)", elem_id="download_look")
        go.click(
            handler,
            [
                content,
                style,
                cmask,
                smask,
                auto,
                smoothing,
                lam,
                max_side,
                colour_fix,
                detail_match,
                work_mp,
                out_format,
                strength,
            ],
            [slider, strip, download, download_look, info],
            concurrency_limit=1,
        )
    return app


def serve(
    host: str = "127.0.0.1", port: int = 7860, max_file_mb: int = DEFAULT_MAX_FILE_MB
) -> None:
    """Launch the app (blocking); requests are queued, one transfer at a time."""
    app = build_app()
    app.queue(default_concurrency_limit=1)
    app.launch(
        server_name=host, server_port=port, max_file_size=f"{max_file_mb}mb", show_error=True
    )
