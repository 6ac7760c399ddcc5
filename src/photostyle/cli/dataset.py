"""``photostyle dataset``: stylize a whole dataset with a style pool (and label maps).

Registered on the application in :mod:`photostyle.cli.app`; the work is done by
:mod:`photostyle.batch.dataset_run`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from photostyle.cli import options as o
from photostyle.errors import ImageError
from photostyle.options import TransferOptions

LabelDir = Annotated[Path, o.option(panel=o.INPUT, help="label maps of the images (by path)")]
SpaceOption = Annotated[
    str, o.option(panel=o.INPUT, help="this side's label space (default --label-space)")
]


@o.with_transfer_options()
def dataset(
    content_dir: Annotated[Path, typer.Argument(help="folder of images to restyle (recursive)")],
    styles: Annotated[Path, o.option("--styles", panel=o.INPUT, help="folder of style photos")],
    out: Annotated[
        Path, o.option("-o", "--out", panel=o.OUTPUT, help="output folder (mirrors CONTENT_DIR)")
    ],
    options: TransferOptions,
    per_content: Annotated[int, o.option(panel=o.INPUT, help="styles drawn per content image")] = 1,
    seed: Annotated[int, o.option(panel=o.INPUT, help="seed of the style draw")] = 0,
    content_labels: LabelDir = None,
    style_labels: LabelDir = None,
    label_space: Annotated[
        str,
        o.option(panel=o.INPUT, help="cityscapes | cityscapes-train | ade20k | FILE.json"),
    ] = "cityscapes",
    content_label_space: SpaceOption = None,
    style_label_space: SpaceOption = None,
    unknown_ids: Annotated[
        o.UnknownIds, o.option(panel=o.INPUT, help="a label id not in the space")
    ] = o.UnknownIds.ERROR,
    out_format: Annotated[o.Format, o.option("--format", panel=o.OUTPUT, help="file format")] = (
        o.Format.PNG
    ),
    labels_out: Annotated[
        o.LabelsOut, o.option(panel=o.OUTPUT, help="the content's label file beside each output")
    ] = None,
    keep_names: Annotated[
        bool, o.option("--keep-names", panel=o.OUTPUT, help="outputs named like their content")
    ] = False,
    repair_manifest: Annotated[
        bool,
        o.option(
            "--repair-manifest",
            panel=o.OUTPUT,
            help="a damaged OUT/manifest.jsonl: keep its good lines, move it aside",
        ),
    ] = False,
    bit_depth: o.BitDepthOption = o.BitDepth.AUTO,
    quality: o.QualityOption = 95,
    strip_metadata: o.StripMetadataOption = False,
    workers: o.WorkersOption = 1,
    ray: o.RayOption = False,
    ray_address: o.RayAddressOption = None,
) -> None:
    """Restyle every image under CONTENT_DIR with styles drawn from a pool (resumable).

    Writes OUT/manifest.jsonl; exit code 0 when every pair succeeded, 2 when some failed.
    """
    args = dict(locals())
    try:
        spec, options = _plan(args)
    except (ImageError, ValueError) as exc:
        o.fail(str(exc))
    _run(spec, options, workers, ray_address, bool(ray or ray_address))


def _plan(a: dict) -> tuple[object, dict]:
    """The dataset's spec and its options from the command's values (all checked here)."""
    from photostyle.batch.dataset_run import DatasetSpec, check_spec
    from photostyle.files.output import OutputOptions

    spec = DatasetSpec(
        a["content_dir"], a["styles"], a["out"], a["per_content"], a["seed"],
        "." + a["out_format"].value, a["keep_names"], a["content_labels"], a["style_labels"],
        a["repair_manifest"],
    )  # fmt: skip
    transfer = a["options"]
    output = OutputOptions(a["bit_depth"].value, a["quality"], a["strip_metadata"]).check()
    spaces = (a["label_space"], a["content_label_space"], a["style_label_space"])
    labels = _mapping(spec, *spaces, a["unknown_ids"])
    if a["labels_out"] and a["content_labels"] is None:
        raise ValueError("--labels-out needs --content-labels")
    if labels and transfer.auto_labels:
        raise ValueError("give label folders or --auto-labels, not both")
    check_spec(spec)
    labels_out = a["labels_out"].value if a["labels_out"] else None
    return spec, {
        "transfer": transfer,
        "output": output,
        "labels": labels,
        "labels_out": labels_out,
    }


def _mapping(
    spec: object, both: str, content: str | None, style: str | None, unknown: o.UnknownIds
) -> object:
    """The label mapping of both sides, or ``None`` without label folders."""
    from photostyle.batch.dataset import LabelMapping
    from photostyle.batch.label_spaces import load_label_space

    if (spec.content_labels is None) != (spec.style_labels is None):
        raise ValueError("give both --content-labels and --style-labels, or neither")
    spaces = load_label_space(content or both), load_label_space(style or both)
    return None if spec.content_labels is None else LabelMapping(*spaces, str(unknown.value))


def _run(spec: object, options: dict, workers: int, address: str | None, use_ray: bool) -> None:
    from tqdm import tqdm

    from photostyle.batch.dataset_run import run_dataset
    from photostyle.errors import one_line

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
            line = one_line(f"error: {record['content']} + {record['style']}: {record['error']}")
            (tqdm.write(line, file=sys.stderr) if bar else typer.echo(line, err=True))
        if bar is not None:
            bar.update(1)

    try:
        summary = run_dataset(spec, options, workers, address, use_ray, on_start, on_result)
    except (ImageError, ValueError) as exc:
        if bar is not None:
            bar.close()
        o.fail(str(exc))
    if bar is not None:
        bar.close()
    typer.echo(summary.line() + f" -> {spec.out_dir}", err=True)
    if summary.failed:
        raise typer.Exit(2)
