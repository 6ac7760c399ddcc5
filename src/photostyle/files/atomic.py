"""Atomic file writes: readers never see a partial file (temporary file + rename)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TMP_SUFFIX = ".tmp"


def remove_stale(path: str | os.PathLike) -> None:
    """Remove the temporary files :func:`atomic_write` left beside ``path`` when its process
    was killed mid-write (resumed batch jobs call this before deciding what is done)."""
    p = Path(path)
    for stale in p.parent.glob(f".{p.name}.*{TMP_SUFFIX}"):
        stale.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it to ``path``.

    Readers never see a partial file; on error the temporary file is removed. The file gets
    the usual permissions (``0666 & ~umask``) rather than ``mkstemp``'s private ``0600``.
    """
    p = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=TMP_SUFFIX, dir=p.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, p)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return p


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
