import numpy as np
import pytest
import scipy.sparse as sp
from synthetic import pair

from photostyle.imaging.windows import box_mean
from photostyle.smoothing import smooth, smooth_direct, smooth_exact, smooth_guided
from photostyle.smoothing.affinity import matting_affinity, matting_laplacian, window_counts


def paper_form(content, Y, lam):
    """R = (1-a)(I - aS)^-1 Y with S = D^-1/2 W D^-1/2, dense, straight from the paper."""
    W = matting_affinity(content).toarray()
    d = W.sum(1)
    S = W / np.sqrt(d)[:, None] / np.sqrt(d)[None, :]
    a = 1.0 / (1.0 + lam)
    n = W.shape[0]
    R = (1 - a) * np.linalg.solve(np.eye(n) - a * S, Y.reshape(n, 3).astype(np.float64))
    return np.clip(R.reshape(Y.shape), 0, 1)


def test_degree_is_window_count(rng):
    img = rng.random((7, 9, 3))
    W = matting_affinity(img)
    assert np.allclose(np.asarray(W.sum(1)).ravel(), window_counts(7, 9), atol=1e-6)
    L = matting_laplacian(img)
    assert abs(L - L.T).max() < 1e-8
    assert isinstance(L, sp.csr_matrix) and L.shape == (63, 63)


def test_direct_solve_matches_paper_form(rng):
    c = rng.random((12, 10, 3)) * 0.5 + np.linspace(0, 0.5, 10)[None, :, None]
    y = rng.random((12, 10, 3))
    ref = paper_form(c, y, 1e-2)
    assert np.abs(smooth_direct(c, y, lam=1e-2) - ref).max() < 1e-5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_matches_direct_on_photo_like_images(seed):
    c, s = pair(60, 80, seed)
    ref = smooth_direct(c, s)
    for backend in ("ichol", "matfree"):
        out = smooth_exact(c, s, backend=backend, device="cpu")
        assert out.shape == c.shape and out.dtype == np.float32
        assert np.abs(out - ref).max() <= 1 / 255, backend
        # border pixels included: the first/last rows and columns agree as well
        border = np.concatenate(
            [np.abs(out - ref)[[0, -1]].ravel(), np.abs(out - ref)[:, [0, -1]].ravel()]
        )
        assert border.max() <= 1 / 255


@pytest.mark.parametrize("lam", [1e-6, 1e-5, 1e-3, 1e-1])
def test_lambda_range(lam):
    c, s = pair(60, 80, 3)
    ref = smooth_direct(c, s, lam=lam)
    # CG stops at a relative residual (an RMS figure): at lam 0.1 it stops after one iteration
    # with about 1.5/255 left at a corner pixel, so the maximum is checked at a tight rtol
    assert np.abs(smooth_exact(c, s, lam=lam) - ref).mean() <= 0.25 / 255
    assert np.abs(smooth_exact(c, s, lam=lam, rtol=1e-5) - ref).max() <= 1 / 255


def test_smoother_reuse_matches_direct():
    """One ExactSmoother (matrix + preconditioner built once) solves several Y exactly."""
    from photostyle.smoothing.exact import ExactSmoother

    c, s = pair(60, 80, 4)
    smoother = ExactSmoother(c, device="cpu")
    for y in (s, 1.0 - s, s[:, ::-1].copy()):
        out = smoother.solve(y, x0=y)
        assert np.abs(out - smooth_direct(c, y)).max() <= 1 / 255
    assert smoother.info["iterations"] > 0 and smoother.info["backend"] == "ichol"


def test_larger_lambda_keeps_more_of_y():
    c, s = pair(60, 80, 5)
    d_small = np.abs(smooth_exact(c, s, lam=1e-4) - s).mean()
    d_large = np.abs(smooth_exact(c, s, lam=1e-1) - s).mean()
    assert d_large < d_small


def test_constant_image_gives_constant_mean():
    c = np.full((20, 30, 3), 0.4, np.float32)
    y = np.random.default_rng(1).random((20, 30, 3)).astype(np.float32)
    out = smooth_exact(c, y)
    ref = smooth_direct(c, y)
    assert np.abs(out - ref).max() <= 1 / 255
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


def test_stylized_resized_to_content():
    c, s = pair(60, 80, 6)
    half = s[::2, ::2]
    out = smooth_exact(c, half)
    assert out.shape == c.shape


@pytest.mark.parametrize("shape", [(1, 50, 3), (50, 1, 3), (2, 2, 3)])
def test_too_small_images_are_clear_errors(shape):
    a = np.zeros(shape, np.float32)
    for method in ("exact", "guided"):
        with pytest.raises(ValueError, match="too small"):
            smooth(a, a, method=method)


