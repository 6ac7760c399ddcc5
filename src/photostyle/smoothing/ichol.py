"""Thresholded incomplete Cholesky ``A ~ L L^T`` of an image system, factored in parallel.

The pixels of an ``H x W`` image are renumbered as horizontal strips, one per thread, followed
by the separator rows between them (``SEPARATOR`` image rows each, the reach of the 5 x 5
stencil of a 3 x 3-window matting Laplacian). In this order no strip couples to another, so
the columns of ``L`` belonging to different strips are factored at the same time (one thread
each); the separators, a few thousand unknowns, come last. The triangular solves split the
same way. With one strip it is the plain row-major factorisation.

The column kernel is the left-looking thresholded factorisation of pymatting's ``ichol``
(MIT licence; Jones and Plassmann's linked lists): column ``j`` of ``L`` is
``A[j:, j] - sum_k L[j:, k] L[j, k]`` over earlier columns ``k``, entries with
``|L_ij| <= discard`` are dropped, their square still taken off the diagonal, and a
``shift`` is added to the diagonal of ``A``. Changed here: the columns of ``A`` are read from
the stencil, only the kept entries are sorted, values are stored as float32 (accumulated in
float64) and three or four right-hand sides are solved at once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit, prange

from photostyle.smoothing.affinity import StencilSystem

#: Image rows in one separator between two strips (pixels couple within 2 rows).
SEPARATOR = 2


def strip_order(h: int, w: int, parts: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumbering of the ``h*w`` row-major pixels into ``parts`` strips plus separators.

    Returns ``perm`` (int64, ``new index -> old index``) and ``bounds`` (int64, length
    ``parts + 2``): strip ``t`` holds new indices ``bounds[t]:bounds[t+1]``, the separators
    ``bounds[parts]:``. ``parts`` is reduced when the strips would be under 8 rows.
    """
    parts = max(1, min(parts, (h + SEPARATOR) // (8 + SEPARATOR)))
    inner = h - (parts - 1) * SEPARATOR
    cuts = np.linspace(0, inner, parts + 1).round().astype(int)
    idx = np.arange(h * w).reshape(h, w)
    strips, seps, row = [], [], 0
    for t in range(parts):
        n_rows = cuts[t + 1] - cuts[t]
        strips.append(idx[row : row + n_rows].ravel())
        row += n_rows
        if t < parts - 1:
            seps.append(idx[row : row + SEPARATOR].ravel())
            row += SEPARATOR
    blocks = strips + seps
    bounds = np.concatenate([[0], np.cumsum([len(s) for s in strips]), [h * w]])
    return np.concatenate(blocks).astype(np.int64), bounds.astype(np.int64)


@njit(cache=True, nogil=True)
def _columns(j0, j1, st, perm, inv, Lv, Lr, Lp, nnz, cap, s, lnk, d, discard):  # noqa: ANN001, ANN202
    """Columns ``j0:j1`` of ``L`` into ``Lv, Lr`` from position ``nnz`` (up to ``cap``).

    Column ``j`` of ``A`` comes from the stencil ``st`` of pixel ``perm[j]`` (neighbours
    renumbered by ``inv``); its diagonal is in ``d``. Returns the new end, -1 on a
    non-positive pivot, -2 when the region is full."""
    n = d.shape[0]
    h, w = st.shape[0], st.shape[1]
    acc = np.zeros(n)
    mark = np.zeros(n, np.bool_)
    rows = np.empty(n, np.int64)
    Lp[j0] = nnz
    for j in range(j0, j1):
        m = 0
        y, x = perm[j] // w, perm[j] % w
        for dy in range(5):
            yy = y + dy - 2
            if 0 <= yy < h:
                for dx in range(5):
                    xx = x + dx - 2
                    if 0 <= xx < w:
                        i = inv[yy * w + xx]
                        if i > j:
                            acc[i] += st[y, x, dy, dx]
                            mark[i] = True
                            rows[m] = i
                            m += 1
        k = lnk[j]
        while k != -1:
            k0, k1, k2 = s[k], Lp[k + 1], lnk[k]
            L_jk = Lv[k0]
            k0 += 1
            if k0 < k1:
                s[k] = k0
                i = Lr[k0]
                lnk[k] = lnk[i]
                lnk[i] = k
                for q in range(k0, k1):
                    i = Lr[q]
                    acc[i] -= Lv[q] * L_jk
                    if not mark[i]:
                        mark[i] = True
                        rows[m] = i
                        m += 1
            k = k2
        if d[j] <= 0.0:
            return -1
        if nnz + 1 + m > cap:
            return -2
        dj = np.sqrt(d[j])
        d[j] = dj
        Lv[nnz] = dj
        Lr[nnz] = j
        nnz += 1
        s[j] = nnz
        kept = nnz
        for q in range(m):  # drop small entries, then sort the kept ones by row
            i = rows[q]
            L_ij = acc[i] / dj
            d[i] -= L_ij * L_ij
            if abs(L_ij) > discard:
                b = nnz  # insertion sort of (row, value) into Lr/Lv[kept:nnz]
                while b > kept and Lr[b - 1] > i:
                    Lr[b], Lv[b] = Lr[b - 1], Lv[b - 1]
                    b -= 1
                Lr[b], Lv[b] = i, L_ij
                nnz += 1
            acc[i] = 0.0
            mark[i] = False
        Lp[j + 1] = nnz
        if Lp[j] + 1 < nnz:
            i = Lr[Lp[j] + 1]
            lnk[j] = lnk[i]
            lnk[i] = j
    return nnz


@njit(cache=True)
def _merge_lists(sep0, lnk, lnk_t, lo, hi):  # noqa: ANN001, ANN202
    """Append the column lists of one strip (columns ``lo:hi``) to the separator rows' lists."""
    lnk[lo:hi] = lnk_t[lo:hi]
    for i in range(sep0, lnk.shape[0]):
        head = lnk_t[i]
        if head == -1:
            continue
        tail = head
        while lnk_t[tail] != -1:
            tail = lnk_t[tail]
        lnk[tail] = lnk[i]
        lnk[i] = head


@njit(cache=True)
def _move_down(a, src, dst, count):  # noqa: ANN001, ANN202
    for q in range(count):  # dst <= src: a forward copy never overwrites unread data
        a[dst + q] = a[src + q]


def _factor(st, perm, inv, diag, bounds, shift, discard, cap, dtype):  # noqa: ANN001, ANN202
    """One attempt; returns ``(Lv, Lr, Lp)`` or an int error code of :func:`_columns`.

    Every strip is factored by its own thread into its own region of one buffer; the regions
    are then moved together and the separator columns appended.
    """
    n = perm.shape[0]
    parts = len(bounds) - 2
    sep0 = int(bounds[parts])
    d0 = shift + st[:, :, 2, 2].ravel()[perm] + diag
    spans = [(int(bounds[t]), int(bounds[t + 1])) for t in range(parts)]
    # each strip and the separators get room in proportion to their columns; when a region
    # fills up, _columns returns -2 and the caller retries with twice the room
    sizes = [max(cap * (hi - lo) // n, 64) for lo, hi in spans + [(sep0, n)]]
    starts = np.concatenate([[0], np.cumsum(sizes[:-1])]).astype(np.int64)
    Lv = np.empty(int(starts[-1]) + sizes[-1], dtype)
    Lr = np.empty(Lv.shape[0], np.int32)
    work = [
        (np.zeros(n + 1, np.int64), np.zeros(n, np.int64), np.full(n, -1, np.int64), d0.copy())
        for _ in spans
    ]

    def run(t: int) -> int:
        (lo, hi), (Lp, s, lnk, d) = spans[t], work[t]
        start, end = int(starts[t]), int(starts[t + 1])
        return _columns(lo, hi, st, perm, inv, Lv, Lr, Lp, start, end, s, lnk, d, discard)

    if parts > 1:
        with ThreadPoolExecutor(parts) as pool:
            ends = list(pool.map(run, range(parts)))
    else:
        ends = [run(0)]
    if min(ends) < 0:
        return min(ends)
    Lp, s = np.zeros(n + 1, np.int64), np.zeros(n, np.int64)
    lnk, d = np.full(n, -1, np.int64), d0.copy()
    off = 0
    for t, ((lo, hi), (Lp_t, s_t, lnk_t, d_t)) in enumerate(zip(spans, work, strict=True)):
        count, shift_down = ends[t] - int(starts[t]), int(starts[t]) - off
        _move_down(Lv, int(starts[t]), off, count)
        _move_down(Lr, int(starts[t]), off, count)
        Lp[lo + 1 : hi + 1] = Lp_t[lo + 1 : hi + 1] - shift_down
        s[lo:hi] = s_t[lo:hi] - shift_down
        d[sep0:] += d_t[sep0:] - d0[sep0:]
        _merge_lists(sep0, lnk, lnk_t, lo, hi)
        off += count
    end = _columns(sep0, n, st, perm, inv, Lv, Lr, Lp, off, Lv.shape[0], s, lnk, d, discard)
    if end < 0:
        return end
    return Lv[:end], Lr[:end], Lp


@njit(cache=True, nogil=True)
def _forward(Lv, Lr, Lp, x, lo, hi, sep0, acc):  # noqa: ANN001, ANN202
    """Columns ``lo:hi`` of ``L z = x`` (``L`` in CSC, diagonal first), in place; updates of
    rows ``>= sep0`` are collected in ``acc`` (row ``i`` at ``i - sep0``) instead."""
    for j in range(lo, hi):
        k0 = Lp[j]
        inv = 1.0 / Lv[k0]
        x0, x1, x2, x3 = x[j, 0] * inv, x[j, 1] * inv, x[j, 2] * inv, x[j, 3] * inv
        x[j, 0], x[j, 1], x[j, 2], x[j, 3] = x0, x1, x2, x3
        for q in range(k0 + 1, Lp[j + 1]):
            i, v = Lr[q], Lv[q]
            if i >= sep0:
                i -= sep0
                acc[i, 0] -= v * x0
                acc[i, 1] -= v * x1
                acc[i, 2] -= v * x2
                acc[i, 3] -= v * x3
            else:
                x[i, 0] -= v * x0
                x[i, 1] -= v * x1
                x[i, 2] -= v * x2
                x[i, 3] -= v * x3


@njit(cache=True, nogil=True)
def _backward(Lv, Lr, Lp, x, lo, hi):  # noqa: ANN001, ANN202
    """Rows ``hi-1 .. lo`` of ``L^T y = x`` (``L`` in CSC, diagonal first), in place."""
    for i in range(hi - 1, lo - 1, -1):
        s0, s1, s2, s3 = x[i, 0], x[i, 1], x[i, 2], x[i, 3]
        k0 = Lp[i]
        for q in range(k0 + 1, Lp[i + 1]):
            j, v = Lr[q], Lv[q]
            s0 -= v * x[j, 0]
            s1 -= v * x[j, 1]
            s2 -= v * x[j, 2]
            s3 -= v * x[j, 3]
        inv = 1.0 / Lv[k0]
        x[i, 0], x[i, 1], x[i, 2], x[i, 3] = s0 * inv, s1 * inv, s2 * inv, s3 * inv


@njit(cache=True, parallel=True, nogil=True)
def _apply(Lv, Lr, Lp, bounds, x):  # noqa: ANN001, ANN202
    parts = bounds.shape[0] - 2
    n, sep0 = x.shape[0], bounds[parts]
    acc = np.zeros((parts, n - sep0, 4))  # each strip's updates of the separator rows
    for t in prange(parts):
        _forward(Lv, Lr, Lp, x, bounds[t], bounds[t + 1], sep0, acc[t])
    for t in range(parts):
        x[sep0:] += acc[t]
    _forward(Lv, Lr, Lp, x, sep0, n, n, acc[0])
    _backward(Lv, Lr, Lp, x, bounds[parts], n)
    for t in prange(parts):
        _backward(Lv, Lr, Lp, x, bounds[t], bounds[t + 1])


class IncompleteCholesky:
    """``M(r) = (L L^T)^-1 r`` for a stencil system ``A`` numbered in strip order.

    Args:
        A: the symmetric positive-definite system as a
            :class:`~photostyle.smoothing.affinity.StencilSystem` numbered by
            :func:`strip_order` (``A.perm``).
        bounds: the strip bounds from :func:`strip_order` (``[0, n, n]`` for one strip).
        discard: drop threshold of the factor entries.
        shifts: diagonal shifts tried in turn until every pivot is positive.
        dtype: storage of the factor values (computed in float64); float32 halves the memory
            and gave the same CG iterations on dpst-dev.

    ``self(r)`` takes and returns ``n x 4`` float64 (four right-hand sides at once).
    """

    def __init__(
        self,
        A: StencilSystem,
        bounds: np.ndarray,
        discard: float,
        shifts: tuple,
        dtype: type = np.float32,
    ) -> None:
        n = A.shape[0]
        system = (A.stencil, A.perm, A.inv, A.diag)
        self.bounds = np.asarray(bounds, np.int64)
        cap = 48 * n
        for shift in shifts:
            out = _factor(*system, self.bounds, shift, discard, cap, dtype)
            while isinstance(out, int) and out == -2:
                cap *= 2
                out = _factor(*system, self.bounds, shift, discard, cap, dtype)
            if not isinstance(out, int):
                break
        else:
            raise RuntimeError("incomplete Cholesky failed for every diagonal shift")
        self.shift = shift
        self.L = out  # CSC arrays (values, row indices, column pointers) of L
        self.nnz = int(out[2][-1])

    def __call__(self, r: np.ndarray) -> np.ndarray:
        x = np.empty((r.shape[0], 4))
        self.apply(r, x)
        return x

    def apply(self, r: np.ndarray, out: np.ndarray) -> None:
        """``out = M(r)`` for C-contiguous float64 ``n x 4`` arrays (``out`` may be ``r``)."""
        out[...] = r
        _apply(*self.L, self.bounds, out)
