"""Planning and running a dataset stylization (:mod:`photostyle.batch.dataset`): the pairs, the
per-image errors found before any work, the run with its manifest."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from photostyle.batch import manifest as manifests
from photostyle.batch.dataset import (
    LabelMapping,
    PairJob,
    draw_styles,
    find_images,
    find_label,
    labels_beside,
    name_parts,
    output_name,
    run_pair,
)
from photostyle.batch.manifest import NAME, Manifest
from photostyle.errors import ImageError
from photostyle.files.atomic import remove_stale
from photostyle.files.paths import same_file


@dataclass(frozen=True)
class DatasetSpec:
    """What a dataset run is asked to do (the command line's arguments, checked)."""

    content_dir: Path
    style_dir: Path
    out_dir: Path
    per_content: int = 1
    seed: int = 0
    ext: str = ".png"
    keep_names: bool = False
    content_labels: Path | None = None
    style_labels: Path | None = None
    repair_manifest: bool = False


@dataclass
class Plan:
    """The outputs to make (``jobs``), those already made (``finished``), and one error record
    per pair that cannot run (a missing label file, ...)."""

    jobs: list[PairJob] = field(default_factory=list)
    finished: list[PairJob] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def _inside(path: Path, folder: Path) -> bool:
    p, f = path.resolve(), folder.resolve()
    return p == f or f in p.parents


def check_spec(spec: DatasetSpec) -> tuple[list[Path], list[Path]]:
    """Fail fast (:class:`ImageError`, one line) on unusable folders and counts; returns the
    content and style images (relative paths)."""
    for what, d in (("content folder", spec.content_dir), ("--styles", spec.style_dir)):
        if not d.is_dir():
            raise ImageError(f"{d}: {what} not found")
        if _inside(spec.out_dir, d):
            raise ImageError(f"{spec.out_dir}: the output folder is inside the {what} {d}")
    for what, d in (
        ("--content-labels", spec.content_labels),
        ("--style-labels", spec.style_labels),
    ):
        if d is not None and not d.is_dir():
            raise ImageError(f"{d}: {what} folder not found")
    contents = find_images(spec.content_dir)
    styles = find_images(spec.style_dir)
    if not contents:
        raise ImageError(f"{spec.content_dir}: no images found")
    if not styles:
        raise ImageError(f"{spec.style_dir}: no style images found")
    if not 1 <= spec.per_content <= len(styles):
        raise ImageError(
            f"--per-content must be 1..{len(styles)} (the style pool), got {spec.per_content}"
        )
    if spec.keep_names and spec.per_content != 1:
        raise ImageError("--keep-names needs --per-content 1 (one output per content)")
    check_out_dir(spec.out_dir)
    if not spec.repair_manifest:
        manifests.check(spec.out_dir / NAME)
    return contents, styles


def check_out_dir(out: Path) -> None:
    """:class:`ImageError` unless outputs can be written under ``out``: it (or, when it does
    not exist yet, its nearest existing parent) is a folder we can create files in, and its
    manifest, when there is one, can be appended to. Creates nothing that stays."""
    import tempfile

    folder = out
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ImageError(f"{out}: cannot make the output folder ({folder} is a file)")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
        if (out / NAME).exists():
            os.close(os.open(out / NAME, os.O_WRONLY | os.O_APPEND))
    except OSError as exc:
        where = out / NAME if (out / NAME).exists() else folder
        raise ImageError(f"{where}: cannot write there ({exc.strerror})") from None


def plan(spec: DatasetSpec) -> Plan:
    """Every (content, drawn style) pair as a job; finished outputs and per-pair errors apart."""
    contents, styles = check_spec(spec)
    content_parts, style_parts = name_parts(contents, True), name_parts(styles, False)
    out = Plan()
    style_labels = {}
    made: dict[str, dict] = {}
    for rel in contents:
        for k in draw_styles(rel.as_posix(), spec.per_content, len(styles), spec.seed):
            srel = styles[k]
            style_part = None if spec.keep_names else style_parts[srel]
            orel = output_name(rel, content_parts[rel], style_part, spec.ext)
            record = {
                "content": rel.as_posix(),
                "style": srel.as_posix(),
                "output": orel.as_posix(),
            }
            _unique(made, record)
            content, style = spec.content_dir / rel, spec.style_dir / srel
            labels = (None, None)
            try:
                for src in (content, style):
                    if same_file(spec.out_dir / orel, src):
                        raise ImageError(f"{spec.out_dir / orel}: would overwrite the input {src}")
                if spec.content_labels is not None:
                    if srel not in style_labels:
                        style_labels[srel] = find_label(srel, spec.style_labels)
                    labels = (find_label(rel, spec.content_labels), style_labels[srel])
                    for side, lab, root, r in (
                        ("content", labels[0], spec.content_labels, rel),
                        ("style", labels[1], spec.style_labels, srel),
                    ):
                        if lab is None:
                            raise ImageError(f"no {side} label file for {r.name} in {root}")
            except ImageError as exc:
                record.pop("output")
                out.errors.append({**record, "error": str(exc)})
                continue
            job = PairJob(content, style, spec.out_dir / orel, record, *labels)
            (out.finished if job.output.is_file() else out.jobs).append(job)
    return out


def _unique(made: dict[str, dict], record: dict) -> None:
    """Refuse (before any work) an output name that a second pair would write as well."""
    key = record["output"].casefold()
    if key in made:
        first = made[key]
        raise ImageError(
            f"{first['content']} + {first['style']} and {record['content']} + "
            f"{record['style']} would both be written as {record['output']}; rename one"
        )
    made[key] = record


@dataclass
class DatasetSummary:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"dataset: {self.done} done, {self.skipped} already finished, {self.failed} failed "
            f"in {self.seconds:.1f} s"
        )


