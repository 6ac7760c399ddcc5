"""Torch operations over device and dtype against independent float64 references (numpy,
scipy, brute-force loops), as kornia tests its ops. CUDA cases skip where CUDA is absent;
every output keeps the input's device and (where documented) dtype."""

import numpy as np
import pytest
import torch
from synthetic import pair

from photostyle.imaging.windows import box_mean, sym3_inverse, window_sums, window_sums_full

DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available"),
    ),
]
#: Tolerances relative to the reference's scale, per dtype.
TOL = {torch.float32: 2e-5, torch.float64: 1e-12}


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param


@pytest.fixture(params=[torch.float32, torch.float64], ids=["f32", "f64"])
def dtype(request):
    return request.param


def close(got: torch.Tensor, ref: np.ndarray, dtype, scale: float = 1.0) -> bool:
    err = np.abs(got.detach().cpu().double().numpy() - ref).max()
    return err <= TOL[dtype] * max(scale, np.abs(ref).max())


def box_mean_reference(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over the clipped ``(2r+1)^2`` window around each pixel, by loops."""
    h, w = x.shape[-2:]
    out = np.empty_like(x)
    for i in range(h):
        for j in range(w):
            win = x[..., max(i - r, 0) : i + r + 1, max(j - r, 0) : j + r + 1]
            out[..., i, j] = win.mean(axis=(-2, -1))
    return out


@pytest.mark.parametrize("r", [0, 1, 4, 20])  # 20: windows wider than the image
def test_box_mean(device, dtype, r):
    x = np.random.default_rng(0).random((2, 13, 17))
    got = box_mean(torch.tensor(x, dtype=dtype, device=device), r)
    assert got.dtype == dtype and got.device.type == device
    assert close(got, box_mean_reference(x, r), dtype)


def test_window_sums_and_full(device, dtype):
    x = np.random.default_rng(1).random((2, 9, 11))
    t = torch.tensor(x, dtype=dtype, device=device)
    sums = window_sums(t)
    ref = np.array(
        [[[x[b, i : i + 3, j : j + 3].sum() for j in range(9)] for i in range(7)] for b in range(2)]
    )
    assert sums.shape == (2, 7, 9) and sums.dtype == dtype and close(sums, ref, dtype)
    # each pixel: the sum over the windows fully inside the image that contain it
    full = window_sums_full(sums)
    ref_full = np.zeros_like(x)
    for i in range(7):
        for j in range(9):
            ref_full[:, i : i + 3, j : j + 3] += ref[:, i, j][:, None, None]
    assert full.shape == x.shape and close(full, ref_full, dtype)


def test_sym3_inverse(device, dtype):
    rng = np.random.default_rng(2)
    m = rng.standard_normal((5, 3, 3))
    spd = m @ m.transpose(0, 2, 1) + 0.5 * np.eye(3)  # well conditioned
    idx = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    got = sym3_inverse([torch.tensor(spd[:, i, j], dtype=dtype, device=device) for i, j in idx])
    ref = np.linalg.inv(spd)
    for (i, j), g in zip(idx, got, strict=True):
        assert g.dtype == dtype and close(g, ref[:, i, j], dtype, scale=10 * np.abs(ref).max())


def guided_reference(guide: np.ndarray, src: np.ndarray, r: int, eps: float) -> np.ndarray:
    """He et al.'s colour guided filter, per window with ``np.linalg.solve`` (float64)."""
    mu = box_mean_reference(guide, r)
    mp = box_mean_reference(src, r)
    h, w = guide.shape[1:]
    gg = box_mean_reference(guide[:, None] * guide[None], r) - mu[:, None] * mu[None]
    gp = box_mean_reference(guide[:, None] * src[None], r) - mu[:, None] * mp[None]
    a = np.empty((3, src.shape[0], h, w))
    for i in range(h):
        for j in range(w):
            a[:, :, i, j] = np.linalg.solve(gg[:, :, i, j] + eps * np.eye(3), gp[:, :, i, j])
    b = mp - np.einsum("kchw,khw->chw", a, mu)
    return np.einsum("kchw,khw->chw", box_mean_reference(a, r), guide) + box_mean_reference(b, r)


def test_guided_filter(device, dtype):
    from photostyle.smoothing.guided import guided_filter_torch

    c, s = pair(14, 18, seed=1)
    guide, src = (a.transpose(2, 0, 1).astype(np.float64) for a in (c, s))
    ma, mb = guided_filter_torch(
        torch.tensor(guide, dtype=dtype, device=device),
        torch.tensor(src, dtype=dtype, device=device),
        2,
        1e-3,
    )
    got = (ma * torch.tensor(guide, dtype=dtype, device=device)[:, None]).sum(0) + mb
    assert got.dtype == dtype and got.device.type == device
    # float32 loses digits in the covariance (E[x^2] - E[x]^2) and in the 3x3 inverse
    tol = {torch.float32: 1e-3, torch.float64: 1e-9}[dtype]
    assert np.abs(got.cpu().double().numpy() - guided_reference(guide, src, 2, 1e-3)).max() <= tol


def wct_reference(fc: np.ndarray, fs: np.ndarray) -> np.ndarray:
    """Whitening and colouring by eigendecomposition in numpy (full rank, float64)."""

    def stats(f):
        m = f.mean(1, keepdims=True)
        d, e = np.linalg.eigh((f - m) @ (f - m).T / (f.shape[1] - 1))
        return m, d, e

    mc, dc, ec = stats(fc)
    ms, ds, es = stats(fs)
    white = ec @ np.diag(dc**-0.5) @ ec.T @ (fc - mc)
    return es @ np.diag(ds**0.5) @ es.T @ white + ms


def test_wct(device, dtype):
    from photostyle.photowct.wct import wct

    rng = np.random.default_rng(3)
    fc = rng.standard_normal((8, 300)) * rng.random((8, 1)) + rng.random((8, 1))
    fs = rng.standard_normal((8, 200)) @ rng.standard_normal((200, 200)) / 15
    got = wct(
        torch.tensor(fc, dtype=dtype, device=device), torch.tensor(fs, dtype=dtype, device=device)
    )
    assert got.dtype == dtype and got.device.type == device
    ref = wct_reference(fc, fs)
    assert close(got, ref, dtype, scale=10 * np.abs(ref).max())


def test_matting_operator_and_one_cg(device, dtype):
    """The torch matting operator (float64 inside, whatever the input dtype) against the
    assembled sparse matrix, and the one CG on torch blocks against a direct solve."""
    from scipy.sparse.linalg import spsolve

    from photostyle.smoothing.affinity import smoothing_system
    from photostyle.smoothing.cg import pcg
    from photostyle.smoothing.matfree import MattingOperator

    c, s = pair(16, 20, seed=2)
    lam = 1e-3
    A, _ = smoothing_system(c, lam)
    op = MattingOperator(torch.tensor(c.transpose(2, 0, 1), dtype=dtype, device=device), lam)
    x = np.random.default_rng(4).random((20 * 16, 3))
    xt = torch.tensor(x.T.reshape(3, 16, 20), dtype=torch.float64, device=device)
    got = (op @ xt).cpu().numpy().reshape(3, -1).T
    ref = A @ x
    # the operator's statistics come from the dtype given (float32: about 1e-7 of a colour)
    tol = {torch.float32: 1e-3, torch.float64: 1e-9}[dtype]
    assert np.abs(got - ref).max() <= tol * np.abs(ref).max()
    assert np.allclose(op.diag.cpu().numpy().ravel(), A.diagonal(), rtol=tol)
    b = torch.tensor(s.transpose(2, 0, 1), dtype=torch.float64, device=device)
    inv_diag = 1 / op.diag[None]
    z, iters = pcg(op, b, torch.zeros_like(b), lambda r: r * inv_diag, rtol=1e-10, maxiter=2000)
    assert z.device.type == device and 0 < iters < 2000
    bz = b.cpu().numpy().reshape(3, -1).T
    ref_z = np.column_stack([spsolve(A.tocsc(), bz[:, q]) for q in range(3)])
    assert (
        np.abs(z.cpu().numpy().reshape(3, -1).T - ref_z).max()
        <= 1e-3 * tol * np.abs(ref_z).max() + 1e-8
    )


def test_layout_round_trip(device, dtype):
    from photostyle.imaging.layout import to_chw, to_hwc

    img = np.random.default_rng(5).random((5, 7, 3)).astype(np.float32)
    t = to_chw(img, device, dtype)
    assert t.shape == (3, 5, 7) and t.dtype == dtype and t.device.type == device
    assert t.is_contiguous() and np.allclose(to_hwc(t), img, atol=0)
