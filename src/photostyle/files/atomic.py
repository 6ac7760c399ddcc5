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
