"""Options shared by the commands of :mod:`photostyle.cli.app`: typed, with their help panels,
and the one function that turns them into a :class:`~photostyle.options.TransferOptions`.

Choices are enums (typer lists and checks them); defaults come from
:mod:`photostyle.defaults` and :class:`~photostyle.options.TransferOptions`, never literals.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, get_type_hints

import typer
from typer.core import TyperGroup

from photostyle import defaults
from photostyle.options import Device, Smoothing, TransferOptions

INPUT, METHOD, OUTPUT, PERF = "Input", "Method", "Output", "Performance"
#: The defaults of a transfer, as the options object holds them.
DEFAULTS = TransferOptions()


#: Choices of the commands (typer lists and checks them): bits per channel of written images
#: (``auto`` keeps 16 bits when the content has them), the methods of ``photostyle smooth``,
#: the modes of ``photostyle video``, and the choices of ``photostyle dataset``.
BitDepth = StrEnum("BitDepth", {"AUTO": "auto", "EIGHT": "8", "SIXTEEN": "16"})
SmoothMethod = StrEnum("SmoothMethod", {"EXACT": "exact", "GUIDED": "guided"})
VideoMode = StrEnum("VideoMode", {"LOOK": "look", "FRAMES": "frames"})
UnknownIds = StrEnum("UnknownIds", {"ERROR": "error", "IGNORE": "ignore"})
LabelsOut = StrEnum("LabelsOut", {"COPY": "copy", "LINK": "link"})
Format = StrEnum("Format", {"PNG": "png", "JPG": "jpg", "TIF": "tif", "WEBP": "webp"})


def option(*names: str, panel: str = METHOD, **kw: object) -> typer.models.OptionInfo:
    return typer.Option(*names, rich_help_panel=panel, **kw)


OutOption = Annotated[
    Path,
    option("-o", "--out", panel=OUTPUT, help="output image (.png .jpg .tif .webp .avif .heic)"),
]
SmoothingOption = Annotated[Smoothing, option(help="the F2 step: closed form, guided filter, none")]
LamOption = Annotated[float, option(help="smoothing weight lambda (exact), > 0")]
MaxSideOption = Annotated[
    int, option(help=f"long side (pixels) at which stylization runs, >= {defaults.MIN_SIDE}")
]
AlphaOption = Annotated[float, option(help="WCT strength in [0, 1] (feature blend)")]
StrengthOption = Annotated[
    float,
    option(help="how much of the restyle to apply, 0..1 (a layer's opacity; 0 = the content)"),
]
LocalityOption = Annotated[
    float,
    option(
        help="how locally the look may change colours, 0..1: below 1 the result is a colour "
        "grade of the content per material, smooth in space (0: one grade per material for "
        "the whole photo); 1: the closed form per pixel (paints on unlike pairs)"
    ),
]
PaletteMatchOption = Annotated[
    bool,
    option(
        help="below locality 1: move the graded colours towards the style's palette "
        "(a smooth shift per material, no painting)"
    ),
]
ColourFixOption = Annotated[
    bool, option(help="map the colours to the style's colour mean and covariance")
]
DetailMatchOption = Annotated[bool, option(help="match the style's detail energy per scale")]
NoiseAwareOption = Annotated[bool, option(help="no amplified grain in flat regions")]
RegionStatsOption = Annotated[bool, option(help="with labels: colour and detail stats per region")]
AutoLabelsOption = Annotated[
    bool, option("--auto-labels", panel=INPUT, help="automatic label maps of both photos")
]
LabelCountOption = Annotated[
    int,
    option(
        panel=INPUT,
        help=f"number of automatic labels, 1..{defaults.MAX_AUTO_LABELS} (implies "
        "--auto-labels; default: chosen per pair)",
    ),
]
WorkMpOption = Annotated[
    float,
    option(
        panel=PERF,
        help="megapixels at which the look is solved (larger photos get the same look, "
        "upsampled with their own detail); 0 = full size with the paper's lambda",
    ),
]
DeviceOption = Annotated[Device, option(panel=PERF, help="where to run (auto: CUDA when present)")]
WorkersOption = Annotated[int, option(min=1, panel=PERF, help="local worker processes")]
RayOption = Annotated[
    bool, option("--ray", panel=PERF, help="run on Ray (local without an address)")
]
RayAddressOption = Annotated[
    str, option(panel=PERF, help="address of a Ray cluster (implies --ray)")
]
BitDepthOption = Annotated[BitDepth, option(panel=OUTPUT, help="bits per channel of the output")]
QualityOption = Annotated[int, option(panel=OUTPUT, help="JPEG/WebP quality 1..100")]
StripMetadataOption = Annotated[
    bool,
    option("--strip-metadata", panel=OUTPUT, help="write no EXIF (camera, date, GPS ...)"),
]
KeepProfileOption = Annotated[
    bool,
    option("--keep-profile", panel=OUTPUT, help="convert back to the content's colour profile"),
]
LutOption = Annotated[Path, option("--lut", panel=OUTPUT, help="also write the look as a .cube")]
LutSizeOption = Annotated[int, option(panel=OUTPUT, help="LUT lattice points per axis (2..129)")]


#: The options of a transfer as command-line parameters: name -> (annotation, default). The
#: defaults are the options object's own.
METHOD_OPTIONS = {
    name: (annotation, getattr(DEFAULTS, name, None))
    for name, annotation in (
        ("auto_labels", AutoLabelsOption),
        ("label_count", LabelCountOption),  # no field: the count goes into auto_labels
        ("smoothing", SmoothingOption),
        ("lam", LamOption),
        ("max_side", MaxSideOption),
        ("alpha", AlphaOption),
        ("strength", StrengthOption),
        ("locality", LocalityOption),
        ("palette_match", PaletteMatchOption),
        ("colour_fix", ColourFixOption),
        ("detail_match", DetailMatchOption),
        ("noise_aware", NoiseAwareOption),
        ("region_stats", RegionStatsOption),
        ("work_mp", WorkMpOption),
        ("device", DeviceOption),
    )
}
#: All of them; commands that take only some name theirs.
ALL_METHOD_OPTIONS = tuple(METHOD_OPTIONS)


def with_transfer_options(*names: str) -> Callable[[Callable], Callable]:
    """Decorator of a command: adds the method options ``names`` (default: all) as
    parameters and hands the command one checked :class:`TransferOptions` as ``options``.

    A bad value ends the command with the one-line error of :func:`fail` before the command
    body runs (so before any work)."""
    names = names or ALL_METHOD_OPTIONS

    def decorate(command: Callable) -> Callable:
        hints = get_type_hints(command, include_extras=True)
        sig = inspect.signature(command, eval_str=True)
        base = [p for p in sig.parameters.values() if p.name != "options"]
        kind = inspect.Parameter.KEYWORD_ONLY
        extra = [
            inspect.Parameter(
                n, kind, default=METHOD_OPTIONS[n][1], annotation=METHOD_OPTIONS[n][0]
            )
            for n in names
        ]

        @functools.wraps(command)
        def run(*args: object, **kwargs: object) -> object:
            values = {n: kwargs.pop(n) for n in names}
            count = values.pop("label_count", None)
            if count is not None and not 1 <= count <= defaults.MAX_AUTO_LABELS:
                fail(f"--label-count must be 1..{defaults.MAX_AUTO_LABELS}, got {count}")
            if "auto_labels" in values:
                values["auto_labels"] = count if count is not None else values["auto_labels"]
            try:
                kwargs["options"] = transfer_options(**values)
            except ValueError as exc:
                fail(str(exc))
            return command(*args, **kwargs)

        run.__signature__ = sig.replace(parameters=[*base, *extra])
        hints.pop("options", None)
        run.__annotations__ = {**hints, **{n: METHOD_OPTIONS[n][0] for n in names}}
        return run

    return decorate


def transfer_options(**values: object) -> TransferOptions:
    """The :class:`TransferOptions` of a command's values; a bad one raises ``ValueError``
    with the option's command-line name (``--lam must be ...``)."""
    try:
        options = TransferOptions(**values)
        if options.device != "auto":  # one that this machine has (imports torch only then)
            from photostyle.device import resolve_device

            resolve_device(options.device)
        return options
    except ValueError as exc:
        message = str(exc)
        for name in TransferOptions.names():
            if message.startswith(name + " "):  # "device cuda: ..." -> "--device cuda: ..."
                message = "--" + name.replace("_", "-") + message[len(name) :]
                break
        raise ValueError(message) from None


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
    from photostyle.errors import one_line

    typer.echo(f"error: {one_line(message)}", err=True)
    raise typer.Exit(2)


class Group(TyperGroup):
    """The app's group of commands. A usage error that typer or click finds while parsing or
    converting the arguments (an unknown command or option, a value outside an enum's
    choices, a missing argument) ends in one line ``error: ...`` and exit code 2, like every
    input error of :func:`fail`."""

    def make_context(self, info_name: str | None, args: list[str], **extra: object) -> object:
        with _one_line_usage_errors():
            return super().make_context(info_name, args, **extra)

    def invoke(self, ctx: object) -> object:
        with _one_line_usage_errors():
            return super().invoke(ctx)


@contextlib.contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    try:  # the click that typer's commands raise from: vendored in newer typer releases
        from typer._click.exceptions import UsageError
    except ImportError:
        from click.exceptions import UsageError
    try:
        yield
    except UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help, not an error
            raise
        fail(exc.format_message())