@pytest.mark.parametrize("lam", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_lambda(lam):
    a = np.zeros((5, 5, 3), np.float32)
    with pytest.raises(ValueError, match="lam"):
        smooth_exact(a, a, lam=lam)


def test_bad_shapes_and_method():
    a = np.zeros((5, 5, 3), np.float32)
    with pytest.raises(ValueError, match="H x W x 3"):
        smooth_exact(a[..., 0], a)
    with pytest.raises(ValueError, match="method"):
        smooth(a, a, method="magic")


def test_box_mean_matches_brute_force(rng):
    import torch

    x = rng.random((2, 9, 11))
    r = 2
    out = box_mean(torch.from_numpy(x), r).numpy()
    for i in range(9):
        for j in range(11):
            win = x[:, max(i - r, 0) : i + r + 1, max(j - r, 0) : j + r + 1]
            assert np.allclose(out[:, i, j], win.mean(axis=(1, 2)))


def guided_reference(I, p, r, eps):
    """Straightforward per-window colour guided filter (He et al., Algorithm 2)."""
    h, w = I.shape[:2]
    A = np.zeros((h, w, 3, p.shape[2]))
    B = np.zeros((h, w, p.shape[2]))
    for i in range(h):
        for j in range(w):
            gi = I[max(i - r, 0) : i + r + 1, max(j - r, 0) : j + r + 1].reshape(-1, 3)
            pi = p[max(i - r, 0) : i + r + 1, max(j - r, 0) : j + r + 1].reshape(-1, p.shape[2])
            mu, mp = gi.mean(0), pi.mean(0)
            cov = (gi - mu).T @ (gi - mu) / len(gi)
            cip = (gi - mu).T @ (pi - mp) / len(gi)
            a = np.linalg.solve(cov + eps * np.eye(3), cip)
            A[i, j], B[i, j] = a, mp - a.T @ mu
    out = np.zeros_like(p)
    for i in range(h):
        for j in range(w):
            sl = (slice(max(i - r, 0), i + r + 1), slice(max(j - r, 0), j + r + 1))
            out[i, j] = I[i, j] @ A[sl].mean((0, 1)) + B[sl].mean((0, 1))
    return out


def test_guided_matches_reference(rng):
    I = rng.random((10, 12, 3))
    p = rng.random((10, 12, 3))
    ref = np.clip(guided_reference(I, p, 2, 1e-2), 0, 1)
    out = smooth_guided(I, p, radius=2, eps=1e-2, subsample=1, device="cpu")
    assert out.shape == (10, 12, 3) and out.dtype == np.float32
    assert np.abs(out - ref).max() < 1e-4


def test_guided_bad_parameters():
    a = np.zeros((5, 5, 3), np.float32)
    with pytest.raises(ValueError, match="radius"):
        smooth_guided(a, a, radius=0)
    with pytest.raises(ValueError, match="eps"):
        smooth_guided(a, a, eps=0)


def test_matrix_free_operators_match_sparse_matrix():
    import torch

    from photostyle.imaging.layout import to_chw
    from photostyle.smoothing.affinity import smoothing_system
    from photostyle.smoothing.matfree import MattingOperator, MattingOperatorCPU
    from photostyle.smoothing.solvers import TorchSolver

    c, s = pair(60, 80, 7)
    lam = 1e-4
    A, sd = smoothing_system(c, lam)
    x = np.random.default_rng(2).random((c.shape[0] * c.shape[1], 3))
    ref = A @ x
    cpu = MattingOperatorCPU(c, lam)
    assert np.abs(cpu @ x - ref).max() <= 1e-6 * np.abs(ref).max()
    assert np.allclose(cpu.diag, A.diagonal(), rtol=1e-6)
    op = MattingOperator(to_chw(c, "cpu"), lam)  # the CUDA code path, run on the CPU here
    xt = torch.from_numpy(x.T.reshape(3, *c.shape[:2]).copy())
    got = (op @ xt).numpy().reshape(3, -1).T
    assert np.abs(got - ref).max() <= 1e-6 * np.abs(ref).max()
    # and its Jacobi-PCG solve (the one CG, on torch blocks) agrees with the direct solve
    out, _ = TorchSolver(c, lam, device="cpu").solve(s, s, 1e-4, None)
    assert np.abs(np.clip(out, 0, 1) - smooth_direct(c, s)).max() <= 1 / 255


@pytest.mark.parametrize("backend", ["ichol", "matfree"])
def test_exact_reports_progress_of_long_solves(monkeypatch, backend):
    import photostyle.smoothing.cg as cg

    c, s = pair(60, 80, 0)
    monkeypatch.setattr(cg, "PROGRESS_EVERY_S", 0.0)  # report every iteration
    info, seen = {}, []
    out = smooth_exact(c, s, backend=backend, info=info, progress=lambda *a: seen.append(a))
    lines = [m for m, _ in seen]
    fractions = [f for _, f in seen]
    assert info["iterations"] >= 2 and len(lines) == info["iterations"] - 1
    assert lines[0].startswith("smoothing: CG iteration 1, residual")
    assert all(" left" in m for m in lines)  # time left, or 'time left unknown' at first
    residuals = [float(m.split("residual ")[1].split(" ")[0]) for m in lines]
    assert residuals[-1] < residuals[0]  # CG converges
    # the fraction is monotone in [0, 1] and follows the residual on a log scale
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] <= 1
    rtol = 5e-3
    expect = np.log(residuals[0] / min(residuals)) / np.log(residuals[0] / rtol)
    assert fractions[-1] == pytest.approx(min(1.0, expect), abs=0.02)  # printed to 2 digits
    # the default interval keeps a short solve quiet, with the same result
    monkeypatch.setattr(cg, "PROGRESS_EVERY_S", 60.0)
    quiet: list = []
    again = smooth_exact(c, s, backend=backend, progress=lambda *a: quiet.append(a))
    assert quiet == [] and np.array_equal(out, again)


