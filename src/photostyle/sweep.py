"""A grid of transfers of one pair over lambda and locality, each scored: the paper's lambda
figure for one's own photos (Li et al. 2018, Sec. 4: lambda chosen by the trade-off between
keeping the content's boundaries and coming close to the style).

The stages that do not depend on lambda or locality (labels, F1, the statistics match) run
once; the smoothing runs once per lambda (twice when the grid mixes locality 1, solved per
pixel, with lower ones, solved at the grade's fit size) and the colour grade once per
(lambda, locality):

    stylized ------+-- smoothed(lam 1) --+-- finished(locality 1)
                   |                     +-- finished(locality 2) ...
                   +-- smoothed(lam 2) --+-- ...

The lambdas are solved from the largest down, each exact solve starting from the previous
result (the same stopping rule, fewer iterations), so a cell is :func:`photostyle.transfer`
with that lambda and locality to the solver's tolerance (not bit for bit).

Scores per cell (:mod:`photostyle.metrics`): content preservation as the paper measures it,
boundary agreement with the content (:func:`~photostyle.metrics.boundary_f`, higher is
better), beside the structure SSIM; the distance to the style as the Gram and colour
distances (lower is closer).

    >>> from photostyle.sweep import sweep                           # doctest: +SKIP
    >>> cells = sweep("content.jpg", "style.jpg", lams=(1e-5, 1e-4, 1e-3))
    >>> [(c.lam, round(c.scores["boundary_f"], 2)) for c in cells]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from photostyle import defaults
from photostyle.files.image_input import ImageLike
from photostyle.options import TransferOptions, check_fraction, check_lam

#: The default grid: the paper's lambda range around its choice, 1e-4, a decade apart.
DEFAULT_LAMS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2)
#: Long side at which the cells are scored (relative sizes: the same for any photo).
SCORE_SIDE = 512
#: The scores of a cell, with the direction that is better.
SCORES = {"boundary_f": "higher", "structure": "higher", "gram": "lower", "colour": "lower"}


@dataclass(frozen=True)
class Cell:
    """One transfer of the grid: its ``lam`` and ``locality``, the result (``H x W x 3``
    float32 in [0, 1], full size) and its ``scores`` (names of :data:`SCORES`; empty when
    not scored)."""

    lam: float
    locality: float
    image: np.ndarray
    scores: dict = field(default_factory=dict)


def check_grid(lams: Sequence[float], localities: Sequence[float]) -> tuple[list, list]:
    """The grid's values checked (``ValueError`` naming the bad one), sorted, unique."""
    if not lams or not localities:
        raise ValueError("a sweep needs at least one lambda and one locality")
    if len(lams) * len(localities) > defaults.MAX_SWEEP_CELLS:
        raise ValueError(
            f"at most {defaults.MAX_SWEEP_CELLS} cells, got {len(lams)} x {len(localities)}"
        )
    return sorted({check_lam(v) for v in lams}), sorted(
        {check_fraction("locality", v) for v in localities}
    )


def sweep(
    content: ImageLike,
    style: ImageLike,
    options: TransferOptions | None = None,
    lams: Sequence[float] = DEFAULT_LAMS,
    localities: Sequence[float] | None = None,
    *,
    content_labels: object = None,
    style_labels: object = None,
    model: object | None = None,
    score: bool = True,
    progress: Callable[..., None] | None = None,
    on_cell: Callable[[Cell], None] | None = None,
) -> list[Cell]:
    """The transfers of ``content`` to ``style`` with ``options`` at every ``lam`` x
    ``locality`` (default: the options' locality alone), in that order (lambda outer).

    ``on_cell(cell)`` is called as each cell is done (a progress bar); ``score=False``
    skips the scores. Inputs as for :func:`photostyle.transfer`.
    """
    from photostyle.pipeline import finished, load_model, prepare, smoothed, stylized
    from photostyle.stages import grade_materials, quiet

    opt, say = options or TransferOptions(), progress or quiet
    lams, localities = check_grid(lams, [opt.locality] if localities is None else localities)
    p = prepare(content, style, opt, content_labels, style_labels)
    model = model or load_model(opt.device)
    look = stylized(model, p, opt, say)
    scorer = _Scorer(p.content, p.style, model) if score else None
    graded = min(localities) < 1  # the content's materials, once for every graded cell
    materials = grade_materials(p.content_work, look.labels) if graded else None
    cells, starts = [], {}
    for lam in sorted(lams, reverse=True):  # each solve starts from the last (fewer iterations)
        solved = {}  # per pixel (locality 1) and at the grade's fit size (below 1)
        for locality in localities:
            cell_opt = opt.replace(lam=lam, locality=locality)
            size = locality < 1
            if size not in solved:
                solved[size] = smoothed(p, look, cell_opt, model.device, say, starts.get(size))
                starts[size] = solved[size][0]
            r, limit = solved[size]
            image = finished(p, look, r, limit, cell_opt, say, materials).image
            cell = Cell(lam, locality, image, scorer(image) if scorer else {})
            cells.append(cell)
            if on_cell:
                on_cell(cell)
    return sorted(cells, key=lambda c: (c.lam, c.locality))


class _Scorer:
    """The scores of results of one pair, at ``SCORE_SIDE`` (the style's Gram matrices
    computed once)."""

    def __init__(self, content: np.ndarray, style: np.ndarray, model: object) -> None:
        from photostyle.metrics import gram_matrices, lab_quantiles

        self.encoder = model.encoder
        self.content = self.small(content)
        self.style = self.small(style)
        self.style_grams = gram_matrices(self.style, self.encoder)
        self.style_colours = lab_quantiles(self.style)

    @staticmethod
    def small(image: np.ndarray) -> np.ndarray:
        """``image`` box-downsampled to a long side of ``SCORE_SIDE`` (as it is, when not
        longer): content and results the same way."""
        from photostyle.imaging.resize import resize, scaled_shape

        f = SCORE_SIDE / max(image.shape[:2])
        return image if f >= 1 else resize(image, scaled_shape(image.shape, f), "box")

    def __call__(self, image: np.ndarray) -> dict:
        from photostyle.metrics import (
            boundary_f,
            gram_distance,
            sliced_wasserstein_lab,
            structure_ssim,
        )

        out = self.small(image)
        return {
            "boundary_f": boundary_f(self.content, out),
            "structure": structure_ssim(self.content, out),
            "gram": gram_distance(out, self.style, self.encoder, self.style_grams),
            "colour": sliced_wasserstein_lab(out, None, style_quantiles=self.style_colours),
        }
