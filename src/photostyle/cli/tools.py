"""Commands beside the transfer: ``photostyle smooth`` (the F2 step alone) and the developer
tools ``train``, ``bench`` and ``warmup`` (registered in :mod:`photostyle.cli.app`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from photostyle.cli import options as o
from photostyle.cli.options import DeviceOption, fail
from photostyle.errors import ImageError


def smooth(
    content: Annotated[Path, typer.Argument(help="content photo (guides the smoothing)")],
    stylized: Annotated[Path, typer.Argument(help="stylized image Y to smooth")],
    out: o.OutOption,
    method: Annotated[
        o.SmoothMethod, o.option(help="closed form or guided filter")
    ] = o.SmoothMethod.EXACT,
    lam: o.LamOption = o.DEFAULTS.lam,
    radius: Annotated[int, o.option(help="guided filter radius (guided)")] = None,
    eps: Annotated[float, o.option(help="guided filter eps (guided)")] = None,
    device: DeviceOption = o.DEFAULTS.device,
) -> None:
    """Photorealistic smoothing of STYLIZED guided by CONTENT (the F2 step alone, full size)."""
    from photostyle.files.images import load_image, save_image
    from photostyle.progress import ConsoleProgress

    try:
        o.check_files(out, content, stylized)
        from photostyle.smoothing import smooth as run_smooth

        c, s = load_image(content), load_image(stylized)
        t0 = time.perf_counter()
        kwargs = {k: v for k, v in {"radius": radius, "eps": eps}.items() if v is not None}
        if method is o.SmoothMethod.EXACT:
            kwargs["progress"] = bar = ConsoleProgress()
        r = run_smooth(c, s, method=method.value, lam=lam, device=device.value, **kwargs)
        if method is o.SmoothMethod.EXACT:
            bar.close()
        dt = time.perf_counter() - t0
        save_image(out, r)
    except (ImageError, ValueError) as exc:
        fail(str(exc))
    h, w = c.shape[:2]
    typer.echo(f"smooth ({method.value}): {w}x{h} in {dt:.2f} s -> {out}", err=True)


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
    cache_crops: Annotated[
        int, typer.Option(help="draw batches from N fixed crops encoded once (0: fresh crops)")
    ] = 0,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    device: DeviceOption = o.DEFAULTS.device,
    resume: Annotated[bool, typer.Option(help="continue from the checkpoint beside --out")] = False,
) -> None:
    """Train a PhotoWCT decoder for image reconstruction (resumable)."""
    import torch

    from photostyle.photowct.train import TrainConfig, Trainer

    if level not in (1, 2, 3, 4):
        fail(f"--level must be 1..4, got {level}")
    args = dict(locals())
    paths = {k: str(args[k]) if args[k] else None for k in ("init_from", "weights", "val")}
    same = ("level", "steps", "batch_size", "crop", "lr", "perceptual_weight", "head_steps",
            "ckpt_every", "seed", "cache_crops")  # fmt: skip
    cfg = TrainConfig(
        data=[str(d) for d in data], out=str(out), device=device.value, **paths,
        **{k: args[k] for k in same},
    )  # fmt: skip
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


def bench(
    megapixels: Annotated[float, typer.Option(help="size of the synthetic photos")] = 0.3,
    repeats: Annotated[int, typer.Option(help="runs per method (median reported)")] = 3,
    device: DeviceOption = o.DEFAULTS.device,
) -> None:
    """Time the whole pipeline on this machine (synthetic photos; prints JSON)."""
    import json

    from photostyle.cli.bench import run_bench

    try:
        result = run_bench(megapixels, repeats=repeats, device=str(device))
    except ValueError as exc:
        fail(str(exc))
    typer.echo(json.dumps(result, indent=1))


def warmup() -> None:
    """Compile the smoothing kernels into the cache (run by `make install`; takes ~15 s once)."""
    from photostyle.cli.warmup import warm_up

    t0 = time.perf_counter()
    seconds = warm_up()
    typer.echo(f"kernels ready in {time.perf_counter() - t0:.1f} s {seconds}", err=True)
