"""Matrix-free matting Laplacian in torch, for images too large for an assembled matrix.

For every 3x3 window ``k`` fully inside the image (colour mean ``mu_k``, covariance
``Sigma_k``, ``Delta_k = Sigma_k + eps/9 U``), and any image ``x`` (one value per pixel and
channel)::

    a_k = Delta_k^-1 cov_k(I, x),     b_k = mean_k(x) - a_k^T mu_k
    (W x)_i = sum_{k ∋ i} (a_k^T I_i + b_k),     L x = D x - W x

so a product with ``L`` costs a handful of 3x3 box sums: O(N) memory (about 10 floats per
pixel for the window statistics) instead of 25 stored non-zeros per pixel. Everything is
float64 (``Delta_k^-1`` reaches ``9/eps`` in flat windows, where float32 would lose all digits).
Runs on CPU or CUDA.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit, prange

from photostyle.imaging.layout import to_chw, to_hwc
from photostyle.imaging.windows import sym3_inverse, window_sums, window_sums_full


class MattingOperator:
    """``A = L + lam D`` of a content image (``3 x H x W`` float64 in [0, 1]) as an operator.

    It follows :class:`photostyle.smoothing.cg.Operator` on torch blocks (``C x H x W``
    float64 on the content's device): ``A @ x`` and ``A.diag`` (``H x W``).
    """

    def __init__(self, content: torch.Tensor, lam: float, eps: float = 1e-7) -> None:
        img = content.to(torch.float64)
        self.img = img
        mu = window_sums(img) / 9.0  # 3 x h x w (window centres)
        idx = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
        cov = [window_sums(img[i] * img[j][None])[0] / 9.0 - mu[i] * mu[j] for i, j in idx]
        for q in (0, 3, 5):  # diagonal entries s00, s11, s22
            cov[q] = cov[q] + eps / 9
        self.inv = torch.stack(sym3_inverse(cov))  # 6 x h x w: entries of Delta_k^-1
        self.mu = mu
        self.d = window_sums_full(torch.ones_like(mu[:1]))[0]  # windows per pixel: the degree D
        self.lam = lam
        self.diag = self._diagonal()

    def _inv_apply(self, v: list[torch.Tensor]) -> list[torch.Tensor]:
        i00, i01, i02, i11, i12, i22 = self.inv
        return [
            i00 * v[0] + i01 * v[1] + i02 * v[2],
            i01 * v[0] + i11 * v[1] + i12 * v[2],
            i02 * v[0] + i12 * v[1] + i22 * v[2],
        ]

    def _diagonal(self) -> torch.Tensor:
        """Diagonal of ``A``: ``D_ii - W_ii + lam D_ii`` (``H x W``)."""
        mu = list(self.mu)
        imu = self._inv_apply(mu)
        i00, i01, i02, i11, i12, i22 = (window_sums_full(t[None])[0] for t in self.inv)
        bimu = [window_sums_full(t[None])[0] for t in imu]
        c = window_sums_full((mu[0] * imu[0] + mu[1] * imu[1] + mu[2] * imu[2])[None])[0]
        r, g, b = self.img
        quad = (
            i00 * r * r + i11 * g * g + i22 * b * b + 2 * (i01 * r * g + i02 * r * b + i12 * g * b)
        )
        w_ii = (self.d + quad - 2 * (r * bimu[0] + g * bimu[1] + b * bimu[2]) + c) / 9.0
        return self.d - w_ii + self.lam * self.d

    def __matmul__(self, x: torch.Tensor) -> torch.Tensor:
        """``A x`` for ``x`` of shape ``C x H x W`` float64 (each channel independently)."""
        mean = window_sums(x) / 9.0  # C x h x w
        cov = [window_sums(self.img[i][None] * x) / 9.0 - self.mu[i][None] * mean for i in range(3)]
        a = self._inv_apply(cov)
        b = mean - sum(a[i] * self.mu[i][None] for i in range(3))
        wx = window_sums_full(b) + sum(window_sums_full(a[i]) * self.img[i][None] for i in range(3))
        return (1.0 + self.lam) * self.d[None] * x - wx


@njit(parallel=True, cache=True)
def _window_coefficients(img, mu, inv, x, a, b):  # noqa: ANN001, ANN202
    h, w, c = x.shape
    for y in prange(1, h - 1):
        for xx in range(1, w - 1):
            k0, k1 = y - 1, xx - 1
            m0, m1, m2 = mu[k0, k1, 0], mu[k0, k1, 1], mu[k0, k1, 2]
            i00, i01, i02 = inv[k0, k1, 0], inv[k0, k1, 1], inv[k0, k1, 2]
            i11, i12, i22 = inv[k0, k1, 3], inv[k0, k1, 4], inv[k0, k1, 5]
            for ch in range(c):
                s = 0.0
                c0 = 0.0
                c1 = 0.0
                c2 = 0.0
                for dy in range(-1, 2):
                    for dx in range(-1, 2):
                        v = x[y + dy, xx + dx, ch]
                        s += v
                        c0 += (img[y + dy, xx + dx, 0] - m0) * v
                        c1 += (img[y + dy, xx + dx, 1] - m1) * v
                        c2 += (img[y + dy, xx + dx, 2] - m2) * v
                c0 /= 9.0
                c1 /= 9.0
                c2 /= 9.0
                a0 = i00 * c0 + i01 * c1 + i02 * c2
                a1 = i01 * c0 + i11 * c1 + i12 * c2
                a2 = i02 * c0 + i12 * c1 + i22 * c2
                a[k0, k1, ch, 0] = a0
                a[k0, k1, ch, 1] = a1
                a[k0, k1, ch, 2] = a2
                b[k0, k1, ch] = s / 9.0 - a0 * m0 - a1 * m1 - a2 * m2


@njit(parallel=True, cache=True)
def _apply_coefficients(img, d, lam, x, a, b, out):  # noqa: ANN001, ANN202
    h, w, c = x.shape
    for y in prange(h):
        for xx in range(w):
            for ch in range(c):
                acc = 0.0
                for ky in range(max(y - 1, 1), min(y + 1, h - 2) + 1):
                    for kx in range(max(xx - 1, 1), min(xx + 1, w - 2) + 1):
                        acc += (
                            a[ky - 1, kx - 1, ch, 0] * img[y, xx, 0]
                            + a[ky - 1, kx - 1, ch, 1] * img[y, xx, 1]
                            + a[ky - 1, kx - 1, ch, 2] * img[y, xx, 2]
                            + b[ky - 1, kx - 1, ch]
                        )
                out[y, xx, ch] = (1.0 + lam) * d[y, xx] * x[y, xx, ch] - acc


class MattingOperatorCPU:
    """Numba version of :class:`MattingOperator` for CPU: ``A @ X`` for ``X`` of ``(H*W) x C``
    float64 and ``A.diag`` (``H*W``), the :class:`photostyle.smoothing.cg.Operator` interface.

    One fused pass computes the window coefficients ``a_k, b_k`` (centred sums, float64), a
    second sums them per pixel; both are parallel over rows. Window statistics come from the
    torch operator. Memory: about 30 float64 per pixel with three channels.
    """

    def __init__(self, content: np.ndarray, lam: float, eps: float = 1e-7) -> None:
        op = MattingOperator(to_chw(content, "cpu", torch.float64), lam, eps)
        self.shape_hw = content.shape[:2]
        self.img = np.ascontiguousarray(content, dtype=np.float64)
        self.mu = np.ascontiguousarray(to_hwc(op.mu))
        self.inv = np.ascontiguousarray(to_hwc(op.inv))
        self.d = op.d.numpy()
        self.diag = op.diag.numpy().ravel()
        self.lam = lam

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        h, w = self.shape_hw
        c = x.shape[1]
        xi = np.ascontiguousarray(x.reshape(h, w, c))
        a = np.empty((h - 2, w - 2, c, 3))
        b = np.empty((h - 2, w - 2, c))
        out = np.empty_like(xi)
        _window_coefficients(self.img, self.mu, self.inv, xi, a, b)
        _apply_coefficients(self.img, self.d, self.lam, xi, a, b, out)
        return out.reshape(h * w, c)
