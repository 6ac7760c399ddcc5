"""The style-statistics step of the stylizing look (look_gram.py): Gram loss, range penalty,
the preconditioned L-BFGS, and what the step buys on the demo images."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize as scipy_minimize

from photostyle.files.images import load_image
from photostyle.imaging.resize import resize
from photostyle.looks import fit as look_fit
from photostyle.looks import gram as look_gram
from photostyle.looks.lattice import weights_matrix
from photostyle.looks.look import Look
from photostyle.metrics import affine_residual, gram_distance

IMAGES = Path(__file__).resolve().parents[1] / "examples" / "images"


def _small(name: str, width: int) -> np.ndarray:
    img = load_image(IMAGES / name)
    return resize(img, (round(width * img.shape[0] / img.shape[1]), width))


def test_minimize_finds_the_minimum_of_a_smooth_convex_problem(rng):
    # 1/2 x^T A x - b^T x + sum(x^4): its minimum from scipy's own L-BFGS as the reference
    n = 40
    m = rng.standard_normal((n, n))
    a = m @ m.T / n + np.eye(n)
    b = rng.standard_normal((n, 3))

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        return 0.5 * np.sum(x * (a @ x)) - np.sum(b * x) + np.sum(x**4), a @ x - b + 4 * x**3

    ref = scipy_minimize(
        lambda v: objective(v.reshape(n, 3))[0],
        np.zeros(3 * n),
        jac=lambda v: objective(v.reshape(n, 3))[1].ravel(),
        method="L-BFGS-B",
        options={"gtol": 1e-10},
    )
    lu = sp.linalg.splu(sp.csc_matrix(a))
    x = look_gram.minimize(objective, np.zeros((n, 3)), lu.solve, 60)
    assert np.abs(x - ref.x.reshape(n, 3)).max() < 1e-4
    assert objective(x)[0] <= ref.fun + 1e-8


def test_range_penalty_value_and_gradient(rng):
    c = rng.random((500, 3))
    w = weights_matrix(c, 5)
    inside = rng.random((125, 3))
    assert look_gram.range_penalty(inside, [w]) == (0.0, pytest.approx(np.zeros((125, 3))))
    table = inside * 1.6 - 0.3  # some colours leave [0, 1]
    value, grad = look_gram.range_penalty(table, [w])
    y = w @ table
    ref = (np.sum(np.clip(y - 1, 0, None) ** 2) + np.sum(np.clip(-y, 0, None) ** 2)) / len(c)
    assert value == pytest.approx(ref) and value > 0
    e = np.zeros_like(table)
    for idx in [(3, 0), (60, 1), (124, 2)]:
        e[:] = 0
        e[idx] = 1e-6
        fd = (
            look_gram.range_penalty(table + e, [w])[0] - look_gram.range_penalty(table - e, [w])[0]
        ) / 2e-6
        assert grad[idx] == pytest.approx(fd, rel=1e-4, abs=1e-9)


def test_gram_loss_matches_the_benchmark_metric_and_its_gradient():
    from photostyle.photowct.vgg import VGGEncoder

    c, s = _small("coffee.png", 96), _small("rocket.jpg", 96)
    n = 5
    table = Look.identity(n).table.reshape(-1, 3).astype(np.float64) * 0.8 + 0.1
    loss = look_gram.GramLoss([c], s, n, "cpu")
    value, grad = loss(table)
    # the same number as metrics.gram_distance of the look's image (its own float64 Grams, no
    # autograd), both images being smaller than GRAM_PIXELS (so taken as they are)
    image = (weights_matrix(c.reshape(-1, 3).astype(np.float64), n) @ table).reshape(c.shape)
    ref = gram_distance(image.astype(np.float32), s, VGGEncoder())
    assert value == pytest.approx(ref, rel=1e-4)
    # gradient: central differences along a random direction
    d = np.random.default_rng(1).standard_normal(table.shape)
    fd = (loss(table + 1e-3 * d)[0] - loss(table - 1e-3 * d)[0]) / 2e-3
    assert np.sum(grad * d) == pytest.approx(fd, rel=2e-2)


@pytest.fixture(scope="module")
def demo():
    c, s = _small("coffee.png", 200), _small("rocket.jpg", 200)
    r = np.clip(c @ np.diag([0.6, 0.8, 1.1]).astype(np.float32) + 0.1, 0, 1)  # a stand-in result
    return c, r, s


def test_the_step_brings_the_look_closer_to_the_style_statistics(demo, monkeypatch):
    from photostyle.photowct.vgg import VGGEncoder

    c, r, s = demo
    with_step = Look.fit(c, r, size=17, style=s).apply(c)
    monkeypatch.setattr(look_fit, "GRAM_WEIGHT", 0.0)
    without = Look.fit(c, r, size=17, style=s).apply(c)
    enc = VGGEncoder()
    assert gram_distance(with_step, s, enc) < 0.95 * gram_distance(without, s, enc)
    # still photorealistic: locally affine within a small margin of the quadratic fit
    assert affine_residual(c, with_step) < 1.3 * affine_residual(c, without) + 0.1
