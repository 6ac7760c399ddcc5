"""Command-line interface: ``photostyle transfer | batch | smooth | serve | bench | train``.

Input problems print one line ``error: <file>: <problem>`` on stderr and exit with code 2.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from photostyle.cli_options import (
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
    OutOption,
    QualityOption,
    SmoothingOption,
    StripMetadataOption,
    WorkMpOption,
    check_files,
    check_lut_path,
    fail,
    normalise_args,
    transfer_options,
)
from photostyle.defaults import DEFAULT_COLOUR_FIX, DEFAULT_DETAIL_MATCH, DEFAULT_MAX_SIDE
from photostyle.io import ImageError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@app.command()
def smooth(
    content: Annotated[Path, typer.Argument(help="content photo (guides the smoothing)")],
    stylized: Annotated[Path, typer.Argument(help="stylized image Y to smooth")],
    out: OutOption,
    method: Annotated[str, typer.Option(help="exact | guided")] = "exact",
    lam: LamOption = 1e-4,
    radius: Annotated[int, typer.Option(help="guided filter radius (guided)")] = None,
    eps: Annotated[float, typer.Option(help="guided filter eps (guided)")] = None,
    device: DeviceOption = "auto",
) -> None:
    """Photorealistic smoothing of STYLIZED guided by CONTENT (the F2 step, at full size)."""
    from photostyle.io import load_image, save_image
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
    lam: LamOption = 1e-4,
    max_side: MaxSideOption = DEFAULT_MAX_SIDE,
    alpha: Annotated[float, typer.Option(help="stylization strength in [0, 1]")] = 1.0,
    work_mp: WorkMpOption = 1.0,
    content_mask: Annotated[Path, typer.Option(help="label map of the content")] = None,
    style_mask: Annotated[Path, typer.Option(help="label map of the style")] = None,
    auto_labels: AutoLabelsOption = None,
    colour_fix: ColourFixOption = DEFAULT_COLOUR_FIX,
    detail_match: DetailMatchOption = DEFAULT_DETAIL_MATCH,
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
        if (content_mask is None) != (style_mask is None):
            raise ValueError("give both --content-mask and --style-mask, or neither")
        check_files(out, content, style, content_mask, style_mask)
        from photostyle.output import OutputOptions, write_result

        out_opts = OutputOptions(bit_depth, quality, strip_metadata, keep_profile).check(out)
        if lut is not None:
            check_lut_path(lut, lut_size)
        from photostyle.io import load_image
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
            from photostyle.look import Look

            progress(f"fitting the look -> {lut}")
            Look.fit(
                load_image(content), r, size=lut_size, title=f"photostyle {Path(style).stem}"
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
    lam: LamOption = 1e-4,
    max_side: MaxSideOption = DEFAULT_MAX_SIDE,
    auto_labels: AutoLabelsOption = None,
    colour_fix: ColourFixOption = DEFAULT_COLOUR_FIX,
    detail_match: DetailMatchOption = DEFAULT_DETAIL_MATCH,
    work_mp: WorkMpOption = 1.0,
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

    from photostyle.batch import read_pairs, run_batch
    from photostyle.output import OutputOptions

    try:
        if workers < 1:
            raise ValueError(f"--workers must be >= 1, got {workers}")
        options = transfer_options(
            smoothing, lam, max_side, auto_labels, colour_fix, detail_match, device, work_mp
        )
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
def bench(
    megapixels: Annotated[float, typer.Option(help="size of the synthetic photos")] = 0.3,
    repeats: Annotated[int, typer.Option(help="runs per method (median reported)")] = 3,
    device: DeviceOption = "auto",
) -> None:
    """Time the whole pipeline on this machine (synthetic photos; prints JSON)."""
    import json

    from photostyle.bench import run_bench

    try:
        result = run_bench(megapixels, repeats=repeats, device=device)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(json.dumps(result, indent=1))


@app.command()
def warmup() -> None:
    """Compile the smoothing kernels into the cache (run by `make install`; takes ~15 s once)."""
    from photostyle.kernels import warm_up

    t0 = time.perf_counter()
    seconds = warm_up()
    typer.echo(f"kernels ready in {time.perf_counter() - t0:.1f} s {seconds}", err=True)


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
    from photostyle.webapp import serve as run_server

    typer.echo(f"photostyle web app on http://{host}:{port}", err=True)
    run_server(host, port, max_file_mb)


@app.command()
def train(
    level: Annotated[int, typer.Option(help="decoder level 1..4")],
    data: Annotated[list[Path], typer.Option(help="folder(s) of photos, searched recursively")],
    out: Annotated[Path, typer.Option(help="output weights (.safetensors); checkpoint beside it")],
    steps: Annotated[int, typer.Option(help="total optimisation steps")] = 2000,
    batch_size: Annotated[int, typer.Option(help="crops per step")] = 8,
    crop: Annotated[int, typer.Option(help="crop side in pixels")] = 128,
    lr: Annotated[float, typer.Option(help="Adam learning rate (cosine decay to 10%)")] = 1e-4,
    perceptual_weight: Annotated[float, typer.Option(help="weight of the VGG feature loss")] = 0.0,
    head_steps: Annotated[int, typer.Option(help="blockwise head-only steps first")] = 0,
    init_from: Annotated[
        Path, typer.Option(help="trained lower-level decoder for the tail")
    ] = None,
    weights: Annotated[
        Path, typer.Option(help="same-level weights to continue from (new schedule)")
    ] = None,
    val: Annotated[Path, typer.Option(help="folder of validation photos (PSNR in the log)")] = None,
    ckpt_every: Annotated[int, typer.Option(help="checkpoint interval in steps")] = 50,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    device: DeviceOption = "auto",
    resume: Annotated[bool, typer.Option(help="continue from the checkpoint beside --out")] = False,
) -> None:
    """Train a PhotoWCT decoder for image reconstruction (resumable)."""
    import torch

    from photostyle.train import TrainConfig, Trainer

    if level not in (1, 2, 3, 4):
        fail(f"--level must be 1..4, got {level}")
    cfg = TrainConfig(
        level=level,
        data=[str(d) for d in data],
        out=str(out),
        steps=steps,
        batch_size=batch_size,
        crop=crop,
        lr=lr,
        perceptual_weight=perceptual_weight,
        head_steps=head_steps,
        ckpt_every=ckpt_every,
        seed=seed,
        init_from=str(init_from) if init_from else None,
        weights=str(weights) if weights else None,
        val=str(val) if val else None,
        device=device,
    )
    torch.set_num_threads(max(1, torch.get_num_threads()))
    try:
        trainer = Trainer(cfg, resume=resume)
        typer.echo(
            f"training decoder {level} on {len(trainer.photos)} photos, {trainer.device}, "
            f"from step {trainer.step}",
            err=True,
        )
        result = trainer.run(progress=True)
    except (ImageError, FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        typer.echo(f"interrupted; checkpoint saved to {trainer.ckpt}", err=True)
        raise typer.Exit(130) from None
    typer.echo(f"done: step {result['step']}, weights {out}", err=True)


from photostyle.cli_looks import apply, lut, video  # noqa: E402 (defined beside, registered here)

app.command(name="lut")(lut)
app.command(name="apply")(apply)
app.command(name="video")(video)


def main(args: list[str] | None = None) -> None:
    """Console entry point (``photostyle``, ``python -m photostyle``)."""
    app(args=normalise_args(sys.argv[1:] if args is None else args), prog_name="photostyle")


if __name__ == "__main__":
    main()
