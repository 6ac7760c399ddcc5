"""The command line: ``photostyle COMMAND``; photo commands first, developer tools last.

Input problems print one line ``error: <file>: <problem>`` on stderr and exit with code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from photostyle import __version__
from photostyle.cli import options as o
from photostyle.cli.options import fail
from photostyle.errors import ImageError
from photostyle.options import TransferOptions

HELP = (
    "Photorealistic style transfer: make a photo look like it was shot in the light, season "
    "and colour grading of another photo (Li et al., ECCV 2018)."
)
TOOLS = "Developer tools"
app = typer.Typer(add_completion=False, no_args_is_help=True, help=HELP, cls=o.Group)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"photostyle {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="show the version")
    ] = False,
) -> None:
    """Photorealistic style transfer."""


@app.command()
@o.with_transfer_options()
def transfer(
    content: Annotated[Path, typer.Argument(help="photo to restyle")],
    style: Annotated[Path, typer.Argument(help="photo whose look to copy")],
    out: o.OutOption,
    options: TransferOptions,
    content_mask: Annotated[Path, o.option(panel=o.INPUT, help="label map of the content")] = None,
    style_mask: Annotated[Path, o.option(panel=o.INPUT, help="label map of the style")] = None,
    bit_depth: o.BitDepthOption = o.BitDepth.AUTO,
    quality: o.QualityOption = 95,
    strip_metadata: o.StripMetadataOption = False,
    keep_profile: o.KeepProfileOption = False,
    lut: o.LutOption = None,
    lut_size: o.LutSizeOption = 33,
    verbose: Annotated[bool, o.option("--verbose", panel=o.OUTPUT, help="report labels")] = False,
) -> None:
    """Restyle CONTENT to look like STYLE (PhotoWCT, then smoothing)."""
    from photostyle.progress import ConsoleProgress

    progress = ConsoleProgress()
    try:
        o.check_files(out, content, style, content_mask, style_mask)
        from photostyle.files.output import OutputOptions, write_result
        from photostyle.pipeline import transfer as run_transfer

        out_opts = OutputOptions(bit_depth.value, quality, strip_metadata, keep_profile).check(out)
        if lut is not None:
            o.check_lut_path(lut, lut_size, content, style, content_mask, style_mask, out)
        result = run_transfer(
            content, style, options, content_labels=content_mask, style_labels=style_mask,
            progress=progress,
        )  # fmt: skip
        progress(f"writing {out}")
        write_result(out, result.image, content, out_opts)
        if lut is not None:
            _write_look(lut, lut_size, content, style, result.image, options.strength, progress)
    except (ImageError, ValueError, FileNotFoundError) as exc:
        progress.close()
        fail(str(exc))
    if verbose:
        _report(result)
    progress(f"done -> {out}")


def _write_look(
    lut: Path, size: int, content: Path, style: Path, result: object, strength: float,
    progress: Callable[..., None],
) -> None:  # fmt: skip
    from photostyle.files.images import load_image
    from photostyle.looks.look import Look

    progress(f"fitting the look -> {lut}")
    title = f"photostyle {Path(style).stem}"
    c, s = load_image(content), load_image(style)
    Look.fit(c, result, size=size, title=title, style=s, strength=strength).save(lut)


def _report(result: object) -> None:
    if result.auto_labels is not None:
        typer.echo(f"automatic labels: {result.auto_labels}", err=True)
    for lv, fb in sorted(result.fallbacks.items(), reverse=True):
        for lab, why in fb.items():
            typer.echo(f"level {lv}: label {lab} uses the whole style ({why})", err=True)


@app.command()
@o.with_transfer_options()
def batch(
    pairs: Annotated[
        Path, typer.Argument(help="CSV: content,style[,content_mask,style_mask][,output]")
    ],
    out: Annotated[Path, o.option("-o", "--out", panel=o.OUTPUT, help="output folder")],
    options: TransferOptions,
    bit_depth: o.BitDepthOption = o.BitDepth.AUTO,
    quality: o.QualityOption = 95,
    strip_metadata: o.StripMetadataOption = False,
    keep_profile: o.KeepProfileOption = False,
    workers: o.WorkersOption = 1,
    ray: o.RayOption = False,
    ray_address: o.RayAddressOption = None,
) -> None:
    """Restyle every pair of a CSV into a folder; finished outputs are skipped (resumable).

    Exit code 0 when every row succeeded, 2 when some row failed (each is reported).
    """
    from photostyle.batch.local import read_pairs
    from photostyle.files.output import OutputOptions

    try:
        output = OutputOptions(bit_depth.value, quality, strip_metadata, keep_profile).check()
        jobs, errors = read_pairs(pairs, out)
    except (ImageError, ValueError) as exc:
        fail(str(exc))
    _run_batch(jobs, errors, {"transfer": options, "output": output}, workers, ray, ray_address)


def _run_batch(
    jobs: list, errors: list, options: dict, workers: int, ray: bool, address: str | None
) -> None:
    from tqdm import tqdm

    from photostyle.batch.local import run_batch
    from photostyle.errors import one_line

    for e in errors:
        typer.echo(f"error: {one_line(e)} (row skipped)", err=True)
    bar = tqdm(total=sum(not j.output.is_file() for j in jobs), unit="pair", file=sys.stderr)

    def on_result(job: object, err: str | None) -> None:
        if err:
            tqdm.write(f"error: {one_line(err)} (row skipped)", file=sys.stderr)
        bar.update(1)

    try:
        use_ray = ray or address is not None
        summary = run_batch(jobs, options, workers, address, use_ray, on_result)
    except ValueError as exc:  # e.g. no Ray cluster at the address
        bar.close()
        fail(str(exc))
    bar.close()
    summary.failed[:0] = errors
    typer.echo(summary.line(), err=True)
    if summary.failed:
        raise typer.Exit(2)


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 7860,
    max_file_mb: Annotated[int, typer.Option(help="largest accepted upload in MB")] = 30,
) -> None:
    """Start the web app (gradio): upload photos, restyle, download."""
    try:
        import gradio  # noqa: F401
    except ImportError:
        fail("serve needs gradio: pip install 'photostyle[serve]'")
    from photostyle.cli.webapp import serve as run_server

    typer.echo(f"photostyle web app on http://{host}:{port}", err=True)
    run_server(host, port, max_file_mb)


from photostyle.cli.dataset import dataset  # noqa: E402 (defined beside, registered here)
from photostyle.cli.looks import apply, lut, video  # noqa: E402
from photostyle.cli.sweep import sweep  # noqa: E402
from photostyle.cli.tools import bench, smooth, train, warmup  # noqa: E402

for _command in (dataset, lut, apply, video, sweep, smooth, serve):
    app.command()(_command)
app.command(rich_help_panel=TOOLS)(train)
app.command(rich_help_panel=TOOLS)(bench)
app.command(rich_help_panel=TOOLS)(warmup)


def main(args: list[str] | None = None) -> None:
    """Console entry point (``photostyle``, ``python -m photostyle``)."""
    app(args=sys.argv[1:] if args is None else args, prog_name="photostyle")


if __name__ == "__main__":
    main()
