"""Shared fixtures: paths to the read-only data in ../shared (next to the project root)."""

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PHOTOSTYLE_SHARED", ROOT.parent / "shared")) / "data"


def require_shared(sub: str) -> Path:
    """Path under ../shared/data; skipped when absent, unless PHOTOSTYLE_REQUIRE_DATA=1 (CI)."""
    p = SHARED / sub
    if not p.exists():
        if os.environ.get("PHOTOSTYLE_REQUIRE_DATA") == "1":
            raise FileNotFoundError(f"{p}: shared data required but missing")
        pytest.skip(f"{p} not available")
    return p


@pytest.fixture
def dpst() -> Path:
    return require_shared("dpst-dev")


@pytest.fixture
def bsds_val() -> Path:
    return require_shared("photos/bsds500/val")


@pytest.fixture
def highres() -> Path:
    return require_shared("highres")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def untrained(monkeypatch):
    """PhotoWCT with untrained decoders (tests shapes and plumbing, not quality). Library
    tests pass it as ``transfer(..., model=untrained)``; for the command line and the web app,
    which load the shipped model, ``pipeline.load_model`` returns it."""
    import torch

    import photostyle.pipeline as pipeline
    from photostyle.photowct import Decoder
    from photostyle.photowct.stylize import PhotoWCT

    torch.manual_seed(0)
    model = PhotoWCT({lv: Decoder(lv) for lv in (1, 2, 3, 4)})
    monkeypatch.setattr(pipeline, "load_model", lambda device="auto": model)
    return model


def require_tool(name: str) -> str:
    """Path of a system tool the Makefile installs (exiftool, ffmpeg); skipped when missing,
    unless PHOTOSTYLE_REQUIRE_TOOLS=1 (CI)."""
    import shutil

    path = shutil.which(name)
    if path is None:
        if os.environ.get("PHOTOSTYLE_REQUIRE_TOOLS") == "1":
            raise RuntimeError(f"{name} required for this test but missing")
        pytest.skip(f"{name} not available")
    return path


def kill_when_started(cmd: list[str], out: Path, pattern: str) -> tuple[dict[str, int], object]:
    """Run ``cmd`` and SIGKILL it as soon as a file matching ``pattern`` appears in ``out``;
    then rerun it to completion. Returns the outputs finished before the kill (name ->
    mtime) and the rerun's ``CompletedProcess``."""
    import signal
    import subprocess
    import time

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (out.is_dir() and any(out.glob(pattern))):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in out.glob(pattern)}
    return finished, subprocess.run(cmd, capture_output=True, text=True)