def run_dataset(
    spec: DatasetSpec,
    options: dict,
    workers: int = 1,
    ray_address: str | None = None,
    use_ray: bool = False,
    on_start: Callable[[Plan], None] | None = None,
    on_result: Callable[[dict], None] | None = None,
) -> DatasetSummary:
    """Plan, then run every unfinished pair; the manifest (``OUT_DIR/manifest.jsonl``) gets a
    line per finished output (and per failed pair) as it happens.

    ``options``: ``{"transfer": TransferOptions, "output": OutputOptions,
    "labels": LabelMapping or None, "labels_out": None | "copy" | "link"}``.
    """
    t0 = time.perf_counter()
    p = plan(spec)  # every check, before anything is written
    spec.out_dir.mkdir(parents=True, exist_ok=True)
    if spec.repair_manifest:
        manifests.repair(spec.out_dir / NAME)
    manifest = Manifest(spec.out_dir / NAME)
    manifest.forget({job.record["output"] for job in p.jobs})  # redone: listed once, anew
    for job in p.jobs:
        remove_stale(job.output)  # a temporary file left by a killed run
    summary = DatasetSummary(skipped=len(p.finished), failed=len(p.errors))
    for job in p.finished:  # renamed into place, but killed before its manifest line
        if job.record["output"] not in manifest.outputs:
            labels_beside(job, options.get("labels_out"))
            manifest.append({**job.record, "recovered": True})
    for err in p.errors:
        manifest.append(err)
        if on_result:
            on_result(err)
    if on_start:
        on_start(p)
    if use_ray:
        from photostyle.batch.ray_jobs import run_ray

        results = run_ray(p.jobs, run_pair, options, ray_address)
    else:
        from photostyle.batch.local import run_local

        results = run_local(p.jobs, run_pair, options, workers)
    for _, record in results:
        manifest.append(record)
        if "error" in record:
            summary.failed += 1
        else:
            summary.done += 1
        if on_result:
            on_result(record)
    summary.seconds = time.perf_counter() - t0
    return summary


__all__ = ["DatasetSpec", "LabelMapping", "Plan", "check_spec", "plan", "run_dataset"]
