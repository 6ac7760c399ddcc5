"""``photostyle dataset``: stylize a whole dataset with a style pool (and label maps).

Registered on the application in :mod:`photostyle.cli.app`; the work is done by
:mod:`photostyle.batch.dataset_run`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

import photostyle.cli.options as opts
from photostyle import defaults
from photostyle.errors import ImageError

LabelDir = Annotated[Path, typer.Option(help="label maps of the images (matched by path)")]
SpaceOption = Annotated[str, typer.Option(help="this side's label space (default --label-space)")]
UnknownIds = Annotated[str, typer.Option(help="an id not in the space: error | ignore")]
LabelsOut = Annotated[str, typer.Option(help="content's label file beside outputs: copy | link")]
KeepNames = Annotated[bool, typer.Option(help="outputs named like their content (1 per content)")]


def dataset(
    content_dir: Annotated[Path, typer.Argument(help="folder of images to restyle (recursive)")],
    styles: Annotated[Path, typer.Option("--styles", help="folder of style photos (the pool)")],
    out: Annotated[Path, typer.Option("-o", "--out", help="output folder (mirrors CONTENT_DIR)")],
    per_content: Annotated[int, typer.Option(help="styles drawn per content image")] = 1,
    seed: Annotated[int, typer.Option(help="seed of the style draw (same seed, same pairs)")] = 0,
    content_labels: LabelDir = None,
    style_labels: LabelDir = None,
    label_space: Annotated[
        str, typer.Option(help="cityscapes | cityscapes-train | ade20k | FILE.json (both sides)")
    ] = "cityscapes",
    content_label_space: SpaceOption = None,
    style_label_space: SpaceOption = None,
    unknown_ids: UnknownIds = "error",
    labels_out: LabelsOut = None,
    keep_names: KeepNames = False,
    out_format: Annotated[str, typer.Option("--format", help="png | jpg | tif | webp")] = "png",
    smoothing: opts.SmoothingOption = "exact",
    lam: opts.LamOption = defaults.DEFAULT_LAM,
    max_side: opts.MaxSideOption = defaults.DEFAULT_MAX_SIDE,
    work_mp: opts.WorkMpOption = defaults.DEFAULT_WORK_MP,
    strength: opts.StrengthOption = 1.0,
    auto_labels: opts.AutoLabelsOption = None,
    colour_fix: opts.ColourFixOption = defaults.DEFAULT_COLOUR_FIX,
    detail_match: opts.DetailMatchOption = defaults.DEFAULT_DETAIL_MATCH,
    noise_aware: opts.NoiseAwareOption = defaults.DEFAULT_NOISE_AWARE,
    region_stats: opts.RegionStatsOption = defaults.DEFAULT_REGION_STATS,
    bit_depth: opts.BitDepthOption = "auto",
    quality: opts.QualityOption = 95,
    strip_metadata: opts.StripMetadataOption = False,
    workers: Annotated[int, typer.Option(help="local worker processes")] = 1,
    ray: Annotated[
        str, typer.Option("--ray", metavar="[ADDRESS]", help="run on Ray (no address: local)")
    ] = None,
    device: opts.DeviceOption = "auto",
) -> None:
    """Restyle every image under CONTENT_DIR with styles drawn from a pool; resumable, with a
    manifest (OUT/manifest.jsonl). Exit code 0 when every pair succeeded, 2 when some failed."""
    from photostyle.batch.dataset_run import DatasetSpec, check_spec

    try:
        spec = DatasetSpec(
            content_dir, styles, out, per_content, seed, _ext(out_format), keep_names,
            content_labels, style_labels,
        )  # fmt: skip
        options = _options(
            smoothing, lam, max_side, auto_labels, colour_fix, detail_match, device, work_mp,
            noise_aware, region_stats, strength, (bit_depth, quality, strip_metadata), workers,
        )  # fmt: skip
        options["labels"] = _mapping(
            spec, label_space, content_label_space, style_label_space, unknown_ids
        )
        if labels_out not in (None, "copy", "link"):
            raise ValueError(f"--labels-out must be copy or link, got {labels_out!r}")
        if labels_out and content_labels is None:
            raise ValueError("--labels-out needs --content-labels")
        if options["labels"] and options["transfer"]["auto_labels"]:
            raise ValueError("give label folders or --auto-labels, not both")
        options["labels_out"] = labels_out
        check_spec(spec)
    except (ImageError, ValueError) as exc:
        opts.fail(str(exc))
    _run(spec, options, workers, ray)


def _ext(out_format: str) -> str:
    ext = "." + out_format.lower().lstrip(".")
    if ext not in (".png", ".jpg", ".tif", ".webp"):
        raise ValueError(f"--format must be png, jpg, tif or webp, got {out_format!r}")
    return ext


def _options(*args: object) -> dict:
    from photostyle.files.output import OutputOptions

    *transfer_args, noise_aware, region_stats, strength, output, workers = args
    if workers < 1:
        raise ValueError(f"--workers must be >= 1, got {workers}")
    transfer = opts.transfer_options(*transfer_args)
    transfer.update(noise_aware=noise_aware, region_stats=region_stats)
    transfer["strength"] = defaults.check_fraction("--strength", strength)
    return {"transfer": transfer, "output": OutputOptions(*output).check()}


def _mapping(
    spec: object, both: str, content: str | None, style: str | None, unknown: str
) -> object:
    """The label mapping of both sides, or ``None`` without label folders."""
    from photostyle.batch.dataset import LabelMapping
    from photostyle.batch.label_spaces import load_label_space

    if (spec.content_labels is None) != (spec.style_labels is None):
        raise ValueError("give both --content-labels and --style-labels, or neither")
    if unknown not in ("error", "ignore"):
        raise ValueError(f"--unknown-ids must be error or ignore, got {unknown!r}")
    spaces = load_label_space(content or both), load_label_space(style or both)
    return None if spec.content_labels is None else LabelMapping(*spaces, unknown)


def _run(spec: object, options: dict, workers: int, ray: str | None) -> None:
    from tqdm import tqdm

    from photostyle.batch.dataset_run import run_dataset

    bar = None

    def on_start(plan: object) -> None:
        nonlocal bar
        typer.echo(
            f"dataset: {len(plan.jobs)} to make, {len(plan.finished)} already finished, "
            f"{len(plan.errors)} cannot run",
            err=True,
        )
        bar = tqdm(total=len(plan.jobs), unit="img", file=sys.stderr, smoothing=0.1)

    def on_result(record: dict) -> None:
        if "error" in record:
            line = f"error: {record['content']} + {record['style']}: {record['error']}"
            (tqdm.write(line, file=sys.stderr) if bar else typer.echo(line, err=True))
        if bar is not None:
            bar.update(1)

    address = None if ray in (None, "local") else ray
    try:
        summary = run_dataset(spec, options, workers, address, ray is not None, on_start, on_result)
    except (ImageError, ValueError) as exc:
        if bar is not None:
            bar.close()
        opts.fail(str(exc))
    if bar is not None:
        bar.close()
    typer.echo(summary.line() + f" -> {spec.out_dir}", err=True)
    if summary.failed:
        raise typer.Exit(2)
