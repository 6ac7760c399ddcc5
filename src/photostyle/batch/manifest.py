"""The manifest of a dataset run: ``OUT_DIR/manifest.jsonl``, one JSON object per line.

A line is appended (one ``write`` on a file opened for appending, then ``fsync``) as soon as
an output is finished, so the manifest is current however the run ends. A line cut short by
a kill is dropped when the manifest is opened again; an output that was renamed into place
but not yet recorded when the run was killed is recorded on the next run with
``"recovered": true`` (its time and fallbacks are unknown), so that every output has exactly
one line and no work is redone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

NAME = "manifest.jsonl"


class Manifest:
    """Append-only JSON-lines file; ``outputs`` holds the outputs already recorded."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.records: list[dict] = []
        if self.path.is_file():
            data = self.path.read_bytes()
            end = data.rfind(b"\n") + 1
            if end < len(data):  # a line cut short by a kill: drop it
                with open(self.path, "r+b") as f:
                    f.truncate(end)
            for line in data[:end].splitlines():
                try:
                    self.records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        self.outputs = {r["output"] for r in self.records if r.get("output")}
        self._errors = {
            (r.get("content"), r.get("style"), r["error"]) for r in self.records if "error" in r
        }

    def append(self, record: dict) -> None:
        """Write one record as one line (skipped when it repeats an error already recorded)."""
        if "error" in record:
            key = (record.get("content"), record.get("style"), record["error"])
            if key in self._errors:
                return
            self._errors.add(key)
        line = (json.dumps(record, sort_keys=True) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.records.append(record)
        if record.get("output"):
            self.outputs.add(record["output"])
