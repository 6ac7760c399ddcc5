"""Command-line commands for looks: ``photostyle lut`` and ``photostyle apply``.

Registered on the application in :mod:`photostyle.cli.app`; the shared options and argument
helpers are in :mod:`photostyle.cli.options`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from photostyle.cli import options as o
from photostyle.errors import ImageError
from photostyle.options import TransferOptions


@o.with_transfer_options("auto_labels", "label_count", "smoothing", "lam", "strength", "locality",
                         "work_mp",
                         "device")  # fmt: skip
def lut(
    content: Annotated[Path, typer.Argument(help="photo to restyle")],
    style: Annotated[Path, typer.Argument(help="photo whose look to copy")],
    out: Annotated[Path, o.option("-o", "--out", panel=o.OUTPUT, help="the look (.cube)")],
    options: TransferOptions,
    size: Annotated[int, o.option(panel=o.OUTPUT, help="lattice points per axis (2..129)")] = 33,
) -> None:
    """Write only the look of restyling CONTENT like STYLE, as a 3D LUT (.cube)."""
    from photostyle.progress import ConsoleProgress

    progress = ConsoleProgress()
    try:
        o.check_lut_path(out, size, content, style)
        o.check_files(None, content, style)
        from photostyle.files.images import load_image
        from photostyle.looks.look import Look
        from photostyle.pipeline import transfer

        result = transfer(content, style, options, progress=progress).image
        progress(f"fitting the look -> {out}")
        title = f"photostyle {style.stem}"
        c, s = load_image(content), load_image(style)
        Look.fit(c, result, size, title=title, style=s, strength=options.strength).save(out)
    except (ImageError, ValueError, FileNotFoundError) as exc:
        progress.close()
        o.fail(str(exc))
    progress(f"done -> {out}")


def apply(
    look: Annotated[Path, typer.Argument(help="a .cube 3D LUT (ours or any tool's)")],
    inputs: Annotated[list[str], typer.Argument(help="image files, folders or glob patterns")],
    out: Annotated[Path, o.option("-o", "--out", panel=o.OUTPUT, help="output folder (created)")],
    workers: o.WorkersOption = 1,
    bit_depth: o.BitDepthOption = o.BitDepth.AUTO,
    quality: o.QualityOption = 95,
    strip_metadata: o.StripMetadataOption = False,
) -> None:
    """Apply a look to every photo of a shoot (same names and formats in OUT; resumable).

    Exit code 0 when every file succeeded, 2 when some failed (each is reported).
    """
    from tqdm import tqdm

    from photostyle.files.output import OutputOptions
    from photostyle.looks.look import Look
    from photostyle.looks.shoot import check_outputs_not_inputs, collect_inputs, run_apply

    try:
        Look.load(look)  # a bad LUT is reported before any photo is touched
        files = collect_inputs(inputs)
        check_outputs_not_inputs(files, out, Path(look))
        out_opts = OutputOptions(bit_depth.value, quality, strip_metadata).check()
        out.mkdir(parents=True, exist_ok=True)
    except (ImageError, ValueError, OSError) as exc:
        o.fail(str(exc))
    bar = tqdm(total=len(files), unit="photo", file=sys.stderr)

    def on_result(src: Path, err: str | None) -> None:
        if err:
            tqdm.write(f"error: {err}", file=sys.stderr)
        bar.update(1)

    done, skipped, errors = run_apply(str(look), files, out, out_opts, workers, on_result)
    bar.close()
    typer.echo(
        f"apply: {len(done)} done, {len(skipped)} already there, {len(errors)} failed -> {out}",
        err=True,
    )
    if errors:
        raise typer.Exit(2)


@o.with_transfer_options("locality", "work_mp", "device")
def video(
    source: Annotated[Path, typer.Argument(help="video to restyle (.mp4, .mov, .mkv ...)")],
    style: Annotated[Path, typer.Argument(help="photo whose look to copy")],
    out: Annotated[
        Path, typer.Option("-o", "--out", help="output video (.mp4/.mkv H.264, .mov ProRes)")
    ],
    options: TransferOptions,
    mode: Annotated[
        o.VideoMode,
        o.option(
            help="look: one look fitted on keyframes, applied to every frame (fast, no "
            "flicker); frames: the full transfer of every frame, its colour anchored to the look"
        ),
    ] = o.VideoMode.LOOK,
    keyframes: Annotated[
        int, typer.Option(help="frames the look is fitted on (evenly spaced)")
    ] = 3,
    stabilise: Annotated[
        bool, typer.Option(help="frames mode: anchor each frame's colours to the look")
    ] = True,
    lut: o.LutOption = None,
) -> None:
    """Restyle a video: one look fitted on keyframes, applied to every frame (no flicker), or
    the full transfer of every frame (--mode frames)."""
    from photostyle.progress import ConsoleProgress

    progress = ConsoleProgress()
    try:
        if keyframes < 1:
            raise ValueError(f"--keyframes must be >= 1, got {keyframes}")
        if lut is not None:
            o.check_lut_path(lut, 33, source, style)
        o.check_files(None, style)
        from photostyle.looks import video as v

        v.check_video_paths(source, out)
        progress(f"reading {keyframes} keyframes")
        frames = v.keyframes(source, keyframes)
        progress("fitting the look on the keyframes (full transfer of each)")
        results = v.keyframe_results(frames, style, options)
        need_look = mode is o.VideoMode.LOOK or lut is not None  # frames: the anchor
        look = v.fit_video_look(frames, results, style) if need_look else None
        if lut is not None:
            look.save(lut)
        if mode is o.VideoMode.LOOK:
            stats = v.apply_look_to_video(source, out, look, progress)
        else:
            from photostyle.files.images import load_image
            from photostyle.looks.look import Look

            anchor = Look.fit(frames, results)
            restyle = v.FrameTransfer(load_image(style), anchor, stabilise, options)
            stats = v.restyle_video(source, out, restyle, progress)
    except (ImageError, ValueError, FileNotFoundError) as exc:
        progress.close()
        o.fail(str(exc))
    progress(f"done: {stats['frames']} frames at {stats['fps']:.1f} frames/s -> {out}")