def test_progress_time_left_and_console_bar():
    import io

    from photostyle.progress import ConsoleProgress, format_seconds, time_left
    from photostyle.smoothing.cg import solve_fraction

    assert time_left(10.0, 0.25) == pytest.approx(30.0) and time_left(3.0, 0.0) is None
    assert format_seconds(30.2) == "about 30 s left" and format_seconds(600) == "about 10 min left"
    # residual 1e-1 -> 1e-3 with rtol 1e-4: two of the three decades done
    assert solve_fraction(1e-1, 1e-3, 1e-4) == pytest.approx(2 / 3)
    assert solve_fraction(1e-1, 1e-5, 1e-4) == 1.0 and solve_fraction(1e-1, 0.2, 1e-4) == 0.0
    out = io.StringIO()
    bar = ConsoleProgress(out)
    bar("stylize level 4")
    bar("smoothing: CG iteration 3", 0.5)
    bar("smoothing: CG iteration 6", 1.0)
    bar("done")
    text = out.getvalue()
    assert "] stylize level 4" in text and "100%" in text and " left" in text
    assert text.rstrip().endswith("] done")


def test_torch_solve_reports_progress():
    from photostyle.smoothing.solvers import TorchSolver

    c, s = pair(60, 80, 8)
    seen: list[tuple[int, float]] = []
    _, iters = TorchSolver(c, 1e-4, device="cpu").solve(s, s, 1e-3, lambda *a: seen.append(a))
    assert [it for it, _ in seen] == list(range(1, iters))
    assert all(r > 1e-3 for _, r in seen)


def test_cg_stops_at_a_breakdown_with_a_finite_answer():
    """An indefinite system (as rounding makes the matting system of a photo with large flat
    areas at a small lambda: pairs-wide 52 at lam 1e-5 gave an all-NaN result): CG stops at
    the first direction without positive curvature and returns the last finite iterate."""
    from photostyle.smoothing.cg import pcg

    A = sp.diags([1.0, 2.0, -1e-3, 3.0]).tocsr()  # one negative eigenvalue
    b = np.ones((4, 2))
    b[:, 1] = 0  # a column already solved: not a breakdown
    x, iters = pcg(A, b, np.zeros((4, 2)), lambda r: r, rtol=1e-10, maxiter=50)
    assert np.isfinite(x).all() and iters < 50 and np.all(x[:, 1] == 0)
    spd = sp.diags([1.0, 2.0, 4.0, 3.0]).tocsr()
    x, _ = pcg(spd, b, np.zeros((4, 2)), lambda r: r, rtol=1e-12, maxiter=50)
    assert np.allclose(x[:, 0], [1, 0.5, 0.25, 1 / 3])  # an SPD system is solved as before


def test_flat_photo_at_a_tiny_lambda_gives_a_finite_result(rng):
    """Large flat areas (28 % of pairs-wide 52's pixels) and lambda 1e-6: finite, in range."""
    content = np.zeros((60, 90, 3), np.float32)
    content[:, :45] = (0.2, 0.5, 0.8)  # two flat halves, a little texture in one corner
    content[:, 45:] = (0.9, 0.7, 0.3)
    content[:15, :15] += rng.random((15, 15, 3)).astype(np.float32) * 0.1
    y = rng.random((60, 90, 3)).astype(np.float32)
    out = smooth_exact(np.clip(content, 0, 1), y, lam=1e-6)
    assert np.isfinite(out).all() and 0 <= out.min() and out.max() <= 1
