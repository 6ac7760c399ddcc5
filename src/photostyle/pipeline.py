"""``transfer()``: the method's stages in order, each an array-in / array-out function.

    prepare -> labels -> stylize (F1) -> match statistics      (stylized)
            -> smooth (F2) -> bound noise                        (smoothed)
               (below locality 1: at the colour grade's fit size)
            -> grade -> to full size -> blend                    (finished)

Images between stages are ``H x W x 3`` float32 numpy arrays in [0, 1] on the CPU; the
stages that run networks or filters move them to the model's device and back. Sizes: the
content at full size ``(H, W)``, at the working size ``(h, w)`` where the smoothing is solved
(:mod:`photostyle.smoothing.resolution`; below locality 1 at the colour grade's fit size),
and at the stylization size (long side ``max_side``). Options arrive as one checked
:class:`~photostyle.options.TransferOptions`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from photostyle.files.image_input import ImageLike, as_array
from photostyle.imaging.resize import fit_long_side, resize
from photostyle.options import Smoothing, TransferOptions
from photostyle.pipeline_legacy import legacy_transfer
from photostyle.smoothing.resolution import WorkScale, to_work, work_scale
from photostyle.stages import (
    Prepared,
    Progress,
    Stylized,
    automatic_labels,
    blend,
    bound_noise,
    given_labels,
    grade,
    grade_size,
    match_statistics,
    quiet,
    to_full_size,
)

#: CG stopping rule of the exact smoothing when it starts from the matched image (which is
#: nearly smooth already); see ``docs/decisions.md``.
MATCHED_RTOL = 1.5e-2
#: Reflect padding (pixels) around the content for the exact smoothing (see :func:`smooth`).
EXACT_PAD = 2

LabelMap = str | os.PathLike | np.ndarray


@dataclass(frozen=True)
class TransferResult:
    """What :func:`transfer` returns.

    Attributes:
        image: the result, ``H x W x 3`` float32 in [0, 1] at the content's full size.
        fallbacks: with label maps, ``{level: {label: reason}}`` for the content labels that
            used the whole style instead of a partner region.
        noise_variance: the content's noise floor ``sigma^2`` (noise-aware result), or None.
        auto_labels: the number of automatic labels used, or None.
    """

    image: np.ndarray
    fallbacks: dict = field(default_factory=dict)
    noise_variance: float | None = None
    auto_labels: int | None = None


def transfer(
    content: ImageLike,
    style: ImageLike,
    options: TransferOptions | None = None,
    *,
    content_labels: LabelMap | None = None,
    style_labels: LabelMap | None = None,
    model: object | None = None,
    progress: Progress | None = None,
    **legacy: object,
) -> TransferResult:
    """Restyle ``content`` to look like ``style``, photorealistically (Li et al. 2018).

    Args:
        content, style: paths, PIL images, ``H x W x 3`` arrays (uint8 or float in [0, 1]) or
            ``3 x H x W`` tensors.
        options: a :class:`~photostyle.options.TransferOptions` (default: the defaults).
        content_labels, style_labels: label maps (mask files, index or colour-coded, or
            ``H x W`` int arrays), both or neither; see :mod:`photostyle.labels`.
        model: a :class:`~photostyle.photowct.stylize.PhotoWCT` (its device is used); default:
            the shipped decoders on ``options.device``, loaded once per process.
        progress: optional ``progress(message, fraction=None)`` per stage and running solve.
        legacy: the keyword options of photostyle 0.1 (deprecated; see :mod:`.pipeline_legacy`).

    Returns:
        A :class:`TransferResult`; its ``image`` is ``H x W x 3`` float32 at the content's size.
    """
    if legacy:
        legacy.update(progress=progress, model=model)
        return legacy_transfer(transfer, content, style, content_labels, style_labels, legacy)
    opt, say = options or TransferOptions(), progress or quiet
    p = prepare(content, style, opt, content_labels, style_labels)
    model = model or load_model(opt.device)
    look = stylized(model, p, opt, say)
    r, limit = smoothed(p, look, opt, model.device, say)
    return finished(p, look, r, limit, opt, say)


def stylized(model: object, p: Prepared, opt: TransferOptions, say: Progress) -> Stylized:
    """The stages before the smoothing: labels (given or automatic), F1 at the stylization
    size, the result at the working size, its statistics matched to the style. They do not
    depend on ``lam``, ``locality`` or ``strength`` (a sweep over those runs them once)."""
    labels = p.labels or automatic_labels(model, p, opt.auto_labels, say)
    y, fallbacks = stylize(model, p.content_small, p.style_small, labels, opt.alpha, say)
    y = np.ascontiguousarray(resize(y, p.scale.work) if y.shape[:2] != p.scale.work else y)
    if opt.matched:
        regions = labels if opt.region_stats else None
        y = match_statistics(p, y, opt, regions, model.device, say)
    return Stylized(y, labels, fallbacks)


def smoothed(
    p: Prepared,
    look: Stylized,
    opt: TransferOptions,
    device: str,
    say: Progress,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, object | None]:
    """F2 of the stylized image, then the noise bound (when smoothed); returns the result
    (``h x w x 3`` float32) and the working size's bound (or None). ``start``: the exact
    solve's first guess (see :func:`smooth`), at the size this returns.

    At the working size for locality 1; below it, at the colour grade's fit size
    (:func:`~photostyle.stages.grade_size`, long side 256), the only size at which the grade
    looks at the result: about a tenth of the pixels of a 0.4 MP photo, fewer CG iterations.
    """
    content, y, scale = p.content_work, look.y, p.scale
    if opt.smoothing is Smoothing.NONE:
        return y, None
    if opt.locality < 1:
        content, y, scale = grade_size(content, y, scale)
    r = smooth(content, y, opt.smoothing, scale, opt.lam, device, opt.matched, say, start)
    if not opt.noise_aware:
        return r, None
    r, limit = bound_noise(content, r, scale, device)
    if scale is not p.scale:  # the working size's bound (full-size upsampling, the report)
        from photostyle.smoothing.noise import NoiseLimit

        limit = NoiseLimit.of(p.content_work, p.scale)
    return r, limit


def finished(
    p: Prepared,
    look: Stylized,
    r: np.ndarray,
    limit: object | None,
    opt: TransferOptions,
    say: Progress,
    materials: object | None = None,
) -> TransferResult:
    """The stages after the smoothing: the colour grade (``locality``; ``materials``: the
    content's side of it, :func:`~photostyle.stages.grade_materials`, when computed once for
    several results), full size, the blend (``strength``)."""
    r = grade(p.content_work, r, p.style_small, opt, look.labels, say, materials, limit)
    r = to_full_size(p, r, opt.smoothing, limit, say)
    n_labels = (
        None if look.labels is None or p.labels else int(max(m.max() for m in look.labels)) + 1
    )
    noise = None if limit is None else limit.variance
    return TransferResult(blend(p.content, r, opt.strength), look.fallbacks, noise, n_labels)


def load_model(device: str = "auto") -> object:
    """The shipped PhotoWCT (encoder and decoders) on ``device`` (``"auto"``: CUDA when
    present), loaded once per process and device."""
    from photostyle.device import resolve_device

    return _load_model(resolve_device(device))


@lru_cache(maxsize=2)
def _load_model(device: str) -> object:
    from photostyle.photowct.stylize import PhotoWCT
    from photostyle.photowct.weights import load_decoders

    return PhotoWCT(load_decoders(device=device), device=device)


def prepare(
    content: ImageLike,
    style: ImageLike,
    options: TransferOptions,
    content_labels: LabelMap | None = None,
    style_labels: LabelMap | None = None,
) -> Prepared:
    """Check the inputs (once, here) and make the sizes the stages need.

    Returns a :class:`~photostyle.stages.Prepared`: content (full, working and stylization
    size) and style (full and stylization size), ``H x W x 3`` float32 in [0, 1], the
    :class:`~photostyle.smoothing.resolution.WorkScale` and the given label maps at the
    stylization sizes (or None). Raises ``ValueError`` (or ``ImageError``) naming the input.
    """
    from photostyle.defaults import MIN_SIDE

    if (content_labels is None) != (style_labels is None):
        raise ValueError("give both masks (content and style label maps), or neither")
    if options.auto_labels is not False and content_labels is not None:
        raise ValueError("give label maps or auto_labels, not both")
    names = [str(x) if isinstance(x, str | os.PathLike) else n for x, n in
             ((content, "content"), (style, "style"))]  # fmt: skip
    c, s = as_array(content, names[0]), as_array(style, names[1])
    for name, a in zip(names, (c, s), strict=True):
        if min(a.shape[:2]) < MIN_SIDE:
            raise ValueError(
                f"{name}: image of {a.shape[1]}x{a.shape[0]} is too small (min side {MIN_SIDE})"
            )
    scale = work_scale(c.shape[:2], options.work_pixels)
    c_work = to_work(c, scale)
    c_small = fit_long_side(c_work, options.max_side, MIN_SIDE)
    s_small = fit_long_side(s, options.max_side, MIN_SIDE)
    labels = None
    if content_labels is not None:
        labels = (
            given_labels(content_labels, c.shape[:2], c_small.shape[:2], "content mask"),
            given_labels(style_labels, s.shape[:2], s_small.shape[:2], "style mask"),
        )
    return Prepared(c, c_work, c_small, s, s_small, scale, labels)


def stylize(
    model: object,
    content: np.ndarray,
    style: np.ndarray,
    labels: tuple[np.ndarray, np.ndarray] | None,
    alpha: float,
    progress: Progress,
) -> tuple[np.ndarray, dict]:
    """F1: multi-level PhotoWCT of ``content`` towards ``style`` (both ``h x w x 3`` float32 in
    [0, 1] at the stylization size; optional label maps of those sizes), on the model's device.

    Returns the stylized image (``h x w x 3`` float32 in [0, 1], CPU) and the label fallbacks
    ``{level: {label: reason}}`` (empty without labels).
    """
    import torch

    from photostyle.imaging.layout import to_batch, to_hwc

    fallbacks: dict = {}
    with torch.no_grad():
        y = model.stylize_checked(
            to_batch(content), to_batch(style), alpha, labels, progress, fallbacks
        )
    return to_hwc(y), fallbacks


def smooth(
    content: np.ndarray,
    y: np.ndarray,
    method: Smoothing,
    scale: WorkScale,
    lam: float,
    device: str,
    warm_start: bool,
    progress: Progress,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """F2 at the working size: ``R = (1-a)(I - aS)^-1 Y`` (exact) or its guided-filter
    approximation; ``y`` unchanged for ``Smoothing.NONE``.

    ``content``, ``y``: ``h x w x 3`` float32 in [0, 1], C-contiguous; ``lam`` and the guided
    radius are given at the reference resolution and carried to the working size by ``scale``.
    ``warm_start``: the exact solve starts from ``y`` itself and stops at ``MATCHED_RTOL``
    (right after the statistics match, ``y`` is nearly smooth already); otherwise it starts
    from the guided filter and stops at the solver's default tolerance. ``start`` (``h x w
    x 3`` float32), when given, is the first guess instead (a neighbouring lambda's result in
    a sweep: the same stopping rule, fewer iterations). The content is
    reflect-padded by ``EXACT_PAD`` pixels, because the normalised affinity gives border
    pixels fewer windows, which tints a thin frame. Returns ``h x w x 3`` float32 in [0, 1].
    """
    from photostyle.smoothing.exact import DEFAULT_RTOL, ExactSmoother
    from photostyle.smoothing.guided import DEFAULT_RADIUS, guided_smooth

    if method is Smoothing.NONE:
        return y
    progress(f"smoothing ({method.value})")
    if method is Smoothing.GUIDED:
        return guided_smooth(content, y, radius=scale.radius(DEFAULT_RADIUS), device=device)
    p = EXACT_PAD
    pad = lambda a: np.pad(a, ((p, p), (p, p), (0, 0)), mode="reflect")  # noqa: E731
    smoother = ExactSmoother.checked(pad(content), scale.lam(lam), device)
    build_s = smoother.info["system_s"] + smoother.info["precond_s"]
    progress(f"smoothing: system built in {build_s:.1f} s, solving")
    yp = pad(np.clip(y, 0.0, 1.0))
    x0, rtol = (yp, MATCHED_RTOL) if warm_start else (None, DEFAULT_RTOL)
    if start is not None:
        x0 = pad(np.clip(start, 0.0, 1.0))
    result = smoother.solve_checked(yp, x0, rtol, progress)
    return np.ascontiguousarray(result[p:-p, p:-p])
