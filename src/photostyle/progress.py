"""Progress of long work: stage messages, and a bar with the time left on long solves.

A progress callback is any ``progress(message: str, fraction: float | None = None)``:

* ``fraction is None``: a new stage begins (``"stylize level 4"``, ``"smoothing (exact)"``);
* ``fraction`` in [0, 1]: how far the running step is, ``message`` says what and about how
  long it still takes (see :func:`photostyle.smoothing.cg.progress_callback`).

:class:`ConsoleProgress` shows both on a terminal (the command line); the web app forwards
them to gradio's progress bar.
"""

from __future__ import annotations

import math
import sys
import time
from typing import IO

#: tqdm layout of the bar: what, how far, time taken and time left
BAR_FORMAT = "{desc} {percentage:3.0f}%|{bar:20}| {elapsed} elapsed, {remaining} left"


def time_left(elapsed: float, fraction: float) -> float | None:
    """Seconds left when ``fraction`` of the work took ``elapsed`` s (None when unknown)."""
    if fraction <= 0 or not math.isfinite(elapsed):
        return None
    return max(0.0, elapsed * (1.0 - fraction) / fraction)


def format_seconds(seconds: float | None) -> str:
    """``"about 12 s left"`` / ``"about 3 min left"`` / ``"time left unknown"``."""
    if seconds is None:
        return "time left unknown"
    if seconds < 90:
        return f"about {max(1, round(seconds))} s left"
    return f"about {round(seconds / 60)} min left"


class ConsoleProgress:
    """Stage lines ``[  12.3 s] message`` and a tqdm bar (with time left) for fractions.

    ``stream``: where to write (default stderr). Call :meth:`close` at the end.
    """

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()
        self.bar = None

    def __call__(self, message: str, fraction: float | None = None) -> None:
        if fraction is None:  # a new stage: the running step is done
            if self.bar is not None:
                self.bar.update(self.bar.total - self.bar.n)
            self.close()
            print(f"[{time.perf_counter() - self.t0:6.1f} s] {message}", file=self.stream)
            return
        if self.bar is None:
            from tqdm import tqdm

            tty = getattr(self.stream, "isatty", lambda: False)()
            self.bar = tqdm(
                total=1000,
                file=self.stream,
                mininterval=0.5 if tty else 5.0,
                bar_format=BAR_FORMAT,
                desc=message.split(":")[0],
            )
        self.bar.update(max(0, min(1000, round(fraction * 1000)) - self.bar.n))

    def close(self) -> None:
        """Finish the running bar, if any."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
