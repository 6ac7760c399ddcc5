import numpy as np

from photostyle.metrics import (
    affine_residual,
    gram_distance,
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
