"""Stages of :func:`photostyle.transfer` (labels, statistics, noise bound, grade, full size,
blend) and the values they pass on.

Kept beside :mod:`photostyle.pipeline`, which composes them with F1 and F2 in order.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from photostyle.imaging.resize import resize
from photostyle.options import Smoothing, TransferOptions
from photostyle.smoothing.resolution import WorkScale, upsample_result

Progress = Callable[..., None]

#: Radius per subsampling step of the noise bound's re-fit of the graded result
#: (:meth:`~photostyle.smoothing.noise.NoiseLimit.apply`'s ``per``).
GRADE_REFIT_PER = 2


def quiet(message: str, fraction: float | None = None) -> None:
    """The progress callback that reports nothing."""


@dataclass(frozen=True)
class Prepared:
    """The checked inputs of one transfer at the sizes its stages use.

    Images are ``H x W x 3`` float32 in [0, 1] (CPU): ``content`` at full size,
    ``content_work`` at the working size of ``scale``, ``content_small`` and ``style_small``
    at the stylization size, ``style`` at full size. ``labels``: the given label maps (content,
    style) at the stylization sizes, int32, or None.
    """

    content: np.ndarray
    content_work: np.ndarray
    content_small: np.ndarray
    style: np.ndarray
    style_small: np.ndarray
    scale: WorkScale
    labels: tuple[np.ndarray, np.ndarray] | None = None


@dataclass(frozen=True)
class Stylized:
    """The stages before the smoothing: ``y``, the stylized image with its statistics
    matched (``h x w x 3`` float32 in [0, 1], working size), the label maps used (stylization
    sizes, or None) and the label fallbacks ``{level: {label: reason}}``."""

    y: np.ndarray
    labels: tuple[np.ndarray, np.ndarray] | None
    fallbacks: dict


def given_labels(
    labels: str | os.PathLike | np.ndarray,
    full: tuple[int, int],
    small: tuple[int, int],
    name: str,
) -> np.ndarray:
    """A label map (mask file or ``H x W`` array) checked against its image's size ``full``
    and resized (nearest) to ``small``, the stylization size at which mask files are parsed
    and cleaned. Returns ``small`` int32."""
    from photostyle.labels import fit_to, load_labels, mask_to_labels

    if isinstance(labels, str | os.PathLike):
        return load_labels(labels, full, small)
    lab = fit_to(mask_to_labels(np.asarray(labels)), full, name)
    return resize(lab, small, "nearest")


def automatic_labels(
    model: object, p: Prepared, count: bool | int, progress: object
) -> tuple[np.ndarray, np.ndarray] | None:
    """Joint label maps of content and style at the stylization sizes from the model's
    ``relu4_1`` features and the colours (:func:`photostyle.labels.auto_labels`); ``count``:
    ``True`` (chosen from the images) or a number of labels; ``False``: None."""
    if count is False:
        return None
    import torch

    from photostyle.imaging.layout import to_batch
    from photostyle.labels import auto_labels

    progress("automatic labels")
    with torch.no_grad():
        fc, fs = (
            model.encoder(to_batch(a).to(model.device), 4).features[0].cpu().numpy()
            for a in (p.content_small, p.style_small)
        )
    k = None if count is True else int(count)
    return auto_labels(fc, fs, p.content_small, p.style_small, k=k)


def match_statistics(
    p: Prepared,
    y: np.ndarray,
    options: TransferOptions,
    regions: tuple[np.ndarray, np.ndarray] | None,
    device: str,
    progress: Progress,
) -> np.ndarray:
    """Colour fix and detail match of ``y`` (``h x w x 3`` float32 in [0, 1] at the working
    size) towards the style, measured on a guided-filter preview of ``y`` (when the result
    will be smoothed at all); per region with ``regions``. Returns ``h x w x 3`` float32."""
    from photostyle.colour import match_colour, match_detail
    from photostyle.smoothing.guided import DEFAULT_RADIUS, guided_smooth

    progress("matching colour and detail statistics")
    if options.smoothing is not Smoothing.NONE:
        y = guided_smooth(p.content_work, y, radius=p.scale.radius(DEFAULT_RADIUS), device=device)
    if options.colour_fix:
        y = match_colour(y, p.style_small, regions)
    if options.detail_match:
        y = match_detail(y, p.style, regions)
    return y


def bound_noise(
    content: np.ndarray, result: np.ndarray, scale: WorkScale, device: str
) -> tuple[np.ndarray, object]:
    """The result re-fitted on the content (both ``h x w x 3`` float32 in [0, 1], working
    size) with its gain bounded where the content is flat (:mod:`photostyle.smoothing.noise`).
    Returns the bounded result and its :class:`~photostyle.smoothing.noise.NoiseLimit`."""
    from photostyle.smoothing.noise import NoiseLimit

    limit = NoiseLimit.of(content, scale)
    return limit.apply(content, result, device), limit


def grade_size(
    content: np.ndarray, y: np.ndarray, scale: WorkScale
) -> tuple[np.ndarray, np.ndarray, WorkScale]:
    """``content`` and ``y`` (``h x w x 3`` float32, working size) box-shrunk to the size at
    which the colour grade is fitted (:func:`photostyle.materials.fit_shape`), with the scale of
    that size; as they are when that size has a side under ``MIN_SIDE``. Below locality 1 the
    grade sees the smoothed result only there, so F2 is solved there."""
    from photostyle.defaults import MIN_SIDE
    from photostyle.materials import fit_shape, fit_size

    small = fit_shape(content.shape)
    if small == content.shape[:2] or min(small) < MIN_SIDE:
        return content, y, scale
    shrink = lambda a: np.ascontiguousarray(fit_size(a))  # noqa: E731
    return shrink(content), shrink(y), scale.shrunk(small)


def grade(
    content: np.ndarray,
    result: np.ndarray,
    style: np.ndarray,
    options: TransferOptions,
    labels: tuple[np.ndarray, np.ndarray] | None,
    progress: Progress,
    materials: object | None = None,
    limit: object | None = None,
) -> np.ndarray:
    """The result as a material-aware colour grade of the content that varies smoothly in
    space (:mod:`photostyle.grade`, ``options.locality``), then moved towards the style's
    colours (:mod:`photostyle.palette`, ``options.palette_match``; per labelled region with
    ``options.region_stats``), with the materials' graded colours kept alike where the
    content's are alike and each material toned alike across the photo
    (:mod:`photostyle.coherence`), and one global colour map towards the style on top
    (:func:`photostyle.palette.match_globally`), then re-fitted with the working size's
    noise bound ``limit``
    (:class:`~photostyle.smoothing.noise.NoiseLimit`, or None): a field fitted at a coarse
    scale gives the content's fine noise the gain of its material, and a flat sky stretched
    by the style would show it as grain. ``result`` itself at locality 1 (bounded already).
    ``content``: ``h x w x 3`` float32 in [0, 1] at the working size; ``result`` the same at
    the working size or at :func:`grade_size`; ``style``: float32, any size; ``labels``: the
    label maps at the stylization sizes or None; ``materials``: :func:`grade_materials`, when
    already computed. Returns ``h x w x 3`` float32."""
    if options.locality >= 1.0:
        return result
    from photostyle.coherence import cohere, even_out
    from photostyle.grade import apply_field, grade_maps

    progress("fitting the colour grade")
    materials = materials or grade_materials(content, labels)
    maps = grade_maps(result, options.locality, materials)
    regions = labels if options.region_stats else None  # per region, like the colour fix
    if options.palette_match:
        progress("matching the style's palette")
        maps = matched(maps, style, options.locality, materials, regions)
    else:
        maps = even_out(cohere(maps, materials), materials)
    graded = apply_field(content, materials.full, maps)
    # the graded result is a smooth field of the content: its re-fit's coefficients may come
    # from half the size from radius 4 on (working sizes from about 0.55 MP; the quality sets
    # are below that, where this is the plain re-fit)
    return graded if limit is None else limit.apply(content, graded, per=GRADE_REFIT_PER)


def matched(
    maps: np.ndarray,
    style: np.ndarray,
    locality: float,
    materials: object,
    regions: tuple[np.ndarray, np.ndarray] | None,
) -> np.ndarray:
    """The grade's field ``maps`` (on ``materials``, at ``locality``) moved towards the
    ``style``'s colours, made coherent across materials and toned alike within each, then
    composed with one global colour map: :func:`~photostyle.palette.match_palette`,
    :func:`~photostyle.coherence.cohere`, :func:`~photostyle.coherence.even_out`,
    :func:`~photostyle.palette.match_globally`. Without ``regions`` (label maps matched region
    by region, or None) the match is made twice, towards the style's transfer of the graded
    result and of the content, and the content's is kept where its colours end nearer the
    style's and it keeps the content's structure as well (:func:`~photostyle.palette.chosen`,
    :mod:`photostyle.palette`)."""
    from photostyle.coherence import cohere, even_out
    from photostyle.palette import chosen, match_globally, match_palette

    fields = []
    for towards in ("result",) if regions is not None else ("result", "content"):
        field = match_palette(maps, style, locality, materials, regions, towards)
        field = even_out(cohere(field, materials), materials)
        fields.append(match_globally(field, style, materials, regions))
    return fields[0] if len(fields) == 1 else fields[chosen(fields, style, materials)]


def grade_materials(content: np.ndarray, labels: tuple[np.ndarray, np.ndarray] | None) -> object:
    """The content's side of :func:`grade` (:class:`photostyle.materials.Materials`), the same
    for every lambda and locality of a sweep."""
    from photostyle.materials import content_materials

    return content_materials(content, None if labels is None else labels[0])


def to_full_size(
    p: Prepared, result: np.ndarray, method: Smoothing, limit: object | None, progress: Progress
) -> np.ndarray:
    """``result`` (working size) carried to the content's full size: local affine upsampling
    on the full-size content (gain bounded by ``limit``), or bilinear when unsmoothed.
    Returns ``H x W x 3`` float32 in [0, 1]."""
    if not p.scale.upsampled:
        return result
    progress("upsampling to full size")
    if method is Smoothing.NONE:
        return resize(result, p.content.shape[:2])
    return upsample_result(p.content_work, result, p.content, limit=limit)


def blend(content: np.ndarray, result: np.ndarray, strength: float) -> np.ndarray:
    """``content + strength * (result - content)``, like a layer's opacity (both ``H x W x 3``
    float32); ``result`` itself at strength 1."""
    if strength == 1.0:
        return result
    return content + np.float32(strength) * (result - content)
