"""Options and argument helpers shared by the commands of :mod:`photostyle.cli`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# options shared by several commands
OutOption = Annotated[Path, typer.Option("-o", "--out", help="output image (.png/.jpg/.tif/.webp)")]
LamOption = Annotated[float, typer.Option(help="smoothing weight lambda (exact)")]
DeviceOption = Annotated[str, typer.Option(help="auto | cpu | cuda")]
SmoothingOption = Annotated[str, typer.Option(help="exact | guided | none")]
MaxSideOption = Annotated[int, typer.Option(help="long side (pixels) for stylization")]
ColourFixOption = Annotated[
    bool,
    typer.Option(
        help="map the colours to the style's colour mean and covariance before the final "
        "smoothing (with --no-detail-match: the paper's plain stylize + smooth)"
    ),
]
DetailMatchOption = Annotated[
    bool,
    typer.Option(
        help="match the style's detail energy per scale (local contrast) before the final smoothing"
    ),
]
AutoLabelsOption = Annotated[
    str,
    typer.Option(
        "--auto-labels",
        metavar="[K]",
        help="automatic label maps; K labels, or chosen automatically when K is omitted",
    ),
]


#: options with an optional value: name -> (value when bare, test whether a token is a value)
OPTIONAL_VALUES = {
    "--auto-labels": ("auto", lambda t: t.isdigit() or t == "auto"),
    "--ray": ("local", lambda t: t in ("auto", "local") or ":" in t),
}


def normalise_args(args: list[str]) -> list[str]:
    """Give the optional-value options their bare value: ``--auto-labels`` alone (last, or
    followed by another option or a path) becomes ``--auto-labels auto``; ``--ray`` alone
    becomes ``--ray local``."""
    out: list[str] = []
    for i, a in enumerate(args):
        out.append(a)
        nxt = args[i + 1] if i + 1 < len(args) else None
        if a in OPTIONAL_VALUES and (nxt is None or not OPTIONAL_VALUES[a][1](nxt)):
            out.append(OPTIONAL_VALUES[a][0])
    return out


def parse_auto_labels(value: str | None) -> bool | int:
    """``None`` -> False, ``"auto"`` -> True, ``"K"`` -> K (int >= 1); else a clear error."""
    if value is None:
        return False
    if value == "auto":
        return True
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"--auto-labels takes a number of labels >= 1, got {value!r}")
    return int(value)


def transfer_options(
    smoothing: str,
    lam: float,
    max_side: int,
    auto_labels: str | None,
    colour_fix: bool,
    detail_match: bool,
    device: str,
) -> dict:
    """Keyword arguments of :func:`photostyle.transfer` from the shared CLI options."""
    if smoothing not in ("exact", "guided", "none"):
        raise ValueError(f"--smoothing must be exact, guided or none, got {smoothing!r}")
    return {
        "smoothing": None if smoothing == "none" else smoothing,
        "lam": lam,
        "max_side": max_side,
        "auto_labels": parse_auto_labels(auto_labels),
        "colour_fix": colour_fix,
        "detail_match": detail_match,
        "device": device,
    }


def fail(message: str) -> None:
    """Print a one-line error and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)
