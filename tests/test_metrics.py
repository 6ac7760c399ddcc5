import numpy as np
import torch

from photostyle.imaging.layout import to_batch
from photostyle.imaging.windows import box_mean
from photostyle.metrics import (
    affine_residual,
    gram_distance,
    perceptual_distance,
    sliced_wasserstein_lab,
    structure_ssim,
)
from photostyle.photowct.vgg import VGGEncoder


def test_affine_residual_zero_for_affine_colour_change(rng):
    c = rng.random((30, 40, 3)).astype(np.float32)
    a = np.array([[0.5, 0.2, 0.0], [0.1, 0.6, 0.1], [0.0, 0.3, 0.4]], np.float32)
    out = c @ a.T + 0.1
    assert affine_residual(c, out) < 0.5  # ridge eps only
    noisy = np.clip(out + 0.05 * rng.standard_normal(out.shape), 0, 1).astype(np.float32)
    assert affine_residual(c, noisy) > 5.0


def test_colour_and_structure_metrics(rng):
    c = rng.random((32, 48, 3)).astype(np.float32)
    assert sliced_wasserstein_lab(c, c) < 1e-9
    assert sliced_wasserstein_lab(c, np.clip(c + 0.2, 0, 1)) > 5
    assert structure_ssim(c, c) > 0.999
    assert structure_ssim(c, rng.random((32, 48, 3)).astype(np.float32)) < 0.5
    enc = VGGEncoder()
    assert gram_distance(c, c, enc) < 1e-6
    assert gram_distance(c * 0.5, c, enc) > 0.1


def test_match_colour_gives_reference_statistics(rng):
    from photostyle.colour import match_colour

    x = rng.random((30, 40, 3)).astype(np.float32) * 0.5 + 0.2
    ref = np.clip(
        rng.random((20, 20, 3)) @ np.array([[0.5, 0.1, 0], [0, 0.3, 0], [0.2, 0, 0.4]]), 0, 1
    )
    out = match_colour(x, ref.astype(np.float32))
    assert out.shape == x.shape and out.dtype == np.float32
    assert np.allclose(out.reshape(-1, 3).mean(0), ref.reshape(-1, 3).mean(0), atol=2e-3)
    cov = lambda a: np.cov(a.reshape(-1, 3), rowvar=False)  # noqa: E731
    assert np.allclose(cov(out), cov(ref), atol=2e-3)
    assert affine_residual(x, out) < 0.5  # a global affine colour map: no new structure


def test_painting_residual_sees_blotches_not_grades():
    """0 for a per-material colour grade of the content; high when blotches are painted into
    one material; computed at a long side of 512 whatever the photo's size."""
    from scipy.ndimage import gaussian_filter
    from synthetic import scene

    from photostyle.imaging.colourspace import rgb_to_lab
    from photostyle.metrics import materials, painting_residual

    c = scene(300, 800, seed=7, noise=0.0)
    assert painting_residual(c, c) < 0.01  # the ridge only
    # one affine map per material (the materials of the metric itself): a perfect grade
    labels = materials(resize_box(c, (192, 512)))
    assert labels.shape == (192, 512) and len(np.unique(labels)) == 8
    graded = np.clip(c[..., ::-1] * 0.8 + 0.1, 0, 1).astype(np.float32)  # one global map
    assert painting_residual(c, graded) < 0.5
    blotch = gaussian_filter(np.random.default_rng(0).standard_normal(c.shape), (20, 20, 0))
    painted = np.clip(graded + 0.3 * blotch / np.abs(blotch).max(), 0, 1).astype(np.float32)
    lab_shift = np.abs(rgb_to_lab(painted) - rgb_to_lab(graded)).max()
    assert painting_residual(c, painted) > 3.0 and lab_shift > 10


def resize_box(image, shape):
    from photostyle.imaging.resize import resize

    return resize(image, shape, "box")


def test_perceptual_distance_against_numpy_and_blur(rng):
    enc = VGGEncoder()
    a = rng.random((40, 56, 3)).astype(np.float32)
    b = np.clip(a + rng.normal(0, 0.1, a.shape), 0, 1).astype(np.float32)
    ref = []
    for lv in (1, 2, 3, 4):  # each image on its own, normalised in numpy
        fa, fb = (enc.features(to_batch(x))[lv][0].double().numpy() for x in (a, b))
        ua, ub = (f / np.maximum(np.linalg.norm(f, axis=0), 1e-10) for f in (fa, fb))
        ref.append(((ua - ub) ** 2).sum(0).mean())
    assert np.isclose(perceptual_distance(a, b, enc), np.mean(ref), rtol=1e-5)
    assert perceptual_distance(a, a, enc) < 1e-12
    # at the same pixel error, a blur (lost texture) is farther than a uniform brightening
    blur = box_mean(torch.from_numpy(a).permute(2, 0, 1), 1).permute(1, 2, 0).numpy()
    k = np.sqrt(np.mean((blur - a) ** 2) / np.mean((1 - a) ** 2))
    brighter = a * (1 - k) + k  # the same RMS error as the blur
    assert np.isclose(np.mean((brighter - a) ** 2), np.mean((blur - a) ** 2), rtol=1e-3)
    assert perceptual_distance(blur, a, enc) > 1.5 * perceptual_distance(brighter, a, enc)
