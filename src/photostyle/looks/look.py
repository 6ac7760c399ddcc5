"""Looks: the colour grading of a transfer as a global, smooth 3D LUT (``.cube``).

A look is a map ``RGB -> RGB`` on an ``N^3`` lattice over [0, 1]^3 (default ``N = 33``),
applied with tetrahedral or trilinear interpolation. Given the style, :meth:`Look.fit` uses
the stylizing fit of :mod:`photostyle.looks.fit` (what the CLI, web app and video write).
Without it, it finds the lattice that best maps the content's colours to the result's (a
regression), with a smoothness term so that lattice cells no pixel
visits follow their neighbours and the map extrapolates smoothly outside the data::

    min_L  (1/M) sum_i || sum_k w_ik L_k - r_i ||^2  +  s * sum_axes || D2 L ||^2

(``w_ik``: trilinear weights of content colour ``i`` at the 8 corners of its cell; ``D2``:
second differences along the three lattice axes, whose null space is the affine maps, so an
unvisited region continues the nearest data affinely, without banding). Each output channel
is one sparse symmetric positive-definite solve of ``N^3`` unknowns.

Files are written in the Adobe/Resolve ``.cube`` format (``TITLE``, ``LUT_3D_SIZE``,
``DOMAIN_MIN``/``DOMAIN_MAX``, red index fastest), which DaVinci Resolve, Premiere,
Photoshop, OBS and ffmpeg's ``lut3d`` read; :meth:`Look.load` reads 3D and 1D+3D ``.cube``
files of other tools (the 1D part is applied first, as a shaper).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from photostyle.looks.lattice import factorize, resample, second_differences, weights_matrix

DEFAULT_SIZE = 33
#: Lattice sizes accepted (points per axis).
MIN_SIZE, MAX_SIZE = 2, 129
#: Weight ``s`` of the second-difference smoothness term (see the module docstring): structure
#: and photorealism against colour distance (``docs/decisions.md``).
DEFAULT_SMOOTHNESS = 1e-2
#: Largest lattice solved directly; larger ones start from the solution at (n + 1) / 2 and
#: take at most ``REFINE_ITERATIONS`` CG iterations (``docs/decisions.md``).
DIRECT_MAX_SIZE = 17
REFINE_ITERATIONS = 200
FIT_RTOL = 1e-7
#: Pixels used for a fit (a random subset of larger images; deterministic seed).
MAX_FIT_PIXELS = 400_000


def _normal_equations(c: np.ndarray, r: np.ndarray, n: int, smoothness: float) -> tuple:
    """``(A, B)`` of the fit on an ``n^3`` lattice: ``A = W^T W / M + s D2^T D2`` (sparse
    SPD, ``n^3 x n^3``), ``B = W^T R / M`` (``n^3 x 3``)."""
    m = len(c)
    w = weights_matrix(c, n)
    d2 = second_differences(n)
    return ((w.T @ w) / m + smoothness * (d2.T @ d2)).tocsc(), (w.T @ r) / m


def _fit_table(c: np.ndarray, r: np.ndarray, n: int, smoothness: float) -> np.ndarray:
    """The ``n^3 x 3`` lattice: direct up to ``DIRECT_MAX_SIZE``, else coarse-to-fine."""
    a, b = _normal_equations(c, r, n, smoothness)
    if n <= DIRECT_MAX_SIZE:
        return factorize(a).solve(b)  # sparse LU: 0.4-0.7 s at 17^3 unknowns
    k = (n + 1) // 2
    return _refine(a, b, resample(_fit_table(c, r, k, smoothness), k, n))


def _refine(a, b: np.ndarray, x0: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """At most ``REFINE_ITERATIONS`` Jacobi-preconditioned CG iterations from ``x0``."""
    from scipy.sparse.linalg import LinearOperator, cg

    a = a.tocsr()
    inv_diag = 1.0 / a.diagonal()
    jacobi = LinearOperator(a.shape, matvec=lambda v: inv_diag * v)
    return np.column_stack(
        [
            cg(a, b[:, i], x0=x0[:, i], rtol=FIT_RTOL, maxiter=REFINE_ITERATIONS, M=jacobi)[0]
            for i in range(3)
        ]
    )


class Look:
    """A 3D LUT ``table`` (``N x N x N x 3`` float32, indexed ``[r, g, b]``, values in output
    units), with an optional 1D shaper (``K x 3``) applied first, over ``domain`` (min, max
    of the input per channel)."""

    def __init__(
        self,
        table: np.ndarray,
        title: str = "photostyle look",
        shaper: np.ndarray | None = None,
        domain: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        table = np.asarray(table, np.float32)
        n = table.shape[0]
        if table.shape != (n, n, n, 3) or n < 2:
            raise ValueError(f"a 3D LUT must be N x N x N x 3 with N >= 2, got {table.shape}")
        self.table, self.title, self.domain = table, title, domain
        self.shaper = None if shaper is None else np.asarray(shaper, np.float32)
        self._u8: np.ndarray | None = None  # 256^3 table of apply_u8, built on first use

    @property
    def size(self) -> int:
        """Lattice points per axis."""
        return self.table.shape[0]

    @classmethod
    def identity(cls, size: int = DEFAULT_SIZE) -> Look:
        """The look that changes nothing."""
        g = np.linspace(0.0, 1.0, size, dtype=np.float32)
        return cls(np.stack(np.meshgrid(g, g, g, indexing="ij"), -1), "identity")

    @classmethod
    def fit(
        cls,
        content: np.ndarray | list[np.ndarray],
        result: np.ndarray | list[np.ndarray],
        size: int = DEFAULT_SIZE,
        smoothness: float = DEFAULT_SMOOTHNESS,
        title: str = "photostyle look",
        style: np.ndarray | None = None,
        strength: float = 1.0,
    ) -> Look:
        """The smooth global map ``content -> result`` (both ``H x W x 3`` float in [0, 1], the
        same size, or lists of such pairs, e.g. video keyframes). Without ``style``: the
        regularised least-squares fit of the module docstring (a copy of the result's colours).
        With the ``style`` image (``H x W x 3`` float in [0, 1]): the stylizing fit of
        :mod:`photostyle.looks.fit` (the result's local contrast, the style's colours, locally
        affine in the content), what ``photostyle lut`` and ``transfer --lut`` write; then
        blended with the identity as a layer of opacity ``strength`` (``--strength``)."""
        many = isinstance(content, list)
        pairs = list(zip(content, result, strict=True)) if many else [(content, result)]
        for c, r in pairs:
            if c.shape != r.shape or c.ndim != 3 or c.shape[2] != 3:
                raise ValueError(f"need two H x W x 3 images of one size, got {c.shape}, {r.shape}")
        if not MIN_SIZE <= size <= MAX_SIZE:
            raise ValueError(f"LUT size must be {MIN_SIZE}..{MAX_SIZE}, got {size}")
        if style is not None:
            from photostyle.looks.fit import stylizing_table

            table = stylizing_table(pairs, style, size, smoothness).reshape(size, size, size, 3)
            ident = cls.identity(size).table
            return cls(ident + strength * (table - ident), title)
        stack = lambda imgs: np.concatenate([a.reshape(-1, 3) for a in imgs])  # noqa: E731
        c, r = stack([c for c, _ in pairs]), stack([r for _, r in pairs])
        if len(c) > MAX_FIT_PIXELS:
            pick = np.random.default_rng(0).choice(len(c), MAX_FIT_PIXELS, replace=False)
            c, r = c[pick], r[pick]
        table = _fit_table(c.astype(np.float64), r.astype(np.float64), size, smoothness)
        return cls(table.reshape(size, size, size, 3), title)

    def apply(self, image: np.ndarray, interpolation: str = "tetrahedral") -> np.ndarray:
        """The look applied to ``image`` (``H x W x 3`` float in [0, 1]), in float32 with the
        numba kernels of :mod:`photostyle.looks.kernels` (``"tetrahedral"``, as ffmpeg's
        ``lut3d``, or ``"trilinear"``). Returns ``H x W x 3`` float32 clipped to [0, 1]."""
        from photostyle.looks import kernels as lut_kernels

        kernel = {"tetrahedral": lut_kernels.tetrahedral, "trilinear": lut_kernels.trilinear}
        if interpolation not in kernel:
            raise ValueError(
                f"interpolation must be tetrahedral or trilinear, got {interpolation!r}"
            )
        lo, hi = self.domain
        x = np.asarray(image, np.float32)
        if self.shaper is not None:
            grid = np.linspace(lo, hi, len(self.shaper), dtype=np.float32)
            x = np.stack([np.interp(x[..., i], grid, self.shaper[:, i]) for i in range(3)], -1)
        elif (lo, hi) != (0.0, 1.0):
            x = (x - lo) / (hi - lo)
        x = np.ascontiguousarray(x, np.float32)
        out = np.empty(x.shape, np.float32)
        kernel[interpolation](x, np.ascontiguousarray(self.table), out)
        return out

    def apply_u8(self, image: np.ndarray) -> np.ndarray:
        """The look on an 8-bit ``H x W x 3`` uint8 image (video frames): every 8-bit colour is
        looked up in a full 256^3 table built once per look (tetrahedral, rounded); about 5x
        faster than :meth:`apply` per frame. Returns uint8."""
        from photostyle.files.images import to_uint8
        from photostyle.looks import kernels as lut_kernels

        if self._u8 is None:
            g = np.arange(256, dtype=np.float32) / 255
            grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(256, 65536, 3)
            self._u8 = to_uint8(self.apply(grid)).reshape(256, 256, 256, 3)
        out = np.empty(image.shape, np.uint8)
        lut_kernels.lookup_u8(np.ascontiguousarray(image, np.uint8), self._u8, out)
        return out

    def save(self, path: str | os.PathLike) -> Path:
        """Write the look as an Adobe/Resolve ``.cube`` file (atomically)."""
        from photostyle.files.atomic import atomic_write

        n = self.size
        lines = [f'TITLE "{self.title}"', f"LUT_3D_SIZE {n}"]
        lo, hi = self.domain
        lines += [f"DOMAIN_MIN {lo:g} {lo:g} {lo:g}", f"DOMAIN_MAX {hi:g} {hi:g} {hi:g}"]
        flat = self.table.transpose(2, 1, 0, 3).reshape(-1, 3)  # red fastest
        lines += [f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in flat]
        text = "\n".join(lines) + "\n"
        return atomic_write(path, lambda tmp: Path(tmp).write_text(text))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Look:
        """Read a ``.cube`` file (3D, or 1D shaper + 3D) written by any tool."""
        from photostyle.errors import ImageError

        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ImageError(f"{p}: cannot read LUT ({exc})") from None
        title, size3, size1, lo, hi, values = "", 0, 0, 0.0, 1.0, []
        try:
            for line in text.splitlines():
                t = line.split("#")[0].strip()
                if not t:
                    continue
                key = t.split()[0].upper()
                if key == "TITLE":
                    title = t[5:].strip().strip('"')
                elif key == "LUT_3D_SIZE":
                    size3 = int(t.split()[1])
                elif key == "LUT_1D_SIZE":
                    size1 = int(t.split()[1])
                elif key in ("DOMAIN_MIN", "DOMAIN_MAX"):
                    bound = _domain_bound(key, t.split()[1:])
                    lo, hi = (bound, hi) if key == "DOMAIN_MIN" else (lo, bound)
                elif key in ("LUT_3D_INPUT_RANGE", "LUT_1D_INPUT_RANGE"):
                    lo, hi = float(t.split()[1]), float(t.split()[2])
                elif key[0].isdigit() or key[0] in "-+.":
                    values.append([float(v) for v in t.split()[:3]])
                else:
                    continue  # other keywords are ignored, as in Resolve
            v = np.array(values, np.float32).reshape(-1, 3)
            if size3 < 2 or len(v) != size1 + size3**3:
                raise ValueError(f"{len(v)} entries for LUT_1D_SIZE {size1}, LUT_3D_SIZE {size3}")
            if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
                raise ValueError(f"empty input domain {lo:g} .. {hi:g} (minimum must be < maximum)")
            if not np.isfinite(v).all():
                raise ValueError("NaN or infinite entries")
        except (ValueError, IndexError) as exc:
            raise ImageError(f"{p}: not a valid .cube LUT ({exc})") from None
        shaper = v[:size1] if size1 else None
        table = v[size1:].reshape(size3, size3, size3, 3).transpose(2, 1, 0, 3)
        return cls(table, title or p.stem, shaper, (lo, hi))


def _domain_bound(key: str, values: list[str]) -> float:
    """The one bound of a ``DOMAIN_MIN``/``DOMAIN_MAX`` line (three equal numbers; a domain
    that differs per channel is not supported)."""
    nums = [float(x) for x in values[:3]]
    if len(nums) != 3:
        raise ValueError(f"{key} needs three numbers")
    if len(set(nums)) != 1:
        raise ValueError(f"{key} {' '.join(values[:3])}: a different domain per channel")
    return nums[0]
