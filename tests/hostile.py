"""Helpers of the hostile-input tests: run a command, snapshot folders, assert a refusal
(exit 2, one line naming the file, nothing changed or added), lock a folder against writes."""

import contextlib
import hashlib
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from photostyle.cli.app import app
from photostyle.files.images import save_image


def invoke(*args: object) -> tuple[int, str]:
    res = CliRunner().invoke(app, [str(a) for a in args])
    return res.exit_code, res.output


def snapshot(*roots: Path) -> dict[str, tuple]:
    """Every file and folder under ``roots`` (hidden ones too): size, mtime, content hash."""
    state = {}
    for root in roots:
        for dirpath, dirs, files in os.walk(root):
            for d in dirs:
                state[os.path.join(dirpath, d)] = ("dir",)
            for f in files:
                p = Path(dirpath, f)
                if p.is_symlink() and not p.exists():
                    state[str(p)] = ("broken link", os.readlink(p))
                    continue
                st = p.stat()
                state[str(p)] = (st.st_size, st.st_mtime_ns, hashlib.sha1(p.read_bytes()).digest())
    return state


def assert_refused(code: int, output: str, needles: tuple[str, ...], before: dict, *roots: Path):
    """Exit 2; the output ends in exactly one ``error:`` line holding every needle; no
    traceback; no file under ``roots`` changed, removed or added."""
    assert code == 2, output
    errors = [ln for ln in output.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and output.strip().endswith(errors[0]), output
    for needle in needles:
        assert needle in errors[0], output
    assert "Traceback" not in output and "\x00" not in output
    assert snapshot(*roots) == before


def photos(folder: Path, names: list[str], rng, size=(24, 32)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        save_image(folder / name, rng.random((*size, 3)).astype(np.float32))
    return folder


@contextlib.contextmanager
def locked(path: Path):
    """``path`` (file or folder) made unwritable for this process: mode bits for a user,
    the immutable attribute for root (who ignores mode bits); skipped where neither works."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a folder unwritable for root here (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
