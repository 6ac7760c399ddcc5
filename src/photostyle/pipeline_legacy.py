"""The deprecated keyword form of :func:`photostyle.transfer` (photostyle 0.1).

``transfer(content, style, smoothing="guided", lam=1e-3, report=d)`` still works: the keywords
become a :class:`~photostyle.options.TransferOptions`, a :class:`DeprecationWarning` says so,
``report`` receives what the result object holds, and the image comes back as the same kind
of object as ``content`` (as in 0.1). To be removed in 0.3.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from photostyle.options import TransferOptions

#: 0.1 keyword -> TransferOptions field (``work_pixels`` is converted to megapixels).
RENAMED = {"work_pixels": "work_mp"}


def legacy_options(kwargs: dict) -> TransferOptions:
    """The options object of 0.1's keywords (``report`` and ``progress`` taken out first)."""
    known = set(TransferOptions.names()) | set(RENAMED)
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise TypeError(f"transfer() got unexpected keyword arguments: {', '.join(unknown)}")
    values = {RENAMED.get(k, k): v for k, v in kwargs.items()}
    if "work_pixels" in kwargs:
        pixels = kwargs["work_pixels"]
        values["work_mp"] = 0.0 if pixels is None else float(pixels) / 1e6
    return TransferOptions(**values)


def legacy_transfer(
    transfer: Callable[..., object],
    content: object,
    style: object,
    content_labels: object,
    style_labels: object,
    kwargs: dict,
) -> object:
    """Run ``transfer`` with the options of 0.1's keywords; the image as ``content``'s kind."""
    from photostyle.files.image_input import like

    warnings.warn(
        "transfer(content, style, **options) is deprecated: pass "
        "photostyle.TransferOptions(...) as the third argument; the result object's .image "
        "is the image (the keyword form goes away in 0.3)",
        DeprecationWarning,
        stacklevel=3,
    )
    kwargs = dict(kwargs)
    report = kwargs.pop("report", None)
    progress, model = kwargs.pop("progress", None), kwargs.pop("model", None)
    result = transfer(
        content, style, legacy_options(kwargs), content_labels=content_labels,
        style_labels=style_labels, model=model, progress=progress,
    )  # fmt: skip
    if report is not None:
        report["fallbacks"] = result.fallbacks
        if result.noise_variance is not None:
            report["noise_variance"] = result.noise_variance
        if result.auto_labels is not None:
            report["auto_labels"] = result.auto_labels
    return like(result.image, content)
