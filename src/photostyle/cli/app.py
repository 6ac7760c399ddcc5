"""Command-line interface: ``photostyle transfer | batch | dataset | lut | apply | video |
smooth | serve`` (and the tools ``train | bench | warmup``).

Input problems print one line ``error: <file>: <problem>`` on stderr and exit with code 2.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from photostyle import defaults
from photostyle.cli.options import (
    AutoLabelsOption,
    BitDepthOption,
    ColourFixOption,
    DetailMatchOption,
    DeviceOption,
    KeepProfileOption,
    LamOption,
    LutOption,
    LutSizeOption,
    MaxSideOption,
    NoiseAwareOption,
    OutOption,
    QualityOption,
    RegionStatsOption,
    SmoothingOption,
    StrengthOption,
    StripMetadataOption,
    WorkMpOption,
    check_files,
    check_lut_path,
    fail,
    normalise_args,
    transfer_options,
)
from photostyle.defaults import (
    DEFAULT_COLOUR_FIX,
    DEFAULT_DETAIL_MATCH,
    DEFAULT_LAM,
    DEFAULT_MAX_SIDE,
    DEFAULT_WORK_MP,
    check_fraction,
)
from photostyle.files.images import ImageError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@app.command()
def smooth(
    content: Annotated[Path, typer.Argument(help="content photo (guides the smoothing)")],
    stylized: Annotated[Path, typer.Argument(help="stylized image Y to smooth")],
    out: OutOption,
    method: Annotated[str, typer.Option(help="exact | guided")] = "exact",
    lam: LamOption = DEFAULT_LAM,
    radius: Annotated[int, typer.Option(help="guided filter radius (guided)")] = None,
    eps: Annotated[float, typer.Option(help="guided filter eps (guided)")] = None,
    device: DeviceOption = "auto",
) -> None:
    """Photorealistic smoothing of STYLIZED guided by CONTENT (the F2 step, at full size)."""
    from photostyle.files.images import load_image, save_image
    from photostyle.progress import ConsoleProgress

    try:
        if method not in ("exact", "guided"):
            raise ValueError(f"--method must be exact or guided, got {method!r}")
        check_files(out, content, stylized)
        from photostyle.smoothing import smooth as run_smooth

        c = load_image(content)
        s = load_image(stylized)
        t0 = time.perf_counter()
        kwargs = {k: v for k, v in {"radius": radius, "eps": eps}.items() if v is not None}
        if method == "exact":
            kwargs["progress"] = bar = ConsoleProgress()
        r = run_smooth(c, s, method=method, lam=lam, device=device, **kwargs)
        if method == "exact":
            bar.close()
        dt = time.perf_counter() - t0
        save_image(out, r)
    except (ImageError, ValueError) as exc:
        fail(str(exc))
    h, w = c.shape[:2]
    typer.echo(f"smooth ({method}): {w}x{h} in {dt:.2f} s -> {out}", err=True)


@app.command()
def transfer(
    content: Annotated[Path, typer.Argument(help="photo to restyle")],
    style: Annotated[Path, typer.Argument(help="photo whose look to copy")],
    out: OutOption,
    smoothing: SmoothingOption = "exact",
    lam: LamOption = DEFAULT_LAM,
    max_side: MaxSideOption = DEFAULT_MAX_SIDE,
    alpha: Annotated[float, typer.Option(help="WCT strength in [0, 1] (feature blend)")] = 1.0,
    strength: StrengthOption = 1.0,
    work_mp: WorkMpOption = DEFAULT_WORK_MP,
    content_mask: Annotated[Path, typer.Option(help="label map of the content")] = None,
    style_mask: Annotated[Path, typer.Option(help="label map of the style")] = None,
    auto_labels: AutoLabelsOption = None,
    colour_fix: ColourFixOption = DEFAULT_COLOUR_FIX,
    detail_match: DetailMatchOption = DEFAULT_DETAIL_MATCH,
    noise_aware: NoiseAwareOption = defaults.DEFAULT_NOISE_AWARE,
    region_stats: RegionStatsOption = defaults.DEFAULT_REGION_STATS,
    verbose: Annotated[bool, typer.Option(help="report label fallbacks")] = False,
    bit_depth: BitDepthOption = "auto",
    quality: QualityOption = 95,
    strip_metadata: StripMetadataOption = False,
    keep_profile: KeepProfileOption = False,
    lut: LutOption = None,
    lut_size: LutSizeOption = 33,
    device: DeviceOption = "auto",
) -> None:
    """Restyle CONTENT to look like STYLE (PhotoWCT, then smoothing)."""
    from photostyle.progress import ConsoleProgress

    progress = ConsoleProgress()
    try:
        options = transfer_options(
            smoothing, lam, max_side, auto_labels, colour_fix, detail_match, device, work_mp
        )
        options.update(noise_aware=noise_aware, region_stats=region_stats)
        options["strength"] = check_fraction("--strength", strength)
        check_fraction("--alpha", alpha)
        if (content_mask is None) != (style_mask is None):
            raise ValueError("give both --content-mask and --style-mask, or neither")
        check_files(out, content, style, content_mask, style_mask)
        from photostyle.files.output import OutputOptions, write_result

        out_opts = OutputOptions(bit_depth, quality, strip_metadata, keep_profile).check(out)
        if lut is not None:
            check_lut_path(lut, lut_size, content, style, content_mask, style_mask, out)
        from photostyle.files.images import load_image
        from photostyle.pipeline import transfer as run_transfer

        report: dict = {}
        r = run_transfer(
            content,
            style,
            alpha=alpha,
            content_labels=content_mask,
            style_labels=style_mask,
            progress=progress,
            report=report,
            **options,
        )
        progress(f"writing {out}")
        write_result(out, r, content, out_opts)
        if lut is not None:
            from photostyle.looks.look import Look

            progress(f"fitting the look -> {lut}")
            Look.fit(
                load_image(content),
                r,
                size=lut_size,
                title=f"photostyle {Path(style).stem}",
                style=load_image(style),
                strength=options["strength"],
            ).save(lut)
    except (ImageError, ValueError, FileNotFoundError) as exc:
        progress.close()
        fail(str(exc))
    if verbose and "auto_labels" in report:
        typer.echo(f"automatic labels: {report['auto_labels']}", err=True)
    if verbose:
        for lv, fb in sorted(report.get("fallbacks", {}).items(), reverse=True):
            for lab, why in fb.items():
                typer.echo(f"level {lv}: label {lab} uses the whole style ({why})", err=True)
    progress(f"done -> {out}")


@app.command()
def batch(
    pairs: Annotated[
        Path, typer.Argument(help="CSV: content,style[,content_mask,style_mask][,output]")
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="output folder")],
    smoothing: SmoothingOption = "exact",
    lam: LamOption = DEFAULT_LAM,
    max_side: MaxSideOption = DEFAULT_MAX_SIDE,
    auto_labels: AutoLabelsOption = None,
    colour_fix: ColourFixOption = DEFAULT_COLOUR_FIX,
    detail_match: DetailMatchOption = DEFAULT_DETAIL_MATCH,
    work_mp: WorkMpOption = DEFAULT_WORK_MP,
    strength: StrengthOption = 1.0,
    noise_aware: NoiseAwareOption = defaults.DEFAULT_NOISE_AWARE,
    region_stats: RegionStatsOption = defaults.DEFAULT_REGION_STATS,
    bit_depth: BitDepthOption = "auto",
    quality: QualityOption = 95,
    strip_metadata: StripMetadataOption = False,
    keep_profile: KeepProfileOption = False,
    workers: Annotated[int, typer.Option(help="local worker processes")] = 1,
    ray: Annotated[
        str, typer.Option("--ray", metavar="[ADDRESS]", help="run on Ray (no address: local)")
    ] = None,
    device: DeviceOption = "auto",
) -> None:
    """Restyle every pair of a CSV into a folder; finished outputs are skipped (resumable).

    Exit code 0 when every row succeeded, 2 when some row failed (each is reported).
    """
    from tqdm import tqdm

    from photostyle.batch.local import read_pairs, run_batch
    from photostyle.files.output import OutputOptions

    try:
        if workers < 1:
            raise ValueError(f"--workers must be >= 1, got {workers}")
        options = transfer_options(
            smoothing, lam, max_side, auto_labels, colour_fix, detail_match, device, work_mp
        )
        options.update(noise_aware=noise_aware, region_stats=region_stats)
        options["strength"] = check_fraction("--strength", strength)
        options["output"] = OutputOptions(bit_depth, quality, strip_metadata, keep_profile).check()
        jobs, errors = read_pairs(pairs, out)
    except (ImageError, ValueError) as exc:
        fail(str(exc))
    for e in errors:
        typer.echo(f"error: {e} (row skipped)", err=True)
    bar = tqdm(total=sum(not j.output.is_file() for j in jobs), unit="pair", file=sys.stderr)

    def on_result(job: object, err: str | None) -> None:
        if err:
            tqdm.write(f"error: {err} (row skipped)", file=sys.stderr)
        bar.update(1)

    address = None if ray in (None, "local") else ray
    try:
        summary = run_batch(jobs, options, workers, address, ray is not None, on_result)
    except ValueError as exc:  # e.g. no Ray cluster at the address
        bar.close()
        fail(str(exc))
    bar.close()
    summary.failed[:0] = errors
    typer.echo(summary.line(), err=True)
    if summary.failed:
        raise typer.Exit(2)


@app.command()
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
from photostyle.cli.tools import bench, train, warmup  # noqa: E402

app.command(name="dataset")(dataset)
app.command(name="lut")(lut)
app.command(name="apply")(apply)
app.command(name="video")(video)
app.command(name="train")(train)
app.command(name="bench")(bench)
app.command(name="warmup")(warmup)


def main(args: list[str] | None = None) -> None:
    """Console entry point (``photostyle``, ``python -m photostyle``)."""
    app(args=normalise_args(sys.argv[1:] if args is None else args), prog_name="photostyle")


if __name__ == "__main__":
    main()
