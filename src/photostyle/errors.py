"""The error type of bad input and output files (re-exported by :mod:`photostyle.files.images`),
and the one form every error line takes."""

from __future__ import annotations

import re

#: Control characters (NUL, escape, ...) other than the whitespace that ``split`` removes.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def one_line(message: object) -> str:
    """``message`` as one printable line: whitespace runs (newlines too) become one space, and
    control characters, which a file name or a CSV cell may hold, are shown escaped
    (``\\x00``) rather than sent raw to the terminal."""
    text = " ".join(str(message).split())
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class ImageError(ValueError):
    """An image could not be read or written; the message names the file and the problem.

    The message is kept to one line (decoders' multi-line texts are joined)."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))
