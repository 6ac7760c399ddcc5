"""The manifest of a dataset run: ``OUT_DIR/manifest.jsonl``, one JSON object per line.

A line is appended (one ``write`` on a file opened for appending, then ``fsync``) as soon as
an output is finished, so the manifest is current however the run ends. Each output is listed
once: an output that was renamed into place but not yet recorded when the run was killed is
recorded on the next run with ``"recovered": true`` (its time and fallbacks are unknown), and
the line of an output that is redone (its file was deleted) is dropped before the redo.

Damage. A last line without its newline, cut short by a kill, is dropped (the file is cut back
to the last whole line when the run starts writing, never before). Any other line that is not
a record (not UTF-8, not JSON, not an object with ``content`` and ``style`` strings) stops the
run before any work, with the file and line named, and nothing changed: the manifest may be
someone's edit or a different file. :func:`repair` (``photostyle dataset --repair-manifest``)
keeps the good lines in a new manifest and moves the damaged file aside, unchanged, as
``manifest.damaged-N.jsonl``; outputs listed only in the damaged lines are then recovered
from the output folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from photostyle.errors import ImageError
from photostyle.files.atomic import atomic_write

NAME = "manifest.jsonl"
REPAIR_OPTION = "--repair-manifest"


def _record(line: bytes) -> tuple[dict | None, str]:
    """The record of one line, or ``None`` and why it is not one."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not text (binary data)"
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg})"
    if not isinstance(record, dict):
        return None, f"a JSON {type(record).__name__}, not an object"
    for key in ("content", "style"):
        if not isinstance(record.get(key), str):
            return None, f"no {key!r} string"
    for key in ("output", "error"):
        if key in record and not isinstance(record[key], str):
            return None, f"{key!r} is not a string"
    return record, ""


def read(path: Path) -> tuple[list[dict], int, list[tuple[int, str]]]:
    """``(records, end, damaged)``: the records of the whole lines, the byte length of those
    lines (a longer file ends in a line cut short by a kill), and ``(line number, why)`` of
    each line that is not a record. Reads only."""
    data = path.read_bytes() if path.is_file() else b""
    end = data.rfind(b"\n") + 1
    tail = data[end:]
    if tail and not (tail.isascii() and tail.startswith(b"{")):
        end = len(data)  # not the start of one of our (ASCII) lines: a damaged line
    records, damaged = [], []
    for number, line in enumerate(data[:end].splitlines(), start=1):
        if not line.strip():
            continue
        record, why = _record(line)
        if record is None:
            damaged.append((number, why))
        else:
            records.append(record)
    return records, end, damaged


def check(path: Path) -> tuple[list[dict], int]:
    """The records and whole-line length of :func:`read`, or :class:`ImageError` (one line:
    the file, the first damaged line, how to go on) when the manifest has a line that is
    not a record; reads only."""
    records, end, damaged = read(path)
    if damaged:
        number, why = damaged[0]
        more = f" (and {len(damaged) - 1} more lines)" if len(damaged) > 1 else ""
        raise ImageError(
            f"{path}: line {number} is not a manifest record: {why}{more}; nothing was changed. "
            f"Run again with {REPAIR_OPTION} to keep its {len(records)} good lines and move "
            "the damaged file aside"
        )
    return records, end


def aside_name(path: Path) -> Path:
    """A free name for a damaged manifest: ``manifest.damaged-N.jsonl``, N = 1, 2, ..."""
    n = 1
    while (p := path.with_name(f"{path.stem}.damaged-{n}{path.suffix}")).exists():
        n += 1
    return p


def repair(path: Path) -> Path | None:
    """Move a damaged manifest aside (unchanged, :func:`aside_name`) and write its good
    records as the new manifest (atomically). Returns where the damaged file went, or
    ``None`` when there was nothing to repair."""
    records, _, damaged = read(path)
    if not damaged:
        return None
    aside = aside_name(path)
    os.link(path, aside)  # the damaged bytes kept under the new name before the old one goes
    _write(path, records)
    return aside


def _write(path: Path, records: list[dict]) -> None:
    lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
    atomic_write(path, lambda tmp: Path(tmp).write_text(lines, encoding="utf-8"))


class Manifest:
    """Append-only JSON-lines file; ``outputs`` holds the outputs already recorded.

    Opening reads only (:class:`ImageError` on a damaged line, see :func:`check`); the first
    write cuts a line left short by a kill."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.records, self._end = check(self.path)  # one read
        self.outputs = {r["output"] for r in self.records if r.get("output")}
        self._errors = {
            (r.get("content"), r.get("style"), r["error"]) for r in self.records if "error" in r
        }

    def _trim(self) -> None:
        if self.path.is_file() and self.path.stat().st_size > self._end:
            with open(self.path, "r+b") as f:
                f.truncate(self._end)

    def forget(self, outputs: set[str]) -> None:
        """Drop the lines of ``outputs`` (to be made again), so that none is listed twice."""
        if not outputs & self.outputs:
            return
        self.records = [r for r in self.records if r.get("output") not in outputs]
        self.outputs -= outputs
        _write(self.path, self.records)
        self._end = self.path.stat().st_size

    def append(self, record: dict) -> None:
        """Write one record as one line (skipped when it repeats an error already recorded)."""
        if "error" in record:
            key = (record.get("content"), record.get("style"), record["error"])
            if key in self._errors:
                return
            self._errors.add(key)
        self._trim()
        line = (json.dumps(record, sort_keys=True) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._end += len(line)
        self.records.append(record)
        if record.get("output"):
            self.outputs.add(record["output"])
