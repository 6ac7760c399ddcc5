"""The options of a transfer as one typed, frozen value, checked once when it is built.

Every front end (the command line, batch, dataset, video, the web app) builds one
:class:`TransferOptions` from its own inputs and hands it to :func:`photostyle.transfer`; nothing
behind it checks an option again. Importable without torch or numba, so that a bad value is
reported in milliseconds.

    >>> from photostyle.options import TransferOptions
    >>> TransferOptions(smoothing="guided", lam=1e-3).smoothing
    <Smoothing.GUIDED: 'guided'>
    >>> TransferOptions.paper().colour_fix
    False
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from photostyle import defaults


class Smoothing(StrEnum):
    """The F2 step: the closed form, its guided-filter approximation, or none."""

    EXACT = "exact"
    GUIDED = "guided"
    NONE = "none"


class Device(StrEnum):
    """Where the work runs: ``auto`` takes CUDA when torch sees it."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"


def check_fraction(name: str, value: float) -> float:
    """``value`` as a float, or ``ValueError`` unless it is a number in [0, 1]."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return v


def check_lam(lam: float) -> float:
    """``lam`` as a float, or ``ValueError`` unless it is a finite number > 0."""
    try:
        v = float(lam)
    except (TypeError, ValueError):
        v = float("nan")
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"lam must be a finite number > 0, got {lam}")
    return v


def check_work_mp(work_mp: float | None) -> float:
    """``None``/0 -> 0 (the paper's formula at full size); else a finite number of
    megapixels >= ``defaults.MIN_WORK_MP``."""
    if work_mp is None:
        return 0.0
    v = float(work_mp)
    if not math.isfinite(v) or v < 0 or 0 < v < defaults.MIN_WORK_MP:
        raise ValueError(
            f"work_mp must be 0 (full size, paper's lam) or a working resolution of at least "
            f"{defaults.MIN_WORK_MP:g} MP, got {v:g} MP"
        )
    return v


def check_auto_labels(value: bool | int) -> bool | int:
    """``False`` (none), ``True`` (the number chosen from the images) or a number of labels
    in ``1..defaults.MAX_AUTO_LABELS``."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, int) or not 1 <= value <= defaults.MAX_AUTO_LABELS:
        raise ValueError(
            f"auto_labels must be True or a number of labels in 1..{defaults.MAX_AUTO_LABELS}, "
            f"got {value!r}"
        )
    return value


@dataclass(frozen=True)
class TransferOptions:
    """How a transfer runs (see :func:`photostyle.transfer` for the method's stages).

    Attributes:
        smoothing: the F2 step (:class:`Smoothing`; ``None`` is taken as ``"none"``).
        lam: smoothing weight of the closed form (> 0), as at the reference resolution.
        max_side: long side (pixels, >= ``defaults.MIN_SIDE``) at which stylization runs.
        alpha: WCT strength in [0, 1] (0: the decoders' reconstruction of the content).
        strength: how much of the restyle is applied, in [0, 1], like a layer's opacity.
        work_mp: megapixels at which the smoothing is solved; larger photos are solved at
            that size and carried to full size by local affine upsampling. 0: the paper's
            formula at full size with ``lam`` as given.
        auto_labels: automatic label maps: ``False``, ``True`` (number chosen) or a count.
        colour_fix: map colours to the style's colour mean and covariance before the final
            smoothing.
        detail_match: scale the detail bands to the style's energy before the final smoothing.
        noise_aware: bound the result's gain where the content is flat (no amplified grain).
        region_stats: with label maps, colour fix, detail match and palette match per region.
        locality: how locally the result may change the content's colours, in [0, 1]: the
            result is a colour grade of the content, one per material, that varies in space
            on a scale of ``2**(-6 locality)`` of the long side (0: one grade per material
            for the whole photo); 1: the closed-form result per pixel, as the paper has it
            (:mod:`photostyle.grade`).
        palette_match: below locality 1, move the graded result's colours towards the
            style's distribution with a second field of the same kind
            (:mod:`photostyle.palette`).
        device: :class:`Device` (``"cuda:1"`` and the like are accepted as given).
    """

    smoothing: Smoothing = Smoothing.EXACT
    lam: float = defaults.DEFAULT_LAM
    max_side: int = defaults.DEFAULT_MAX_SIDE
    alpha: float = 1.0
    strength: float = defaults.DEFAULT_STRENGTH
    work_mp: float = defaults.DEFAULT_WORK_MP
    auto_labels: bool | int = False
    colour_fix: bool = defaults.DEFAULT_COLOUR_FIX
    detail_match: bool = defaults.DEFAULT_DETAIL_MATCH
    noise_aware: bool = defaults.DEFAULT_NOISE_AWARE
    region_stats: bool = defaults.DEFAULT_REGION_STATS
    locality: float = defaults.DEFAULT_LOCALITY
    palette_match: bool = defaults.DEFAULT_PALETTE_MATCH
    device: str = Device.AUTO.value

    def __post_init__(self) -> None:
        """Every field checked and normalised (enums, floats) once, here."""
        smoothing = Smoothing.NONE if self.smoothing is None else self.smoothing
        try:
            smoothing = Smoothing(smoothing)
        except ValueError:
            raise ValueError(
                f"smoothing must be exact, guided or none, got {self.smoothing!r}"
            ) from None
        side = self.max_side
        if isinstance(side, bool) or not isinstance(side, int) or side < defaults.MIN_SIDE:
            raise ValueError(f"max_side must be an integer >= {defaults.MIN_SIDE}, got {side!r}")
        device = str(getattr(self.device, "value", self.device))
        if device not in ("auto", "cpu", "cuda") and not device.startswith("cuda:"):
            raise ValueError(f"device must be auto, cpu or cuda, got {self.device!r}")
        values = {
            "smoothing": smoothing,
            "lam": check_lam(self.lam),
            "alpha": check_fraction("alpha", self.alpha),
            "strength": check_fraction("strength", self.strength),
            "locality": check_fraction("locality", self.locality),
            "work_mp": check_work_mp(self.work_mp),
            "auto_labels": check_auto_labels(self.auto_labels),
            "device": device,
        }
        flags = ("colour_fix", "detail_match", "noise_aware", "region_stats", "palette_match")
        for name in flags:
            values[name] = bool(getattr(self, name))
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @classmethod
    def paper(cls, **changes: object) -> TransferOptions:
        """The paper's plain F1 -> F2: no colour fix, no detail match, no gain bound, the
        closed form at full size with the paper's lambda, per pixel (locality 1)."""
        base = {
            "locality": 1.0,
            "colour_fix": False,
            "detail_match": False,
            "noise_aware": False,
            "region_stats": False,
            "palette_match": False,
            "work_mp": 0.0,
        }
        return cls(**{**base, **changes})

    def replace(self, **changes: object) -> TransferOptions:
        """A copy with ``changes`` (checked like a new value)."""
        return replace(self, **changes)

    @property
    def work_pixels(self) -> float:
        """``work_mp`` in pixels (0: full size, the paper's lambda)."""
        return self.work_mp * 1e6

    @property
    def matched(self) -> bool:
        """Whether the statistics are matched before the final smoothing."""
        return self.colour_fix or self.detail_match

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The field names, in order."""
        return tuple(f.name for f in fields(cls))
