"""Options and argument helpers shared by the commands of :mod:`photostyle.cli.app`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from photostyle.defaults import DEFAULT_WORK_MP

# options shared by several commands
OutOption = Annotated[
    Path, typer.Option("-o", "--out", help="output image (.png .jpg .tif .webp .avif .heic)")
]
LamOption = Annotated[float, typer.Option(help="smoothing weight lambda (exact)")]
DeviceOption = Annotated[str, typer.Option(help="auto | cpu | cuda")]
SmoothingOption = Annotated[str, typer.Option(help="exact | guided | none")]
MaxSideOption = Annotated[int, typer.Option(help="long side (pixels) for stylization")]
NoiseAwareOption = Annotated[bool, typer.Option(help="no amplified grain in flat regions")]
RegionStatsOption = Annotated[bool, typer.Option(help="with labels: colour stats per region")]
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
WorkMpOption = Annotated[
    float,
    typer.Option(
        help="megapixels at which the look is solved: larger photos are solved at this size "
        "and upsampled with their own full-resolution detail, so that every size gets the "
        "same look; 0 = full size with the paper's lambda"
    ),
]
BitDepthOption = Annotated[
    str,
    typer.Option(help="auto (16 when the content is 16-bit and the format holds it) | 8 | 16"),
]
QualityOption = Annotated[int, typer.Option(help="JPEG/WebP quality 1..100")]
StripMetadataOption = Annotated[
    bool, typer.Option(help="write no EXIF metadata (camera, date, GPS ...) into the output")
]
KeepProfileOption = Annotated[
    bool,
    typer.Option(help="convert the result back to the content's colour profile and embed it"),
]
StrengthOption = Annotated[
    float,
    typer.Option(
        help="how much of the restyle to apply, 0..1 (like a layer's opacity; 0 = the content)"
    ),
]
LutOption = Annotated[
    Path, typer.Option("--lut", help="also write the look as a 3D LUT (.cube) for other tools")
]
LutSizeOption = Annotated[int, typer.Option(help="LUT lattice points per axis (2..129)")]
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
    work_mp: float = DEFAULT_WORK_MP,
) -> dict:
    """Keyword arguments of :func:`photostyle.transfer` from the shared CLI options.

    Every option is checked here, with the library's own checks but without heavy imports
    (no torch, no numba), so that a bad value is reported in milliseconds
    (:class:`ValueError` with a one-line message).
    """
    from photostyle.device import resolve_device
    from photostyle.smoothing.inputs import check_lam
    from photostyle.smoothing.resolution import check_work_pixels

    if smoothing not in ("exact", "guided", "none"):
        raise ValueError(f"--smoothing must be exact, guided or none, got {smoothing!r}")
    try:
        check_lam(lam)
    except ValueError as exc:
        raise ValueError(f"--{exc}") from None  # "--lam must be a finite number > 0, ..."
    if max_side < 16:
        raise ValueError(f"--max-side must be >= 16, got {max_side}")
    try:
        check_work_pixels(work_mp * 1e6)
    except ValueError as exc:
        raise ValueError(f"--work-mp: {exc}") from None
    if device != "auto":
        resolve_device(device)
    return {
        "work_pixels": work_mp * 1e6,
        "smoothing": None if smoothing == "none" else smoothing,
        "lam": lam,
        "max_side": max_side,
        "auto_labels": parse_auto_labels(auto_labels),
        "colour_fix": colour_fix,
        "detail_match": detail_match,
        "device": device,
    }


def check_files(out: Path | None, *inputs: Path | None) -> None:
    """Fail-fast checks before any work: each input exists and its header is a readable image
    within the pixel limit, and ``out`` can be written (extension, folder) and is none of the
    inputs. Raises :class:`photostyle.files.images.ImageError`."""
    from photostyle.files.images import check_output_path, probe_image
    from photostyle.files.paths import check_not_input

    for p in inputs:
        if p is not None:
            probe_image(p)
    if out is not None:
        check_not_input(out, *inputs)
        check_output_path(out)


def check_lut_path(path: Path, size: int, *inputs: Path | None) -> None:
    """A look can be written to ``path``: ``.cube``, an existing folder, size 2..129, none of
    the ``inputs``."""
    from photostyle.files.paths import check_not_input

    check_not_input(path, *inputs)
    if path.suffix.lower() != ".cube":
        raise ValueError(f"{path}: a look is written as a .cube file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"{path}: output folder {folder} does not exist")
    from photostyle.looks.look import MAX_SIZE, MIN_SIZE

    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"--lut-size must be {MIN_SIZE}..{MAX_SIZE}, got {size}")


def fail(message: str) -> None:
    """Print a one-line error and exit with code 2."""
    typer.echo(f"error: {' '.join(str(message).split())}", err=True)
    raise typer.Exit(2)
