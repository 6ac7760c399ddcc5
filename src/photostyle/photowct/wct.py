"""Whitening-colouring transform (Li et al., "Universal style transfer via feature transforms").

Content features ``f_c`` (``C x N``) are centred and whitened with their own covariance, then
coloured with the style covariance and shifted to the style mean::

    f_cs = E_s D_s^{1/2} E_s^T  E_c D_c^{-1/2} E_c^T (f_c - m_c) + m_s

Covariances ``F F^T / (N - 1)`` are computed and eigendecomposed in float64; the resulting
``C x C`` transform is applied in the features' own dtype. Eigenvalues below
``eps * max(eigenvalue)`` (relative floor, default ``1e-5``) are dropped from whitening and
colouring, which keeps the transform stable when a region has fewer pixels than channels
(``N < C``: the covariance is rank-deficient) or when features are constant.
"""

from __future__ import annotations

import torch

DEFAULT_EPS = 1e-5


def _stats(f: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean ``C x 1``, eigenvalues ``k`` and eigenvectors ``C x k`` (kept) of ``f`` (``C x N``)."""
    f = f.to(torch.float64)
    mean = f.mean(dim=1, keepdim=True)
    x = f - mean
    n = max(f.shape[1] - 1, 1)
    cov = x @ x.T / n
    evals, evecs = torch.linalg.eigh(cov)
    keep = evals > eps * evals.max().clamp_min(1e-30)
    return mean, evals[keep], evecs[:, keep]


def wct(
    content: torch.Tensor, style: torch.Tensor, alpha: float = 1.0, eps: float = DEFAULT_EPS
) -> torch.Tensor:
    """Map ``content`` features to the mean and covariance of ``style`` features.

    Args:
        content: ``C x Nc`` float tensor (any device).
        style: ``C x Ns`` float tensor, same ``C``.
        alpha: blend ``alpha * wct + (1 - alpha) * content``, in [0, 1].
        eps: relative eigenvalue floor (see module docstring).

    Returns:
        ``C x Nc`` tensor, dtype and device of ``content``.
    """
    if content.ndim != 2 or style.ndim != 2 or content.shape[0] != style.shape[0]:
        raise ValueError(
            f"wct needs C x N features with the same C, got {tuple(content.shape)} and "
            f"{tuple(style.shape)}"
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if content.shape[1] == 0 or style.shape[1] == 0:
        return content.clone()
    mc, dc, ec = _stats(content, eps)
    ms, ds, es = _stats(style, eps)
    # the whole transform as one C x C matrix (float64), applied in the features' dtype
    t = (es * ds.sqrt()) @ es.T @ (ec / dc.sqrt()) @ ec.T
    dt = content.dtype
    coloured = t.to(dt) @ (content - mc.to(dt)) + ms.to(dt)
    if alpha == 1.0:
        return coloured
    return alpha * coloured + (1.0 - alpha) * content
