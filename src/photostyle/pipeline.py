"""``transfer()``: the one public entry point: PhotoWCT stylization (F1) then smoothing (F2).

Stylization runs at a capped resolution (``max_side``); the smoothing step then produces the
full-resolution output, using the stylized image (bilinearly upsampled) as its ``Y`` and the
full-resolution content as its guide. With labels the colour fix and the detail match work per
region (:mod:`photostyle.colour`); the smoothed result is then re-fitted with its gain bounded
where the content is flat (:mod:`photostyle.smoothing.noise`), at the working size and in the
affine upsampling.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import torch

from photostyle.colour import match_colour, match_detail
from photostyle.defaults import (
    DEFAULT_COLOUR_FIX,
    DEFAULT_DETAIL_MATCH,
    DEFAULT_LAM,
    DEFAULT_MAX_SIDE,
    DEFAULT_NOISE_AWARE,
    DEFAULT_REGION_STATS,
    DEFAULT_STRENGTH,
    DEFAULT_WORK_PIXELS,
    check_fraction,
)
from photostyle.device import resolve_device
from photostyle.files.image_input import ImageLike, as_array, like
from photostyle.files.images import resize_float
from photostyle.labels import auto_labels as make_auto_labels
from photostyle.labels import downsample_labels, fit_to, load_labels, mask_to_labels
from photostyle.photowct.stylize import MIN_SIDE, PhotoWCT
from photostyle.photowct.weights import load_decoders
from photostyle.smoothing.exact import DEFAULT_RTOL, ExactSmoother
from photostyle.smoothing.guided import DEFAULT_RADIUS, guided_smooth
from photostyle.smoothing.inputs import check_lam
from photostyle.smoothing.noise import NoiseLimit
from photostyle.smoothing.resolution import (
    WorkScale,
    to_work,
    upsample_result,
    work_scale,
)

#: CG stopping rule of the exact smoothing after the colour/detail match. Measured on the 10
#: dpst-dev pairs (guided preview, colour + detail match, one exact solve): rtol 1.5e-2 and
#: 3e-2 gave the same scores (Gram 0.404, affine residual 0.651) and time (8.7 s per pair).
MATCHED_RTOL = 1.5e-2
#: Reflect padding (pixels) around the content for the exact smoothing (see ``_smooth``).
EXACT_PAD = 2


def _resize_max_side(img: np.ndarray, max_side: int) -> np.ndarray:
    h, w = img.shape[:2]
    s = max_side / max(h, w)
    if s >= 1:
        return img
    size = (max(MIN_SIDE, round(w * s)), max(MIN_SIDE, round(h * s)))
    return resize_float(img, size)


def _labels(
    labels: str | os.PathLike | np.ndarray, full: tuple[int, int], small: tuple[int, int], name: str
) -> np.ndarray:
    """Label map checked against the image size (``full``) and resized (nearest) to ``small``,
    the stylization size at which mask files are parsed and cleaned."""
    if isinstance(labels, str | os.PathLike):
        return load_labels(labels, full, small)
    lab = fit_to(mask_to_labels(np.asarray(labels)), full, name)
    return downsample_labels(lab, small)


@lru_cache(maxsize=2)
def _model(device: str) -> PhotoWCT:
    return PhotoWCT(load_decoders(device=device), device=device)


def transfer(
    content: ImageLike,
    style: ImageLike,
    *,
    smoothing: str | None = "exact",
    lam: float = DEFAULT_LAM,
    max_side: int = DEFAULT_MAX_SIDE,
    alpha: float = 1.0,
    strength: float = DEFAULT_STRENGTH,
    work_pixels: float | None = DEFAULT_WORK_PIXELS,
    content_labels: str | os.PathLike | np.ndarray | None = None,
    style_labels: str | os.PathLike | np.ndarray | None = None,
    auto_labels: bool | int = False,
    colour_fix: bool = DEFAULT_COLOUR_FIX,
    detail_match: bool = DEFAULT_DETAIL_MATCH,
    noise_aware: bool = DEFAULT_NOISE_AWARE,
    region_stats: bool = DEFAULT_REGION_STATS,
    device: str = "auto",
    progress: Callable[..., None] | None = None,
    report: dict | None = None,
) -> ImageLike:
    """Restyle ``content`` to look like ``style``, photorealistically.

    Args:
        content, style: paths, PIL images, ``H x W x 3`` arrays (uint8 or float in [0, 1]) or
            ``3 x H x W`` tensors.
        smoothing: ``"exact"`` (closed form, default), ``"guided"`` (fast approximation) or
            ``None`` (stylization only, upsampled to the content size).
        lam: smoothing weight (exact), > 0, as at the reference resolution (0.4 MP; see
            :mod:`photostyle.smoothing.resolution`).
        max_side: long side (pixels) at which stylization runs, >= 16.
        alpha: WCT strength in [0, 1] (0: the decoders' reconstruction of the content, which
            is not the content itself).
        strength: how much of the restyle is applied, in [0, 1], like a layer's opacity:
            ``content + strength * (result - content)`` at full size, on the sRGB-encoded
            values (``0`` returns the content, through the whole pipeline).
        work_pixels: largest pixel count at which the smoothing is solved (default 1 MP);
            larger photos are solved at that size and carried to full size by local affine
            upsampling, and every pixel-sized parameter is scaled, so that a photo gets the
            same look at every size. ``0`` (or ``None``): the paper's formula at full size
            with ``lam`` as given.
        content_labels, style_labels: label maps (mask files, index or colour-coded, or
            ``H x W`` int arrays), both or neither; see :mod:`photostyle.labels`.
        auto_labels: ``True`` for automatic label maps (number of labels chosen
            automatically), an int ``K`` for ``K`` labels; not together with label maps.
        colour_fix: map the colours to the style's colour mean and covariance with one global
            affine map (:func:`photostyle.colour.match_colour`) before the final smoothing.
        detail_match: scale the detail (difference-of-Gaussians bands) so that its energy per
            scale matches the style's (:func:`photostyle.colour.match_detail`) before the
            final smoothing. With either fix, the stylized image is first smoothed with the
            guided filter (a preview whose statistics are matched), then smoothed once with
            the chosen method; with neither, the result is the paper's plain F1 -> F2.
        noise_aware: re-fit the smoothed result as a local affine function of the content
            with the gain bounded where the content is flat (below its noise floor, measured
            at the working size), here and in the affine upsampling, so that flat noisy
            regions are not turned into grain (:mod:`photostyle.smoothing.noise`); ``False``:
            the paper's F2 result as it comes.
        region_stats: with label maps (given or automatic), the colour fix and the detail
            match work per region (:mod:`photostyle.colour`); ``False``: global statistics.
        device: ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
        progress: optional callback ``progress(message, fraction=None)``: a message per
            stage, and the running solve's fraction with its time left
            (:mod:`photostyle.progress`).
        report: optional dict; receives ``{"fallbacks": {level: {label: reason}}}``,
            ``{"noise_variance": sigma^2}`` (noise-aware) and, with automatic labels,
            ``{"auto_labels": K}``.

    Returns:
        The result at the content's full size, as the same kind of object as ``content``.
    """
    if smoothing not in ("exact", "guided", None):
        raise ValueError(f"smoothing must be 'exact', 'guided' or None, got {smoothing!r}")
    if smoothing == "exact":
        check_lam(lam)
    check_fraction("alpha", alpha)
    strength = check_fraction("strength", strength)
    if not isinstance(max_side, int) or max_side < MIN_SIDE:
        raise ValueError(f"max_side must be an integer >= {MIN_SIDE}, got {max_side!r}")
    dev = resolve_device(device)
    c_name, s_name = (
        str(x) if isinstance(x, str | os.PathLike) else n
        for x, n in ((content, "content"), (style, "style"))
    )
    c = as_array(content, c_name)
    s = as_array(style, s_name)
    for name, a in ((c_name, c), (s_name, s)):
        if min(a.shape[:2]) < MIN_SIDE:
            raise ValueError(
                f"{name}: image of {a.shape[1]}x{a.shape[0]} is too small (min side {MIN_SIDE})"
            )
    scale = work_scale(c.shape[:2], work_pixels)
    c_work = to_work(c, scale)
    c_small = _resize_max_side(c_work, max_side)
    s_small = _resize_max_side(s, max_side)
    if (content_labels is None) != (style_labels is None):
        raise ValueError("give both content and style label maps, or neither")
    if auto_labels is not False and content_labels is not None:
        raise ValueError("give label maps or auto_labels, not both")
    if isinstance(auto_labels, int) and not isinstance(auto_labels, bool) and auto_labels < 1:
        raise ValueError(f"auto_labels must be True or a number of labels >= 1, got {auto_labels}")
    to_t = lambda a: torch.from_numpy(a.transpose(2, 0, 1).copy())[None]  # noqa: E731
    model = _model(dev)
    lc = ls = None
    if content_labels is not None:
        lc = _labels(content_labels, c.shape[:2], c_small.shape[:2], "content mask")
        ls = _labels(style_labels, s.shape[:2], s_small.shape[:2], "style mask")
    elif auto_labels is not False:
        if progress:
            progress("automatic labels")
        with torch.no_grad():
            fc, fs = (
                model.encoder(to_t(a).to(dev), 4).features[0].cpu().numpy()
                for a in (c_small, s_small)
            )
        k = None if auto_labels is True else int(auto_labels)
        lc, ls = make_auto_labels(fc, fs, c_small, s_small, k=k)
        if report is not None:
            report["auto_labels"] = int(max(lc.max(), ls.max())) + 1
    fallbacks: dict = {}
    y = model.stylize(
        to_t(c_small),
        to_t(s_small),
        alpha=alpha,
        progress=progress,
        content_labels=lc,
        style_labels=ls,
        report=fallbacks,
    )
    if report is not None:
        report["fallbacks"] = fallbacks
    y = y[0].permute(1, 2, 0).cpu().numpy()
    fixes = (colour_fix, detail_match)
    regions = (lc, ls) if region_stats and lc is not None else None
    result = _smooth(c_work, y, (s_small, s), smoothing, lam, dev, fixes, progress, scale, regions)
    limit = None
    if noise_aware and smoothing is not None:
        limit = NoiseLimit.of(c_work, scale)
        result = limit.apply(c_work, result, dev)
        if report is not None:
            report["noise_variance"] = limit.variance
    if scale.upsampled:
        if progress:
            progress("upsampling to full size")
        if smoothing is None:
            result = resize_float(result, c.shape[1::-1])
        else:
            result = upsample_result(c_work, result, c, limit=limit)
    if strength != 1.0:
        result = c + np.float32(strength) * (result - c)
    return like(result, content)


def _smooth(
    c: np.ndarray,
    y: np.ndarray,
    styles: tuple[np.ndarray, np.ndarray],
    smoothing: str | None,
    lam: float,
    dev: str,
    fixes: tuple[bool, bool],
    progress: Callable[..., None] | None,
    scale: WorkScale,
    regions: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """F2 on the content ``c`` (at the working size) with ``Y = y``, after the optional
    statistics match; ``lam`` and the guided radius are scaled by ``scale``.

    ``styles``: the style at stylization size (for the colour statistics) and at full size (for
    the detail energies); ``fixes``: ``(colour_fix, detail_match)``; ``regions``: the label
    maps of content and style for per-region statistics (or ``None``). With a fix, ``Y`` is
    replaced by ``match(guided(Y))`` (colour map, then detail gains, measured on a guided-filter
    preview of the result) and then smoothed once.
    """
    h, w = c.shape[:2]
    if y.shape[:2] != (h, w):
        y = resize_float(y, (w, h))
    y = np.ascontiguousarray(y, np.float32)
    colour_fix, detail = fixes
    matched = colour_fix or detail
    radius = max(1, round(scale.length(DEFAULT_RADIUS)))
    if matched:
        if progress:
            progress("matching colour and detail statistics")
        if smoothing is not None:
            y = guided_smooth(c, y, radius=radius, device=dev)
        if colour_fix:
            y = match_colour(y, styles[0], regions)
        if detail:
            y = match_detail(y, styles[1], regions)
    if smoothing is None:
        return y
    if progress:
        progress(f"smoothing ({smoothing})")
    if smoothing == "guided":
        return guided_smooth(c, y, radius=radius, device=dev)
    # The normalised affinity gives border pixels fewer windows (degree 4 or 6, not 9), which
    # tints a 2-pixel frame (affine residual 1.95 -> 0.33 on dpst pair 15 without it): smooth
    # a reflect-padded image and crop.
    p = EXACT_PAD
    pad = lambda a: np.pad(a, ((p, p), (p, p), (0, 0)), mode="reflect")  # noqa: E731
    # The arrays were checked where they entered transfer(): no second validation here.
    smoother = ExactSmoother.checked(pad(c), scale.lam(lam), dev)
    if progress:
        build_s = smoother.info["system_s"] + smoother.info["precond_s"]
        progress(f"smoothing: system built in {build_s:.1f} s, solving")
    yp = pad(np.clip(y, 0.0, 1.0))
    if matched:  # start from the matched image, which is nearly smooth already
        result = smoother.solve_checked(yp, yp, MATCHED_RTOL, progress)
    else:
        result = smoother.solve_checked(yp, None, DEFAULT_RTOL, progress)
    return np.ascontiguousarray(result[p:-p, p:-p])
