"""The palette match's two targets (photostyle.palette, photostyle.stages.matched): the
style's transfer of the graded result keeps the closed-form result's order of colours, the
transfer of the content keeps the content's, and the field whose colours end nearer the
style's is kept."""

import numpy as np
import pytest
from synthetic import scene

from photostyle.coherence import cohere, even_out
from photostyle.grade import IDENTITY, apply_field, grade_maps
from photostyle.imaging.colourspace import rgb_to_lab
from photostyle.materials import content_materials
from photostyle.metrics import sliced_wasserstein_lab
from photostyle.palette import match_globally, match_palette, nearest
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


def test_nearest_picks_the_field_that_gives_the_styles_colours():
    """The style is the content under a known colour map: the field of that map is picked
    over the identity, whichever comes first."""
    c = scene(150, 200, seed=2)
    m = content_materials(c)
    known = IDENTITY.copy()
    known[:3] = [[0.5, 0.1, 0.0], [0.2, 0.6, 0.1], [0.0, 0.1, 0.4]]
    known[3] = [0.3, 0.15, 0.35]
    style = np.clip(c @ known[:3] + known[3], 0, 1).astype(np.float32)
    identity = np.broadcast_to(IDENTITY, (len(m.centres), 3, 3, 4, 3)).copy()
    field = np.broadcast_to(known, identity.shape).copy()
    assert nearest([identity, field], style, m) == 1
    assert nearest([field, identity], style, m) == 0
    # independent: the whole fit size, twice the directions, another seed
    d = [sliced_wasserstein_lab(apply_field(c, m.full, f), style, 128, seed=3)
         for f in (identity, field)]  # fmt: skip
    assert d[1] < 0.2 * d[0]


def _chain(maps, m, towards, regions=None):
    f = match_palette(maps, STYLE, 0.2, m, regions, towards)
    return match_globally(even_out(cohere(f, m), m), STYLE, m, regions)


def test_the_stage_keeps_the_chain_whose_colours_end_nearer_the_style():
    c = scene(120, 160, seed=4)
    m = content_materials(c)
    maps = grade_maps(np.clip(0.95 - 0.9 * c, 0, 1), 0.2, m)
    chains = [_chain(maps, m, t) for t in ("result", "content")]
    kept = matched(maps, STYLE, 0.2, m, None)
    d = [sliced_wasserstein_lab(apply_field(c, m.full, f), STYLE, 128, seed=3) for f in chains]
    assert abs(d[0] - d[1]) > 0.2 * min(d)  # a clear case, which any estimate orders alike
    np.testing.assert_array_equal(kept, chains[int(np.argmin(d))])


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
