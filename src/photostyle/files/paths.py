"""Paths: which files are images under a folder, and whether two paths are the same file."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def image_files(root: Path, extensions: Iterable[str]) -> list[Path]:
    """Files under the folder ``root`` (recursive, sorted) whose lower-cased suffix is one of
    ``extensions`` (with the dot)."""
    exts = frozenset(extensions)
    return [p for p in sorted(root.rglob("*")) if p.suffix.lower() in exts and p.is_file()]


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether paths ``a`` and ``b`` name the same file: the same resolved path (links and
    ``..`` followed), or the same inode on the same device (hard links, bind mounts)."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.resolve() == pb.resolve():
            return True
        return pa.exists() and pb.exists() and os.path.samefile(pa, pb)
    except (OSError, RuntimeError):  # unreadable or a symlink loop: not provably the same
        return False


def check_not_input(out: str | os.PathLike, *inputs: str | os.PathLike | None) -> None:
    """Refuse an output path that is one of the inputs (checked before any work).

    Raises:
        ImageError: ``"<out>: the output would overwrite the input <input>"``.
    """
    from photostyle.errors import ImageError

    for src in inputs:
        if src is not None and same_file(out, src):
            raise ImageError(f"{out}: the output would overwrite the input {src}")


def file_ids(paths: list[Path]) -> set[tuple[int, int]]:
    """``(device, inode)`` of each existing path, for checking many outputs against many inputs
    at once (see :func:`same_file`)."""
    ids = set()
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            continue
        ids.add((st.st_dev, st.st_ino))
    return ids
