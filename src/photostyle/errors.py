"""The error type of bad input and output files (re-exported by :mod:`photostyle.files.images`)."""

from __future__ import annotations


class ImageError(ValueError):
    """An image could not be read or written; the message names the file and the problem.

    The message is kept to one line (decoders' multi-line texts are joined)."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))
