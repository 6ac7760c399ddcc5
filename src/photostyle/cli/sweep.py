"""``photostyle sweep``: one pair over a grid of lambda (and locality) values, as a contact
sheet with each cell's scores, a plot of content preservation against style distance, and
the numbers as JSON (:mod:`photostyle.sweep`; drawn by :mod:`photostyle.cli.sweep_sheet`).

Registered on the application in :mod:`photostyle.cli.app`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from photostyle.cli import options as o
from photostyle.errors import ImageError
from photostyle.options import TransferOptions

#: The method options a sweep takes (lambda and locality are its axes).
SWEEP_OPTIONS = tuple(n for n in o.ALL_METHOD_OPTIONS if n not in ("lam", "locality"))


def parse_values(text: str, what: str) -> list[float]:
    """``"1e-5,1e-4"`` -> ``[1e-05, 0.0001]``; ``ValueError`` naming the option."""
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{what} must be numbers separated by commas, got {text!r}") from None


@o.with_transfer_options(*SWEEP_OPTIONS)
def sweep(
    content: Annotated[Path, typer.Argument(help="photo to restyle")],
    style: Annotated[Path, typer.Argument(help="photo whose look to copy")],
    out: Annotated[Path, o.option("-o", "--out", panel=o.OUTPUT, help="contact sheet (.png/.jpg)")],
    options: TransferOptions,
    lams: Annotated[
        str, o.option(help="lambda values, comma-separated (the sheet's columns)")
    ] = "1e-6,1e-5,1e-4,1e-3,1e-2",
    localities: Annotated[
        str, o.option(help="locality values, comma-separated (rows; default: the default's)")
    ] = "",
    plot: Annotated[
        Path, o.option(panel=o.OUTPUT, help="the trade-off plot (default: OUT stem + _plot.png)")
    ] = None,
    json_out: Annotated[
        Path, o.option("--json", panel=o.OUTPUT, help="the numbers (default: OUT stem + .json)")
    ] = None,
    cell_side: Annotated[int, o.option(panel=o.OUTPUT, help="long side of a cell (pixels)")] = 320,
) -> None:
    """Render CONTENT restyled like STYLE at several lambdas (and localities) as one contact
    sheet with each cell's scores, plus a plot of the trade-off (the paper's lambda figure)."""
    from photostyle.sweep import check_grid

    plot = plot or out.with_name(out.stem + "_plot.png")
    json_out = json_out or out.with_suffix(".json")
    try:
        grid = parse_values(lams, "--lams"), parse_values(localities, "--localities")
        grid = check_grid(grid[0], grid[1] or [options.locality])
        for p in (plot, json_out):
            if p in (out, content, style):
                raise ValueError(f"{p}: used twice (give different --out, --plot, --json)")
        if json_out.suffix.lower() != ".json":
            raise ValueError(f"{json_out}: the numbers are written as a .json file")
        if not 64 <= cell_side <= 1024:
            raise ValueError(f"--cell-side must be 64..1024, got {cell_side}")
        for p in (out, plot):
            if p.suffix.lower() not in (".png", ".jpg", ".jpeg"):
                raise ValueError(f"{p}: the sheet and the plot are written as .png or .jpg")
            o.check_files(p, content, style)
        o.check_files(json_out.with_suffix(".png"), content, style)  # its folder, writable
        _check_modules()
    except (ImageError, ValueError) as exc:
        o.fail(str(exc))
    _run(content, style, options, grid, (out, plot, json_out), cell_side)


def _check_modules() -> None:
    for module in ("skimage", "matplotlib"):
        try:
            __import__(module)
        except ImportError:
            raise ValueError(f"sweep needs {module}: pip install 'photostyle[sweep]'") from None


def _run(
    content: Path,
    style: Path,
    options: TransferOptions,
    grid: tuple[list[float], list[float]],
    paths: tuple[Path, Path, Path],
    cell_side: int,
) -> None:
    from tqdm import tqdm

    from photostyle.cli.sweep_sheet import contact_sheet, plot
    from photostyle.defaults import DEFAULT_LAM
    from photostyle.files.atomic import atomic_write
    from photostyle.files.images import load_image
    from photostyle.sweep import sweep as run_sweep

    out, plot_path, json_path = paths
    lams, locs = grid
    t0 = time.perf_counter()
    bar = tqdm(total=len(lams) * len(locs), unit="cell", file=sys.stderr, desc="sweep")
    try:
        c, s = load_image(content), load_image(style)
        cells = run_sweep(c, s, options, lams, locs, on_cell=lambda _: bar.update(1))
    except (ImageError, ValueError) as exc:
        bar.close()
        o.fail(str(exc))
    bar.close()
    default = (DEFAULT_LAM, options.locality)
    title = f"{content.name} like {style.name}"
    sheet = contact_sheet(c, s, cells, default, title, cell_side)
    atomic_write(out, lambda tmp: sheet.save(tmp, format=_format(out), quality=92))
    fmt = _format(plot_path).lower()
    atomic_write(plot_path, lambda tmp: plot(cells, default, Path(tmp), title, fmt))
    record = {
        "content": str(content),
        "style": str(style),
        "options": {k: str(v) for k, v in vars(options).items()},
        "default": {"lam": default[0], "locality": default[1]},
        "seconds": round(time.perf_counter() - t0, 2),
        "cells": [{"lam": x.lam, "locality": x.locality, **x.scores} for x in cells],
    }
    text = json.dumps(record, indent=1)
    atomic_write(json_path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    typer.echo(f"sweep: {len(cells)} cells in {record['seconds']:.1f} s -> {out}, "
               f"{plot_path}, {json_path}", err=True)  # fmt: skip


def _format(path: Path) -> str:
    return "JPEG" if path.suffix.lower() in (".jpg", ".jpeg") else "PNG"
