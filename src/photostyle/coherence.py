"""Coherence of the grade across materials: what looks alike in the content stays alike.

The grade (:mod:`photostyle.grade`) and the palette match (:mod:`photostyle.palette`) give
each material of the content its own affine map. On a pair whose scenes differ, two
materials of nearly the same content colour can end far apart: on pairs-wide 11 the lion's
white background turns dark blue while the pale rock before it stays light; on pair 23 the
grey granite splits into a blue and a yellow zone. A colour grade of one photograph does not
do that: it is a smooth function of the content's colour.

This stage moves each material's mean graded colour ``o_q`` (CIE Lab, over its memberships
at the fit size) as little as it can (mass-weighted) so that for every two materials
``q, p`` of one label group, with mean content colours ``c_q, c_p`` (Lab), the chroma is
Lipschitz in the content's colour::

    |ab(o_q) - ab(o_p)| <= CHROMA_GAIN d(c_q, c_p) + CHROMA_SLACK
    d(c_q, c_p) = |(LIGHTNESS_WEIGHT (L_q - L_p), a_q - a_p, b_q - b_p)|

The content's lightness differences weigh less than its chroma differences: the sunlit and
the shaded side of one surface differ mostly in lightness, and a grade that tones them apart
(pairs-wide 23: one granite, a blue and a yellow zone) paints; a grade may still tone
shadows and highlights apart, by ``CHROMA_GAIN LIGHTNESS_WEIGHT`` per unit of lightness.

It projects cyclically onto each violated constraint (the pair moves towards each other in
proportion to the other's mass, so a large material moves less), then adds to each
material's maps the constant RGB shift ``delta`` whose membership-weighted means reach the
moved colours ``t``: soft memberships share shifts, so ``W delta = rgb(t) - rgb(o)`` with
``W_qp = sum_x m_q m_p / sum_x m_q``, solved in least squares with ridge ``SHIFT_RIDGE``.
Only offsets change; each map keeps its gains, so the content's detail is kept as the
grade had it.

**One material, one tone across the photo** (:func:`even_out`). The bound above holds
between materials' mean colours; within one material the field's nodes may still tone the
same content apart, following the blotches of the closed-form result: on pairs-wide 37 a
brown patch in the castle's blue sky, on pair 20 a snow patch half peach, half teal. Per
node ``n`` of material ``q``, with ``G_q`` the material's mass-weighted mean map, ``D_n =
M_n - G_q`` and ``J_n`` the Lab Jacobian at the node's mean graded colour, the chroma spread
is the root mean square over the node's own pixels (tent and membership weights) of the
(a, b) part of ``J_n D_n^T [c, 1]``. Where it exceeds ``SPREAD_SLACK`` the node's (a, b)
deviation is scaled down to it, ``D_n' = D_n J_n^T diag(1, t, t) J_n^-T``, and its lightness
deviation is kept: a grade may dodge and burn locally, but tones one material alike. The
bound is met on the linearization; measured pixel by pixel on a test field whose nodes tone
one grey 37-39 Lab apart, 3.1-3.2 Lab remain.
Constants: ``docs/decisions.md``.
"""

from __future__ import annotations

import numpy as np

from photostyle.imaging.colourspace import lab_jacobian, lab_to_rgb, rgb_to_lab

#: Largest ratio of two materials' graded chroma distance (a, b) to their content distance
#: (Lab), and the distance allowed on top of it (Lab units).
CHROMA_GAIN = 2.0
CHROMA_SLACK = 5.0
#: Weight of lightness differences in the content distance ``d`` (chroma differences: 1).
LIGHTNESS_WEIGHT = 0.3
#: Ridge of the offsets' least-squares solve (relative to ``W``'s unit diagonal).
SHIFT_RIDGE = 1e-2
#: Sweeps of the cyclic projection (it stops earlier once nothing moves).
SWEEPS = 200
#: Largest root-mean-square chroma (a, b) deviation of a node's map from its material's mean
#: map, over the node's pixels (Lab units).
SPREAD_SLACK = 3.0


