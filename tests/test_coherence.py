"""Coherence of the grade across materials (photostyle.coherence): alike stays alike."""

from types import SimpleNamespace

import numpy as np
import pytest

from photostyle import coherence as co
from photostyle.grade import IDENTITY, apply_field
from photostyle.imaging.colourspace import lab_jacobian, lab_to_rgb, rgb_to_lab
from photostyle.materials import content_materials


def test_lab_to_rgb_inverts_rgb_to_lab_and_agrees_with_scikit_image():
    skimage_color = pytest.importorskip("skimage.color")
    x = np.random.default_rng(0).random((500, 3))
    np.testing.assert_allclose(lab_to_rgb(rgb_to_lab(x)), x, atol=2e-6)
    lab = rgb_to_lab(x).astype(np.float64)
    # scikit-image rounds the sRGB matrix differently (0.412453 ...): agreement to 2e-3
    np.testing.assert_allclose(lab_to_rgb(lab), skimage_color.lab2rgb(lab), atol=2e-3)


def _violation(t, c, groups):
    """The largest excess of two materials' chroma distance over the bound (Lab units),
    computed pair by pair."""
    worst = 0.0
    for q in range(len(t)):
        for p in range(len(t)):
            if q != p and groups[q] == groups[p]:
                d = (c[q] - c[p]) * [co.LIGHTNESS_WEIGHT, 1, 1]
                allowed = co.CHROMA_GAIN * np.linalg.norm(d) + co.CHROMA_SLACK
                worst = max(worst, np.linalg.norm(t[q, 1:] - t[p, 1:]) - allowed)
    return worst


@pytest.mark.parametrize("seed", range(4))
def test_projection_meets_the_bound_and_keeps_the_weighted_mean(seed):
    rng = np.random.default_rng(seed)
    c = rng.uniform([20, -20, -20], [90, 20, 20], (8, 3))
    t0 = rng.uniform([10, -60, -60], [90, 60, 60], (8, 3))
    mass = rng.uniform(0.02, 0.3, 8)
    groups = np.zeros(8, int)
    assert _violation(t0, c, groups) > 1.0  # the draw breaks the bound
    t = co._project(t0, c, mass, groups)
    assert _violation(t, c, groups) < 0.05
    np.testing.assert_array_equal(t[:, 0], t0[:, 0])  # lightness is not touched
    # each move shifts two materials towards each other in inverse proportion to their mass
    np.testing.assert_allclose(mass @ t, mass @ t0, atol=1e-6)


def test_projection_leaves_coherent_colours_and_other_label_groups_alone():
    c = np.array([[30.0, 0, 0], [60, 0, 0], [60, 1, 0]])
    mass = np.ones(3)
    t0 = c + [5.0, 2, -1]  # a uniform grade: nothing to move
    np.testing.assert_array_equal(co._project(t0, c, mass, np.zeros(3, int)), t0)
    split = np.array([[35.0, 0, 0], [65, 50, 0], [65, -50, 0]])  # 2 and 3 alike, far apart
    assert not np.allclose(co._project(split, c, mass, np.zeros(3, int)), split)
    np.testing.assert_array_equal(co._project(split, c, mass, np.array([0, 1, 2])), split)


