"""Web app (``photostyle serve``): upload a content and a style photo, get the restyled photo.

A gradio Blocks app around :func:`photostyle.transfer`: drag-and-drop uploads (content, style,
optional masks), automatic-labels toggle, smoothing method, lambda on a log scale, max side;
the result is shown with a before/after slider and a side-by-side strip, with a download
button (PNG) as soon as the transfer is done; while it runs the status line shows the stage
and the exact solve's time left, and when it is done the whole time. The look (.cube) is
fitted after the result is on screen, never before it. Uploads larger than ``max_file_mb``
are refused by the server; images over ``max_pixels`` or unreadable files show a one-line
error in the page. Requests are queued
and run one at a time (the model is shared; CPU inference uses all cores).

Gradio is an optional dependency: ``pip install 'photostyle[serve]'``.
"""

from __future__ import annotations

from collections.abc import Callable

from photostyle.cli.web_handlers import (  # noqa: F401 (the app's public helpers)
    DEFAULT_MAX_FILE_MB,
    DEFAULT_MAX_PIXELS,
    DOWNLOAD_FORMATS,
    PAGE_DEFAULTS,
    SLIDERS,
    fit_look,
    preview,
    run_transfer,
    side_by_side,
    stream,
)
from photostyle.files.images import ImageError


def build_app(max_pixels: int = DEFAULT_MAX_PIXELS):  # noqa: ANN201 (gradio is optional)
    """The gradio Blocks app (not launched)."""
    import gradio as gr

    # explicit parameters: gradio passes the inputs in order (a generator handler: each yield
    # updates the outputs, so the status line follows the stages while the transfer runs)
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
        locality: object,
        palette_match: object,
    ):
        args = (content, style, cmask, smask, auto, smoothing, lam, max_side, colour_fix)
        args += (detail_match, work_mp, out_format, strength, locality, palette_match)
        keep = gr.skip()

        def work(progress: Callable[..., None]) -> tuple:
            return run_transfer(*args, max_pixels=max_pixels, progress=progress)

        try:
            for status, out in stream(work):
                if out is None:
                    yield keep, keep, keep, status, keep
                else:
                    pair, strip_image, path, info_line, job = out
                    yield pair, strip_image, path, info_line, job
        except (ImageError, ValueError, FileNotFoundError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def compare_handler(*inputs: object):  # noqa: ANN202 (the same inputs as the transfer)
        from photostyle.cli.web_compare import compare_settings

        keep = gr.skip()

        def work(progress: Callable[..., None]) -> tuple:
            return compare_settings(*inputs, max_pixels=max_pixels, progress=progress)

        try:
            for status, out in stream(work):
                yield (keep, keep, status) if out is None else out
        except (ImageError, ValueError, FileNotFoundError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def look_handler(job: object, info_line: str):  # noqa: ANN202
        if not job:
            return gr.skip(), info_line
        try:
            path, seconds = fit_look(job)
        except (ImageError, ValueError) as exc:
            return gr.skip(), f"{info_line}; look not fitted: {exc}"
        return path, f"{info_line}; look (.cube) fitted in {seconds:.1f} s"

    def lenient(component: object) -> object:
        """``component`` with the handler's input check instead of gradio's (a value past a
        slider's bounds, a choice not listed: gradio raises before the handler and logs a
        traceback on the server; the handler refuses the same values in one line, logging
        nothing). The instance's method is wrapped: a subclass of a gradio component would
        make gradio write a ``.pyi`` stub beside this file."""
        check = component.preprocess

        def preprocess(payload: object) -> object:
            try:
                return check(payload)
            except gr.Error:
                return payload

        component.preprocess = preprocess
        return component

    def Slider(*args: object, **kw: object) -> object:  # noqa: N802 (a component)
        return lenient(gr.Slider(*args, **kw))

    def Radio(*args: object, **kw: object) -> object:  # noqa: N802
        return lenient(gr.Radio(*args, **kw))

    def Dropdown(*args: object, **kw: object) -> object:  # noqa: N802
        return lenient(gr.Dropdown(*args, **kw))

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
            smoothing = Radio(["exact", "guided", "none"], value="exact", label="Smoothing")
            lam = Slider(
                *SLIDERS["log10_lam"], value=-4, step=0.25, label="log10 lambda (smoothing)"
            )
            max_side = Slider(
                *SLIDERS["max_side"], value=512, step=32, label="Max side for stylization"
            )
            colour_fix = gr.Checkbox(
                label="Colour fix (match the style's colours)", value=PAGE_DEFAULTS["colour_fix"]
            )
            detail_match = gr.Checkbox(
                label="Detail match (match the style's local contrast)",
                value=PAGE_DEFAULTS["detail_match"],
            )
            work_mp = Slider(
                *SLIDERS["work_mp"],
                value=PAGE_DEFAULTS["work_mp"],
                step=0.25,
                label="Working resolution (MP): the look is solved at this size and carried "
                "to full size (0 = full size, paper's lambda)",
            )
            strength = Slider(
                *SLIDERS["strength"],
                value=PAGE_DEFAULTS["strength"],
                step=0.05,
                label="Strength (0 = the content)",
            )
            grade_help = (
                "Locality: 0 = one colour grade per material for the whole photo, higher = "
                "the grade varies more in space, 1 = per pixel (may paint)"
            )
            locality = Slider(
                *SLIDERS["locality"], value=PAGE_DEFAULTS["locality"], step=0.05, label=grade_help
            )
            palette_match = gr.Checkbox(
                label="Palette match (below locality 1: move the graded colours towards the "
                "style's, a smooth shift per material)",
                value=PAGE_DEFAULTS["palette_match"],
            )
            out_format = Dropdown(
                list(DOWNLOAD_FORMATS), value="PNG", label="Download format", elem_id="format"
            )
        go = gr.Button("Transfer", variant="primary", elem_id="run")
        info = gr.Textbox(label="Status", interactive=False, elem_id="info")
        slider = gr.ImageSlider(label="Before / after", format="png", elem_id="slider")
        strip = gr.Image(label="Content | style | result", format="png", elem_id="strip")
        with gr.Row():
            download = gr.DownloadButton("Download result", elem_id="download")
            download_look = gr.DownloadButton("Download look (.cube)", elem_id="download_look")
        with gr.Accordion("Compare settings (lambda x locality)", open=False):
            compare = gr.Button("Compare settings", elem_id="compare")
            sheet = gr.Image(label="Each cell: F (boundaries kept), S (structure), G and C "
                             "(Gram and colour distance to the style)", format="png",
                             elem_id="sheet")  # fmt: skip
            tradeoff = gr.Image(label="Content kept against style distance", format="png")
        look_job = gr.State(None)
        inputs = [content, style, cmask, smask, auto, smoothing, lam, max_side, colour_fix]
        inputs += [detail_match, work_mp, out_format, strength, locality, palette_match]
        compare.click(
            compare_handler,
            inputs,
            [sheet, tradeoff, info],
            concurrency_limit=1,
            show_progress="minimal",
        )
        go.click(
            handler,
            inputs,
            [slider, strip, download, info, look_job],
            concurrency_limit=1,
            show_progress="minimal",
        ).then(look_handler, [look_job, info], [download_look, info], concurrency_limit=1)
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
