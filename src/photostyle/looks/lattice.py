"""The lattice of a 3D LUT (``n^3`` points over [0, 1]^3, flat index ``(r * n + g) * n + b``):
trilinear weights of colours, second-difference operators and resampling; shared by the
regression fit (:mod:`photostyle.looks.look`) and the stylizing fit
(:mod:`photostyle.looks.fit`)."""

from __future__ import annotations

import numpy as np


def cell_origin(rgb: np.ndarray, n: int) -> np.ndarray:
    """Lattice index (``M x 3`` int64, per axis ``0 .. n-2``) of the low corner of the cell of
    each colour (``M x 3`` in [0, 1]; 1.0 falls in the last cell)."""
    return np.minimum(np.floor(np.clip(rgb, 0.0, 1.0) * (n - 1)).astype(np.int64), n - 2)


def corners(rgb: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat lattice indices (``M x 8``) and trilinear weights (``M x 8``) of colours ``M x 3``
    in [0, 1]; the lattice is indexed ``(r * n + g) * n + b``."""
    p = np.clip(rgb, 0.0, 1.0) * (n - 1)
    i0 = cell_origin(rgb, n)
    f = p - i0
    idx, wts = [], []
    for dr in (0, 1):
        for dg in (0, 1):
            for db in (0, 1):
                idx.append(((i0[:, 0] + dr) * n + i0[:, 1] + dg) * n + i0[:, 2] + db)
                w = (f[:, 0] if dr else 1 - f[:, 0]) * (f[:, 1] if dg else 1 - f[:, 1])
                wts.append(w * (f[:, 2] if db else 1 - f[:, 2]))
    return np.stack(idx, 1), np.stack(wts, 1)


def resample(table: np.ndarray, k: int, n: int) -> np.ndarray:
    """A ``k^3 x 3`` lattice trilinearly resampled to ``n^3 x 3`` (corners aligned)."""
    import torch
    import torch.nn.functional as F

    t = torch.from_numpy(np.ascontiguousarray(table.reshape(k, k, k, 3))).permute(3, 0, 1, 2)
    up = F.interpolate(t[None], size=(n, n, n), mode="trilinear", align_corners=True)[0]
    return up.permute(1, 2, 3, 0).reshape(-1, 3).numpy()


def _along_axes(d, n: int):  # noqa: ANN001, ANN202 (scipy sparse matrices)
    """The 1D operator ``d`` (``k x n``) applied along the r, g and b axes of an ``n^3``
    lattice, stacked (rows of each block raveled in lattice order)."""
    import scipy.sparse as sp

    eye = sp.identity(n, format="csr")
    return sp.vstack(
        [
            sp.kron(sp.kron(d, eye), eye),
            sp.kron(sp.kron(eye, d), eye),
            sp.kron(eye, sp.kron(eye, d)),
        ]
    ).tocsr()


def second_differences(n: int):  # noqa: ANN201 (scipy sparse matrix)
    """Stacked second-difference operators along the r, g and b axes of an ``n^3`` lattice."""
    import scipy.sparse as sp

    d = sp.diags([np.ones(n - 2), -2 * np.ones(n - 2), np.ones(n - 2)], [0, 1, 2], (n - 2, n))
    return _along_axes(d, n)


def first_differences(n: int):  # noqa: ANN201 (scipy sparse matrix)
    """Stacked forward differences along the r, g and b axes of an ``n^3`` lattice: the
    ``(n-1) n^2`` edges of each axis, in the order of ``np.diff(table, axis)`` raveled."""
    import scipy.sparse as sp

    return _along_axes(sp.diags([-np.ones(n - 1), np.ones(n - 1)], [0, 1], (n - 1, n)), n)


def factorize(a):  # noqa: ANN001, ANN201 (scipy sparse matrix in, SuperLU out)
    """Sparse LU of a lattice system ``a`` (``n^3 x n^3``, minimum-degree ordering of
    ``A^T + A``); ``.solve(b)`` solves for any right-hand side."""
    from scipy.sparse.linalg import splu

    return splu(a.tocsc(), permc_spec="MMD_AT_PLUS_A")


def weights_matrix(rgb: np.ndarray, n: int):  # noqa: ANN201 (scipy sparse matrix)
    """The sparse ``M x n^3`` matrix ``W`` of trilinear weights: ``W @ table`` is the
    lattice ``table`` (``n^3 x 3``) interpolated at the colours ``rgb`` (``M x 3``)."""
    import scipy.sparse as sp

    m = len(rgb)
    idx, wts = corners(rgb, n)
    return sp.csr_matrix((wts.ravel(), (np.repeat(np.arange(m), 8), idx.ravel())), (m, n**3))