def _project(t: np.ndarray, c: np.ndarray, mass: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Lab means ``t`` (``K x 3``) moved onto the chroma bound of the module docstring, for
    content means ``c`` (``K x 3`` Lab), masses ``mass`` and label groups ``groups``. Each
    move keeps the pair's mass-weighted mean, so the image's mean colour stays."""
    t = t.copy()
    k = len(t)
    weighted = c * np.array([LIGHTNESS_WEIGHT, 1.0, 1.0])
    dist = np.linalg.norm(weighted[:, None] - weighted[None], axis=-1)
    pairs = [(q, p) for q in range(k) for p in range(q + 1, k) if groups[q] == groups[p]]
    for _ in range(SWEEPS):
        moved = False
        for q, p in pairs:
            diff = t[q, 1:] - t[p, 1:]
            d = np.linalg.norm(diff)
            allowed = CHROMA_GAIN * dist[q, p] + CHROMA_SLACK
            if d > allowed + 1e-3:
                step = (1 - allowed / d) * diff / (mass[q] + mass[p])
                t[q, 1:] -= step * mass[p]
                t[p, 1:] += step * mass[q]
                moved = True
        if not moved:
            break
    return t


def cohere(maps: np.ndarray, materials: object) -> np.ndarray:
    """The field ``maps`` (``K x Gy x Gx x 4 x 3``, :func:`~photostyle.grade.fit_field`'s
    ``[A; b]`` on ``materials``, a :class:`~photostyle.materials.Materials`) with each
    material's offset moved so that the materials' mean graded colours meet the chroma
    bound (module docstring). Maps that meet it are returned unchanged."""
    from photostyle.grade import apply_field

    cs = materials.content_small
    w = materials.small.reshape(len(maps), -1).astype(np.float64)
    mass = w.sum(1)
    if np.any(mass <= 0):  # an absent label's materials: their means are undefined
        w, mass = w + 1e-9, mass + 1e-9 * w.shape[1]
    graded = apply_field(cs, materials.small, maps).reshape(-1, 3).astype(np.float64)
    o = (w @ graded) / mass[:, None]
    c = (w @ cs.reshape(-1, 3).astype(np.float64)) / mass[:, None]
    lab_o = rgb_to_lab(o).astype(np.float64)
    t = _project(lab_o, rgb_to_lab(c).astype(np.float64), mass, materials.groups)
    if np.array_equal(t, lab_o):
        return maps
    overlap = (w @ w.T) / mass[:, None]
    need = lab_to_rgb(t) - lab_to_rgb(lab_o)
    # ridge: materials that overlap almost wholly (a flat region cut in two) cannot be told
    # apart by offsets; their difference is left as it is instead of growing without bound
    lhs = overlap.T @ overlap + SHIFT_RIDGE * np.eye(len(w))
    delta = np.linalg.solve(lhs, overlap.T @ need)
    out = maps.copy()
    out[..., 3, :] += delta[:, None, None, :]
    return out


def even_out(maps: np.ndarray, materials: object) -> np.ndarray:
    """The field ``maps`` (``K x Gy x Gx x 4 x 3`` on ``materials``) with each node's chroma
    deviation from its material's mean map scaled down to ``SPREAD_SLACK`` (module
    docstring); lightness deviations and nodes within the slack are kept."""
    from photostyle.grade import node_moments

    k, gy, gx = maps.shape[:3]
    cs = materials.content_small
    moments = node_moments(cs, materials.small, (gy, gx)).reshape(k, gy, gx, 4, 4)
    mass = moments[..., 3, 3]
    safe = np.maximum(mass, 1e-12)  # a node without pixels of its material
    total = np.maximum(mass.sum((1, 2)), 1e-12)
    mean_map = np.einsum("kyx,kyxij->kij", mass, maps) / total[:, None, None]
    dev = maps - mean_map[:, None, None]
    mean_c1 = moments[..., 3, :] / safe[..., None]  # [mean c, 1]
    jac = lab_jacobian(np.einsum("kyxi,kyxij->kyxj", mean_c1, maps))
    e = jac[..., 1:, :] @ np.swapaxes(dev, -1, -2)  # K Gy Gx 2 x 4: (a, b) of D^T [c, 1]
    spread2 = np.einsum("kyxac,kyxcd,kyxad->kyx", e, moments, e) / safe
    t = np.minimum(1.0, SPREAD_SLACK / np.maximum(np.sqrt(np.maximum(spread2, 0.0)), 1e-12))
    if np.all(t >= 1.0):
        return maps
    over = t < 1.0  # only these nodes change: the others keep their maps exactly
    scale = np.ones((int(over.sum()), 3))
    scale[:, 1:] = t[over][:, None]
    j = jac[over]
    keep = np.swapaxes(j, -1, -2) @ (scale[..., :, None] * np.linalg.inv(j).swapaxes(-1, -2))
    out = maps.copy()
    out[over] = np.broadcast_to(mean_map[:, None, None], maps.shape)[over] + dev[over] @ keep
    return out
