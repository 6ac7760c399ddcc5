"""Matting affinity of the content image (Levin et al., "A closed-form solution to natural
image matting", TPAMI 2008), on 3x3 windows.

For windows ``w_k`` (every 3x3 window lying fully inside the image) with colour mean
``mu_k`` and covariance ``Sigma_k``::

    W_ij = sum_{k : i, j in w_k} (1 + (I_i - mu_k)^T (Sigma_k + eps/9 U)^-1 (I_j - mu_k)) / 9

The degree ``D_ii = sum_j W_ij`` equals the number of windows containing pixel ``i`` (9 inside,
fewer at the borders), because the centred colours of a window sum to zero, so
``W = D - L`` with ``L`` the closed-form matting Laplacian, which :func:`matting_laplacian`
builds with pymatting's numba kernel (sparse, 25 non-zeros per row; never dense).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from pymatting import cf_laplacian

#: Regularisation of the window covariance, as in the paper's reference code.
DEFAULT_EPS = 1e-7


def window_counts(h: int, w: int, radius: int = 1) -> np.ndarray:
    """Number of ``(2r+1)^2`` windows (fully inside the image) containing each pixel.

    Returns ``float64`` of shape ``(h*w,)``: the degree ``D`` of the affinity ``W``.
    """

    def count_1d(n: int) -> np.ndarray:
        centres = np.zeros(n)
        centres[radius : n - radius] = 1.0
        return np.convolve(centres, np.ones(2 * radius + 1), mode="same")

    return np.outer(count_1d(h), count_1d(w)).ravel()


def matting_laplacian(
    image: np.ndarray, eps: float = DEFAULT_EPS, radius: int = 1
) -> sp.csr_matrix:
    """Matting Laplacian ``L = D - W`` of ``image`` (``H x W x 3`` float in [0, 1]).

    Returns a symmetric positive semi-definite ``csr_matrix`` of shape ``(H*W, H*W)``, float64,
    pixels in row-major order. Needs ``H, W >= 2r+1``.
    """
    h, w = image.shape[:2]
    if min(h, w) < 2 * radius + 1:
        raise ValueError(
            f"image of {w}x{h} pixels is too small: both sides must be >= {2 * radius + 1}"
        )
    img = np.ascontiguousarray(image, dtype=np.float64)
    return cf_laplacian(img, epsilon=eps, radius=radius).tocsr()


def matting_affinity(image: np.ndarray, eps: float = DEFAULT_EPS, radius: int = 1) -> sp.csr_matrix:
    """Matting affinity ``W = D - L`` (sparse ``(H*W, H*W)`` float64); see the module docstring."""
    L = matting_laplacian(image, eps, radius)
    d = window_counts(*image.shape[:2], radius)
    return (sp.diags(d) - L).tocsr()
