"""Apply a look (3D LUT) to a whole shoot: ``photostyle apply LOOK.cube INPUTS... --out DIR``.

Inputs are files, folders (searched recursively) and glob patterns; every supported image
file is taken (JPEG, PNG, TIFF, WebP, AVIF, HEIC, camera RAW). Each output goes to ``DIR``
with the input's name and format (RAW -> 16-bit TIFF), bit depth and metadata kept where the
format allows (:func:`photostyle.files.output.write_result`). Outputs are written atomically and
existing ones are skipped, so a killed run is resumed by running it again; a bad file is
reported in one line and the others still run.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

from photostyle.errors import ImageError
from photostyle.files.atomic import remove_stale
from photostyle.files.images import SAVE_FORMATS

#: Extensions taken from folders and globs: the formats written back as they came (camera RAW
#: ones, from photostyle.files.raw, go out as TIFF).
IMAGE_EXTENSIONS = frozenset(SAVE_FORMATS)
#: Output extension of inputs whose format cannot be written.
RAW_OUTPUT = ".tif"


def collect_inputs(inputs: list[str]) -> list[Path]:
    """Expand files, folders (recursive) and glob patterns into a sorted list of image files.

    Raises :class:`ImageError` for an input that is neither an existing path nor a pattern
    matching something.
    """
    from photostyle.files.paths import image_files
    from photostyle.files.raw import RAW_EXTENSIONS

    exts = IMAGE_EXTENSIONS | RAW_EXTENSIONS
    found: dict[Path, None] = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            matches = image_files(p, exts)
        elif p.is_file():
            matches = [p]
        else:
            matches = [Path(q) for q in sorted(glob.glob(item, recursive=True))]
            matches = [q for q in matches if q.is_file() and q.suffix.lower() in exts]
            if not matches:
                raise ImageError(f"{item}: no such file, folder or matching images")
        found.update(dict.fromkeys(matches))
    return list(found)


def output_path(src: Path, out_dir: Path) -> Path:
    """Where the result of ``src`` goes: same name and format in ``out_dir`` (RAW: ``.tif``)."""
    from photostyle.files.raw import is_raw

    return out_dir / (src.stem + RAW_OUTPUT if is_raw(src) else src.name)


def check_outputs_not_inputs(files: list[Path], out_dir: Path, *others: Path) -> None:
    """Refuse an output folder where some output would be one of the inputs (the same file by
    path, link or inode), before any work.

    Raises:
        ImageError: naming the first input that would be overwritten.
    """
    from photostyle.files.paths import file_ids

    ids = file_ids([*files, *others])
    for src in files:
        dst = output_path(src, out_dir)
        if file_ids([dst]) & ids:  # an output that exists and is one of the inputs
            raise ImageError(f"{out_dir}: the output {dst} would overwrite the input {src}")


@lru_cache(maxsize=1)
def _look(look_path: str) -> object:
    """The look file, read once per process (not once per photo)."""
    from photostyle.looks.look import Look

    return Look.load(look_path)


def apply_one(look_path: str, src: Path, dst: Path, options: object) -> str | None:
    """Apply the look file to one image and write it; returns an error line or ``None``."""
    from photostyle.files.images import load_image
    from photostyle.files.output import write_result

    try:
        image = load_image(src)
        write_result(dst, _look(look_path).apply(image), src, options)
    except (ImageError, ValueError, OSError) as exc:
        return f"{src}: {' '.join(str(exc).split())}"
    return None


def run_apply(
    look_path: str,
    files: list[Path],
    out_dir: Path,
    options: object,
    workers: int = 1,
    on_result: Callable[[Path, str | None], None] | None = None,
) -> tuple[list[Path], list[Path], list[str]]:
    """Apply the look to every file not done yet; returns ``(done, skipped, errors)``."""
    todo, skipped = [], []
    for src in files:
        dst = output_path(src, out_dir)
        remove_stale(dst)  # left by a killed run
        if dst.is_file():
            skipped.append(dst)
        else:
            todo.append((src, dst))
    done, errors = [], []
    for (src, dst), err in zip(todo, _results(look_path, todo, options, workers), strict=True):
        (errors.append(err) if err else done.append(dst))
        if on_result:
            on_result(src, err)
    return done, skipped, errors


def _limit_threads(threads: int) -> None:
    """Worker initializer: share the cores between the worker processes."""
    import numba

    numba.set_num_threads(threads)


def _results(
    look_path: str, todo: list[tuple[Path, Path]], options: object, workers: int
) -> Iterator[str | None]:
    if workers <= 1:
        for src, dst in todo:
            yield apply_one(look_path, src, dst, options)
        return
    import multiprocessing as mp

    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(workers, ctx, initializer=_limit_threads, initargs=(threads,)) as pool:
        futures = [pool.submit(apply_one, look_path, s, d, options) for s, d in todo]
        for fut in futures:
            yield fut.result()
