"""The palette match's two targets (photostyle.palette, photostyle.stages.matched): the
style's transfer of the graded result keeps the closed-form result's order of colours, the
transfer of the content keeps the content's, and the field whose colours end nearer the
style's is kept where it keeps the content's structure as well."""

import numpy as np
import pytest
from synthetic import scene

from photostyle.coherence import cohere, even_out
from photostyle.grade import IDENTITY, apply_field, grade_maps
from photostyle.imaging.colourspace import rgb_to_lab
from photostyle.materials import content_materials
from photostyle.metrics import sliced_wasserstein_lab, structure_ssim
from photostyle.palette import chosen, match_globally, match_palette
from photostyle.stages import matched

STYLE = np.clip(scene(100, 100, seed=5, palette="dusk") * 0.9 + 0.05, 0, 1)


def _rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's correlation of two samples (ranks by argsort; no ties in float data)."""
    ra, rb = (np.argsort(np.argsort(x.ravel())).astype(np.float64) for x in (a, b))
    return float(np.corrcoef(ra, rb)[0, 1])


def test_the_match_towards_the_content_keeps_the_contents_order_of_lightness():
    """A grade that inverts the content (as the closed-form result may on a pair of unlike
    scenes): matched towards the graded result, the inversion stays; matched towards the
    content, lightness rises with the content's again. Both end nearer the style."""
    c = scene(120, 160, seed=4)
    m = content_materials(c)
    maps = grade_maps(np.clip(0.95 - 0.9 * c, 0, 1), 0.2, m)
    graded = apply_field(c, m.full, maps)
    lc = rgb_to_lab(c)[..., 0]
    assert _rank_correlation(lc, rgb_to_lab(graded)[..., 0]) < -0.8
    out = {t: apply_field(c, m.full, match_palette(maps, STYLE, 0.2, m, None, t))
           for t in ("result", "content")}  # fmt: skip
    assert _rank_correlation(lc, rgb_to_lab(out["result"])[..., 0]) < -0.5
    assert _rank_correlation(lc, rgb_to_lab(out["content"])[..., 0]) > 0.5
    before = sliced_wasserstein_lab(graded, STYLE)
    for o in out.values():
        assert sliced_wasserstein_lab(o, STYLE) < 0.7 * before


def test_the_content_target_needs_no_labels_and_a_known_name():
    c = scene(60, 80, seed=4)
    m = content_materials(c)
    maps = grade_maps(c, 0.2, m)
    labels = (np.zeros((60, 80), int), np.zeros((100, 100), int))
    with pytest.raises(ValueError, match="towards"):
        match_palette(maps, STYLE, 0.2, m, labels, "content")
    with pytest.raises(ValueError, match="towards"):
        match_palette(maps, STYLE, 0.2, m, None, "style")


def _fields(m):
    """The identity, a known colour map at every node, and that map with one material's gain
    set to 0 (that material flattened to one colour), each ``K x 3 x 3 x 4 x 3``."""
    known = IDENTITY.copy()
    known[:3] = [[0.5, 0.1, 0.0], [0.2, 0.6, 0.1], [0.0, 0.1, 0.4]]
    known[3] = [0.3, 0.15, 0.35]
    identity = np.broadcast_to(IDENTITY, (len(m.centres), 3, 3, 4, 3)).copy()
    field = np.broadcast_to(known, identity.shape).copy()
    flat = field.copy()
    biggest = int(np.argmax(m.small.sum((1, 2))))
    flat[biggest, ..., :3, :] = 0
    flat[biggest, ..., 3, :] = known[3] + 0.5 * known[:3].sum(0)  # its mid-grey's colour
    return identity, field, flat, known


def test_chosen_keeps_a_field_only_when_nearer_the_style_and_as_structured():
    """The style is the content under a known colour map. Independent measures (the whole
    fit size, other directions and seed; scikit-image's SSIM of Sobel gradients) order the
    candidates as the choice must see them."""
    c = scene(150, 200, seed=2)
    m = content_materials(c)
    identity, field, flat, known = _fields(m)
    style = np.clip(c @ known[:3] + known[3], 0, 1).astype(np.float32)
    outs = {n: apply_field(c, m.full, f) for n, f in (("id", identity), ("known", field),
                                                      ("flat", flat))}  # fmt: skip
    colour = {n: sliced_wasserstein_lab(o, style, 128, seed=3) for n, o in outs.items()}
    struct = {n: structure_ssim(c, o) for n, o in outs.items()}
    assert colour["known"] < colour["flat"] < colour["id"]
    assert struct["id"] > struct["known"] > struct["flat"] + 0.05
    # better on both counts: taken, whichever place it has after the first
    assert chosen([flat, field], style, m) == 1
    assert chosen([flat, identity, field], style, m) == 2
    # nearer the style but less of the content's structure: the first is kept
    assert chosen([identity, field], style, m) == 0
    # the first is kept when nothing is nearer
    assert chosen([field, flat], style, m) == 0


def _chain(maps, m, towards, regions=None):
    f = match_palette(maps, STYLE, 0.2, m, regions, towards)
    return match_globally(even_out(cohere(f, m), m), STYLE, m, regions)


def test_the_stage_keeps_the_chain_that_chosen_keeps():
    c = scene(120, 160, seed=4)
    m = content_materials(c)
    maps = grade_maps(np.clip(0.95 - 0.9 * c, 0, 1), 0.2, m)
    chains = [_chain(maps, m, t) for t in ("result", "content")]
    kept = matched(maps, STYLE, 0.2, m, None)
    np.testing.assert_array_equal(kept, chains[chosen(chains, STYLE, m)])
    # here the content's chain restores the content's order of lightness: nearer the style
    # and far more of the content's structure (independent: whole size, other directions)
    outs = [apply_field(c, m.full, f) for f in chains]
    d = [sliced_wasserstein_lab(o, STYLE, 128, seed=3) for o in outs]
    t = [structure_ssim(c, o) for o in outs]
    assert d[1] < d[0] and t[1] > t[0] + 0.1
    np.testing.assert_array_equal(kept, chains[1])


def test_with_label_regions_the_stage_matches_the_graded_result_only():
    c = scene(120, 160, seed=4)
    own = np.zeros((120, 160), int)
    own[:, 80:] = 1
    regions = (own, np.where(np.arange(100) < 50, 0, 1)[None].repeat(100, 0))
    m = content_materials(c, own)
    maps = grade_maps(np.clip(0.95 - 0.9 * c, 0, 1), 0.2, m)
    np.testing.assert_array_equal(
        matched(maps, STYLE, 0.2, m, regions), _chain(maps, m, "result", regions)
    )
