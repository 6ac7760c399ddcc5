"""Batch transfer from a CSV of pairs: resumable, bad rows skipped, local processes or Ray.

CSV format (header required; paths relative to the CSV's folder unless absolute)::

    content,style[,content_mask,style_mask][,output]

``output`` is a file name inside the output folder (default ``<content>__<style>.png``).
A row is *finished* when its output file exists: outputs are written atomically (temporary
file + rename), so a killed batch leaves no partial file, and rerunning it skips the finished
rows and redoes only the interrupted ones. A bad row (missing file, unreadable image, mask
problem, duplicate output name) is reported and skipped; the other rows still run.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from photostyle.files.atomic import remove_stale
from photostyle.files.images import SAVE_FORMATS, ImageError
from photostyle.files.paths import same_file

OUTPUT_SUFFIXES = frozenset(SAVE_FORMATS)
J = TypeVar("J")
R = TypeVar("R")


@dataclass(frozen=True)
class Job:
    """One row of the CSV, with resolved paths."""

    row: int
    content: Path
    style: Path
    output: Path
    content_mask: Path | None = None
    style_mask: Path | None = None


@dataclass
class Summary:
    """What a batch did: finished now, skipped (finished before) and failed rows."""

    done: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        """One-line summary."""
        return (
            f"batch: {len(self.done)} done, {len(self.skipped)} already finished, "
            f"{len(self.failed)} failed in {self.seconds:.1f} s"
        )


def read_pairs(
    csv_path: str | os.PathLike, out_dir: str | os.PathLike
) -> tuple[list[Job], list[str]]:
    """Parse the CSV; returns the valid jobs and one error line per bad row.

    Raises :class:`ImageError` when the file itself is unusable (missing, no header, no
    ``content``/``style`` columns).
    """
    path, out_dir = Path(csv_path), Path(out_dir)
    if not path.is_file():
        raise ImageError(f"{path}: CSV file not found")
    rows, header = _read_csv(path)
    if not {"content", "style"} <= set(header):
        raise ImageError(f"{path}: needs a header with columns content,style (got {header})")
    if not rows:
        raise ImageError(f"{path}: no pairs (a header and no rows)")
    base = path.parent
    jobs: list[Job] = []
    errors: list[str] = []
    seen: dict[Path, int] = {}
    for i, raw in enumerate(rows, start=2):  # line 1 is the header
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        try:
            jobs.append(_job(i, row, base, out_dir, seen))
        except ValueError as exc:
            errors.append(f"{path}:{i}: {exc}")
    return jobs, errors


def _read_csv(path: Path) -> tuple[list[dict], list[str]]:
    """The rows and header of a CSV as spreadsheets save it: UTF-8 with or without a BOM, or
    Windows-1252 (Excel's plain "CSV"); CRLF; quoted fields; comma, semicolon (locales that
    write decimal commas) or tab between fields, whichever the header uses."""
    data = path.read_bytes()
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # zip (xlsx, ods), OLE (xls)
        raise ImageError(f"{path}: not a readable CSV (a spreadsheet workbook; save it as CSV)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImageError(f"{path}: not a readable CSV (not UTF-8 or Windows-1252)") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = list(reader)
    except csv.Error as exc:
        raise ImageError(f"{path}: not a readable CSV ({exc})") from None
    return rows, [h.strip() for h in reader.fieldnames or []]


def _job(i: int, row: dict[str, str], base: Path, out_dir: Path, seen: dict[Path, int]) -> Job:
    def resolve(key: str) -> Path | None:
        v = row.get(key, "")
        if not v:
            return None
        p = Path(v) if Path(v).is_absolute() else base / v
        if p.is_dir():
            raise ValueError(f"{key} {v}: is a folder, not an image file")
        if not p.is_file():
            raise ValueError(f"{key} {v}: file not found")
        return p

    content, style = resolve("content"), resolve("style")
    if content is None or style is None:
        raise ValueError("content and style are required")
    cm, sm = resolve("content_mask"), resolve("style_mask")
    if (cm is None) != (sm is None):
        raise ValueError("give both content_mask and style_mask, or neither")
    name = row.get("output") or f"{content.stem}__{style.stem}.png"
    if Path(name).name != name or Path(name).suffix.lower() not in OUTPUT_SUFFIXES:
        raise ValueError(
            f"output {name!r}: must be a file name ending in .png/.jpg/.tif/.webp/.avif/.heic"
        )
    out = out_dir / name
    for src in (content, style, cm, sm):
        if src is not None and same_file(out, src):
            raise ValueError(f"output {out} would overwrite the input {src}")
    if out in seen:
        raise ValueError(f"output {name} already used by line {seen[out]}")
    seen[out] = i
    return Job(i, content, style, out, cm, sm)


def run_job(job: Job, options: dict) -> float:
    """Run one transfer and write its output atomically; returns seconds taken.

    ``options``: ``{"transfer": TransferOptions, "output": OutputOptions}`` (bit depth,
    profile, metadata of the written file)."""
    from photostyle.files.output import OutputOptions, write_result
    from photostyle.pipeline import transfer

    t0 = time.perf_counter()
    out_opts = options.get("output") or OutputOptions()
    out_opts.check(job.output)
    result = transfer(
        str(job.content),
        str(job.style),
        options.get("transfer"),
        content_labels=job.content_mask,
        style_labels=job.style_mask,
    ).image
    job.output.parent.mkdir(parents=True, exist_ok=True)
    write_result(job.output, result, job.content, out_opts)
    return time.perf_counter() - t0


def _safe_run(job: Job, options: dict, threads: int | None = None) -> tuple[Job, str | None]:
    """``run_job`` returning ``(job, error line or None)`` instead of raising input errors."""
    if threads:
        import torch

        torch.set_num_threads(threads)
    try:
        run_job(job, options)
    except (ImageError, ValueError, FileNotFoundError) as exc:
        return job, f"line {job.row}: {exc}"
    return job, None


def run_local(
    jobs: list[J], run: Callable[[J, dict, int | None], R], options: dict, workers: int
) -> Iterator[R]:
    """``run(job, options, threads)`` for every job, in this process (``workers <= 1``,
    ``threads=None``) or in ``workers`` spawned processes sharing the cores
    (``threads = cores // workers``); yields the results as jobs finish. ``run`` must be
    importable (a module-level function)."""
    if workers <= 1:
        for job in jobs:
            yield run(job, options, None)
        return
    import multiprocessing as mp

    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        futures = [pool.submit(run, job, options, threads) for job in jobs]
        for fut in as_completed(futures):
            yield fut.result()


def run_batch(
    jobs: list[Job],
    options: dict,
    workers: int = 1,
    ray_address: str | None = None,
    use_ray: bool = False,
    on_result: Callable[[Job, str | None], None] | None = None,
) -> Summary:
    """Run the unfinished jobs; ``options``: as :func:`run_job` takes them.

    ``workers`` processes run locally (1: in this process); with ``use_ray`` the jobs run as
    Ray tasks on the cluster at ``ray_address`` (``None``: a local Ray instance).
    ``on_result(job, error)`` is called as each job ends (for progress display).
    """
    t0 = time.perf_counter()
    summary = Summary()
    todo = []
    for job in jobs:
        remove_stale(job.output)  # left by a killed run
        if job.output.is_file():
            summary.skipped.append(job.output)
        else:
            todo.append(job)
    if use_ray:
        from photostyle.batch.ray_jobs import run_ray

        results = run_ray(todo, _safe_run, options, ray_address)
    else:
        results = run_local(todo, _safe_run, options, workers)
    for job, err in results:
        if err is None:
            summary.done.append(job.output)
        else:
            summary.failed.append(err)
        if on_result:
            on_result(job, err)
    summary.seconds = time.perf_counter() - t0
    return summary