def _two_greys(labels=None):
    """One grey, left and right (two materials by position), graded blue on the left and
    yellow on the right by offsets; returns the materials, the maps and the halves."""
    c = np.full((64, 192, 3), 0.5, np.float32)
    c[:, 96:] += 0.02
    c += np.random.default_rng(1).normal(0, 0.01, c.shape).astype(np.float32)
    m = content_materials(np.clip(c, 0, 1), labels)
    left = m.small[:, :, : m.small.shape[2] // 2].sum((1, 2)) > m.small.sum((1, 2)) / 2
    maps = np.broadcast_to(IDENTITY, (len(m.small), 2, 2, 4, 3)).copy()
    maps[left, ..., 3, :] += [-0.1, -0.05, 0.2]
    maps[~left, ..., 3, :] += [0.15, 0.1, -0.15]
    return m, maps


def _half_means(m, maps):
    lab = rgb_to_lab(apply_field(m.content_small, m.small, maps))
    half = lab.shape[1] // 2
    return lab[:, : half - 8].reshape(-1, 3).mean(0), lab[:, half + 8 :].reshape(-1, 3).mean(0)


def test_one_grey_graded_two_ways_ends_alike_with_its_gains_kept():
    m, maps = _two_greys()
    a, b = _half_means(m, maps)
    assert np.linalg.norm(a[1:] - b[1:]) > 35  # blue against yellow
    out = co.cohere(maps, m)
    a2, b2 = _half_means(m, out)
    # the content's halves are ~2 Lab apart: the bound allows about 9 on top of the slack
    assert np.linalg.norm(a2[1:] - b2[1:]) < co.CHROMA_GAIN * 3 + co.CHROMA_SLACK + 2
    # the two meet near their mean colour (equal masses), not at some third colour
    assert np.abs((a2 + b2)[1:] / 2 - (a + b)[1:] / 2).max() < 2
    np.testing.assert_array_equal(out[..., :3, :], maps[..., :3, :])  # gains untouched


def test_labelled_regions_keep_their_own_grades():
    labels = np.zeros((64, 192), int)
    labels[:, 96:] = 1
    m, maps = _two_greys(labels)
    assert set(m.groups.tolist()) == {0, 1}
    out = co.cohere(maps, m)
    a, b = _half_means(m, maps)
    a2, b2 = _half_means(m, out)
    assert np.linalg.norm(a[1:] - b[1:]) > 35
    np.testing.assert_allclose(
        np.linalg.norm(a2[1:] - b2[1:]), np.linalg.norm(a[1:] - b[1:]), rtol=0.05
    )


def test_lightness_differences_allow_less_toning_apart_than_chroma_differences():
    mass = np.ones(2)
    groups = np.zeros(2, int)
    toned = np.array([[30.0, 0, 40], [70, 0, -40]])  # 80 apart in chroma
    by_lightness = np.array([[30.0, 0, 0], [70, 0, 0]])  # 40 apart in lightness
    t = co._project(toned, by_lightness, mass, groups)
    allowed = co.CHROMA_GAIN * co.LIGHTNESS_WEIGHT * 40 + co.CHROMA_SLACK
    assert allowed < 80 - 10
    assert np.linalg.norm(t[0, 1:] - t[1, 1:]) < allowed + 0.05
    by_chroma = np.array([[50.0, 0, 20], [50, 0, -20]])  # 40 apart in chroma: allowed 85
    np.testing.assert_array_equal(co._project(toned, by_chroma, mass, groups), toned)


@pytest.mark.parametrize("seed", range(3))
def test_lab_jacobian_matches_finite_differences_of_rgb_to_lab(seed):
    rgb = np.random.default_rng(seed).uniform(0.08, 0.95, (200, 3))
    step = 1e-3
    numeric = np.stack(
        [
            (
                rgb_to_lab(rgb + step * np.eye(3)[i]).astype(np.float64)
                - rgb_to_lab(rgb - step * np.eye(3)[i]).astype(np.float64)
            )
            / (2 * step)
            for i in range(3)
        ],
        -1,
    )
    np.testing.assert_allclose(lab_jacobian(rgb), numeric, rtol=2e-3, atol=0.05)


def _one_material_toned_two_ways(lightness=0.0):
    """A noisy grey that is one material over the whole photo, whose field tones the left
    nodes blue and the right nodes yellow (and, with ``lightness``, the left darker)."""
    c = np.full((64, 192, 3), 0.5, np.float32)
    c += np.random.default_rng(2).normal(0, 0.02, c.shape).astype(np.float32)
    m = SimpleNamespace(content_small=np.clip(c, 0, 1), small=np.ones((1, 64, 192), np.float32))
    maps = np.broadcast_to(IDENTITY, (1, 2, 4, 4, 3)).copy()
    maps[:, :, :2, 3, :] += [-0.1 - lightness, -0.05 - lightness, 0.2 - lightness]
    maps[:, :, 2:, 3, :] += [0.15, 0.1, -0.15]
    return m, maps


def _node_spreads(m, maps):
    """Per material and node, the RMS chroma (a, b) distance between the node's map and the
    material's mass-weighted mean map over the node's pixels, computed pixel by pixel in Lab
    (the tent and membership weights of the field)."""
    from photostyle.grade import _tent

    cs = m.content_small.astype(np.float64)
    h, w = cs.shape[:2]
    k, gy, gx = maps.shape[:3]
    (wy, _), (wx, _) = _tent(h, gy), _tent(w, gx)
    c1 = np.concatenate([cs, np.ones((h, w, 1))], 2).reshape(-1, 3 + 1)
    out = np.zeros((k, gy, gx))
    for q in range(k):
        weight = wy[:, None, :, None] * wx[None, :, None, :] * m.small[q][None, None]
        mass = weight.sum((2, 3))
        mean_map = (mass[..., None, None] * maps[q]).sum((0, 1)) / mass.sum()
        ref = rgb_to_lab(np.clip(c1 @ mean_map, 0, 1)).astype(np.float64)
        for i in range(gy):
            for j in range(gx):
                lab = rgb_to_lab(np.clip(c1 @ maps[q, i, j], 0, 1)).astype(np.float64)
                d2 = ((lab - ref)[:, 1:] ** 2).sum(1)
                out[q, i, j] = np.sqrt((weight[i, j].ravel() * d2).sum() / mass[i, j])
    return out


def test_one_material_is_toned_alike_across_the_photo_and_keeps_its_local_lightness():
    m, maps = _one_material_toned_two_ways(lightness=0.1)
    spread = _node_spreads(m, maps).max()
    assert spread > 5 * co.SPREAD_SLACK
    out = co.even_out(maps, m)
    # the bound is met on the Lab Jacobian's linearization at each node's mean colour; pixel
    # by pixel, and from the new mean map, a little more remains
    assert _node_spreads(m, out).max() < 1.2 * co.SPREAD_SLACK
    lab = rgb_to_lab(apply_field(m.content_small, m.small, out))
    before = rgb_to_lab(apply_field(m.content_small, m.small, maps))
    half = lab.shape[1] // 2
    left, right = lab[:, : half // 2].reshape(-1, 3), lab[:, -half // 2 :].reshape(-1, 3)
    l0, r0 = before[:, : half // 2].reshape(-1, 3), before[:, -half // 2 :].reshape(-1, 3)
    assert np.linalg.norm(left.mean(0)[1:] - right.mean(0)[1:]) < 2.5 * co.SPREAD_SLACK
    assert np.linalg.norm(l0.mean(0)[1:] - r0.mean(0)[1:]) > 35
    # the left half stays darker by about as much as the field made it (lightness kept)
    np.testing.assert_allclose(
        right.mean(0)[0] - left.mean(0)[0], r0.mean(0)[0] - l0.mean(0)[0], rtol=0.15
    )


def test_a_field_within_the_spread_slack_is_returned_unchanged():
    m, maps = _one_material_toned_two_ways()
    maps[..., 3, :] = IDENTITY[3] + 0.001 * np.arange(4)[None, None, :, None]
    assert _node_spreads(m, maps).max() < co.SPREAD_SLACK
    assert co.even_out(maps, m) is maps
