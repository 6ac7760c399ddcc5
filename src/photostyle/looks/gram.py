"""The style-statistics step of the stylizing look (:mod:`photostyle.looks.fit`): the VGG Gram
loss of the look's image and the preconditioned L-BFGS that lowers it.

``look_fit`` first solves its quadratic problem ``min 1/2 L^T H L - b^T L`` (the result's
gradients, the style's colours, the matting Laplacian, lattice smoothness). This step then
minimises, from that solution, over the lattice ``L`` (``n^3 x 3``)::

    E(L) = 1/2 L^T H L - b^T L  +  lam * G(L)  +  kappa * R(L)

* ``G``: mean over relu1_1..relu4_1 of ``||Gram(W_g L) - Gram(style)||_F / ||Gram(style)||_F``,
  ``Gram(F) = F F^T / (h w)``; ``W_g`` are the trilinear weights of the content at
  ``GRAM_PIXELS`` and the style is taken at the same pixel count (sizes relative to the photo).
  This is the statistic PhotoWCT itself matches (the covariance of the same VGG features);
* ``R = (1/M) sum (max(W L - 1, 0)^2 + max(-W L, 0)^2)``: the look's colours on the photo stay
  inside [0, 1]. A look that leaves the range is clipped, and the clipping edge is not
  locally affine in the content (a new edge in a smooth highlight).

The minimiser is L-BFGS (two-loop recursion, memory ``MEMORY``) with ``H^-1`` (its sparse LU)
as the initial inverse Hessian, so every step is as smooth and locally affine as the quadratic
problem allows, and an Armijo backtracking line search. Each evaluation costs one VGG forward
and backward pass per image at ``GRAM_PIXELS`` (0.05 MP: about 1 s on 2 loaded CPU cores).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from photostyle.imaging.layout import to_batch

#: Pixels of the images whose Gram matrices are compared (content via the look, and style).
GRAM_PIXELS = 50_000
MEMORY = 5
ARMIJO = 1e-4
MIN_STEP = 1 / 64


@lru_cache(maxsize=2)
def _encoder(device: str):  # noqa: ANN202 (VGGEncoder, imported lazily)
    from photostyle.photowct.vgg import VGGEncoder

    return VGGEncoder().to(device)


def _grams(encoder, x):  # noqa: ANN001, ANN202 (torch in, list of torch out)
    """Gram matrices ``C x C`` of relu1_1..relu4_1 of ``x`` (``1 x 3 x h x w`` in [0, 1])."""
    out = []
    for f in encoder.features(x).values():
        f = f[0].reshape(f.shape[1], -1)
        out.append(f @ f.T / f.shape[1])
    return out


class GramLoss:
    """``G(L)`` of the module docstring for one or several contents (their mean).

    ``contents``: ``H x W x 3`` float images in [0, 1]; ``style``: ``H x W x 3`` float in
    [0, 1]; ``n``: lattice points per axis; ``device``: torch device of the encoder."""

    def __init__(self, contents: list[np.ndarray], style: np.ndarray, n: int, device: str) -> None:
        import torch

        from photostyle.looks.lattice import weights_matrix
        from photostyle.smoothing.resolution import at_most

        self.device, self.encoder, self.items = device, _encoder(device), []
        for content in contents:
            c = at_most(content, GRAM_PIXELS)
            w = weights_matrix(c.reshape(-1, 3).astype(np.float64), n).tocoo()
            idx = torch.from_numpy(np.vstack([w.row, w.col]).astype(np.int64))
            vals = torch.from_numpy(w.data.astype(np.float32))
            sparse = torch.sparse_coo_tensor(idx, vals, w.shape, check_invariants=True)
            self.items.append((sparse.coalesce().to(device), c.shape[:2]))
        s = to_batch(at_most(style, GRAM_PIXELS))
        with torch.no_grad():
            self.target = _grams(self.encoder, s.to(device))

    def __call__(self, table: np.ndarray) -> tuple[float, np.ndarray]:
        """``(G(L), dG/dL)`` for the lattice ``table`` (``n^3 x 3`` float64)."""
        import torch

        lattice = torch.tensor(table, dtype=torch.float32, device=self.device, requires_grad=True)
        total = 0.0
        for w, (h, wd) in self.items:
            image = torch.sparse.mm(w, lattice).clamp(0, 1).T.reshape(1, 3, h, wd)
            grams = _grams(self.encoder, image)
            terms = [
                torch.linalg.norm(a - b) / torch.linalg.norm(b)
                for a, b in zip(grams, self.target, strict=True)
            ]
            total = total + torch.stack(terms).mean()
        total = total / len(self.items)
        total.backward()
        return float(total.detach()), lattice.grad.double().cpu().numpy()


def range_penalty(table: np.ndarray, weights: list) -> tuple[float, np.ndarray]:
    """``(R(L), dR/dL)`` of the module docstring; ``weights``: the sparse ``M x n^3`` trilinear
    weight matrices of the contents (:func:`photostyle.looks.lattice.weights_matrix`)."""
    value, grad = 0.0, np.zeros_like(table)
    for w in weights:
        y = w @ table
        out = np.maximum(y - 1.0, 0.0) - np.maximum(-y, 0.0)
        value += float(np.sum(out**2)) / w.shape[0]
        grad += 2.0 * (w.T @ out) / w.shape[0]
    return value, grad


def minimize(objective, x: np.ndarray, precondition, iterations: int) -> np.ndarray:  # noqa: ANN001
    """L-BFGS from ``x`` for ``objective(x) -> (value, gradient)`` with ``precondition(v)``
    (``H^-1 v``) as the initial inverse Hessian; Armijo backtracking from the unit step.
    Stops after ``iterations`` steps or when no step of at least ``MIN_STEP`` decreases E."""
    f, g = objective(x)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(iterations):
        q, alphas = g.copy(), []
        for s, y, rho in reversed(steps):
            a = rho * np.sum(s * q)
            q -= a * y
            alphas.append(a)
        r = precondition(q)
        for (s, y, rho), a in zip(steps, reversed(alphas), strict=True):
            r += s * (a - rho * np.sum(y * r))
        d = -r
        slope = float(np.sum(g * d))
        if slope >= 0:  # not a descent direction: restart from the preconditioned gradient
            steps, d = [], -precondition(g)
            slope = float(np.sum(g * d))
        eta = 1.0
        while True:
            xn = x + eta * d
            fn, gn = objective(xn)
            if fn <= f + ARMIJO * eta * slope or eta <= MIN_STEP:
                break
            eta /= 2
        if fn >= f:
            break
        s, y = xn - x, gn - g
        if np.sum(s * y) > 1e-12:
            steps = (steps + [(s, y, 1.0 / float(np.sum(s * y)))])[-MEMORY:]
        x, f, g = xn, fn, gn
    return x
