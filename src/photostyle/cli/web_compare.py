"""The web app's "compare settings" view (:mod:`photostyle.cli.webapp`): the page's transfer
over a grid of lambdas and localities, as a contact sheet and a trade-off plot
(:mod:`photostyle.sweep`). A plain function on files, tested without a browser."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from photostyle.cli.web_handlers import (
    DEFAULT_MAX_PIXELS,
    page_errors,
    page_settings,
    uploads_of,
)
from photostyle.files.images import load_image


def compare_settings(
    *page: object,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Callable[..., None] | None = None,
) -> tuple[np.ndarray, np.ndarray, str]:
    """The "compare settings" view: the page's transfer at the five lambdas of
    :data:`photostyle.sweep.DEFAULT_LAMS` (the page's lambda added) and at the page's
    locality and 1 (per pixel), as a contact sheet with each cell's scores and the trade-off
    plot (:mod:`photostyle.sweep`). ``page``: the page's inputs, as
    :func:`~photostyle.cli.web_handlers.run_transfer` takes them. Returns ``(sheet, plot,
    status line)``, images uint8."""
    from photostyle.sweep import DEFAULT_LAMS

    t0 = time.perf_counter()
    uploads = uploads_of(*page[:4])
    with page_errors(uploads, max_pixels):
        options = page_settings(*page)
        lams = sorted({*DEFAULT_LAMS, options.lam})
        localities = sorted({options.locality, 1.0})
        sheet, plot = _sweep(uploads, options, lams, localities, max_pixels, progress)
    n = len(lams) * len(localities)
    return sheet, plot, f"{n} settings compared in {time.perf_counter() - t0:.1f} s"


def _sweep(
    uploads: list[str | None],
    options: object,
    lams: list[float],
    localities: list[float],
    max_pixels: int,
    progress: Callable[..., None] | None,
) -> tuple[np.ndarray, np.ndarray]:
    from photostyle.cli.sweep_sheet import contact_sheet, plot
    from photostyle.sweep import sweep

    content_file, style_file, cm, sm = uploads
    c = load_image(content_file, max_pixels=max_pixels)
    s = load_image(style_file, max_pixels=max_pixels)
    total, done = len(lams) * len(localities), []

    def on_cell(cell: object) -> None:
        done.append(cell)
        if progress:
            progress(f"compared {len(done)} of {total} settings", len(done) / total)

    cells = sweep(c, s, options, lams, localities, content_labels=cm, style_labels=sm,
                  progress=progress, on_cell=on_cell)  # fmt: skip
    default, title = (options.lam, options.locality), "the page's settings framed"
    sheet = np.asarray(contact_sheet(c, s, cells, default, title, side=256))
    plot_path = Path(tempfile.mkdtemp(prefix="photostyle_")) / "tradeoff.png"
    plot(cells, default, plot_path, title, "png")
    from PIL import Image

    return sheet, np.asarray(Image.open(plot_path).convert("RGB"))
