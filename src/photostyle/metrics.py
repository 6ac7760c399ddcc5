"""Quality metrics for photorealistic style transfer (used by ``benchmarks/quality.py``).

All images are ``H x W x 3`` float32 RGB in [0, 1].

* :func:`structure_ssim`: SSIM of normalised gradient-magnitude maps of content and output
  (1 = the output has exactly the content's edges; higher is better).
* :func:`gram_distance`: mean over relu1_1..relu4_1 of ``||G(out) - G(style)||_F / ||G(style)||_F``
  with ``G = F F^T / (h w)`` (lower = closer to the style's texture/colour statistics).
* :func:`sliced_wasserstein_lab`: sliced 1-Wasserstein distance of the Lab colour
  distributions of output and style (64 random directions; Lab units; lower is better).
* :func:`affine_residual`: RMS residual (in 1/255 units) of the best affine colour map
  ``out ~ A content + b`` fitted on every 3x3 window (lower = more photorealistic: a
  locally affine colour change adds no new edges or textures).
* :func:`grain_gain`: how much the output amplifies the content's grain in its flat regions
  (1 = the content's own grain, above 1 = amplified; lower is better down to about 1).
* :func:`boundary_f`: how well the output keeps the content's boundaries, as the paper
  scores its lambda search: the F-measure of the output's Canny edges against the content's
  (1 = the same boundaries; higher is better).
* :func:`perceptual_distance`: an LPIPS-like distance of two images with uniform weights
  (0 = the same VGG features; lower is better), for decoder reconstructions.
* :func:`painting_residual`: how far the output is from a per-material colour grade of the
  content (Lab units; 0 = one affine colour map per material; high = blotches or texture
  painted into a material). Like structure it rewards doing nothing: read it beside the
  colour and Gram distances to the style.
"""

from __future__ import annotations

import numpy as np
import torch

from photostyle.imaging.colourspace import luma, rgb_to_lab
from photostyle.imaging.layout import to_batch, to_chw
from photostyle.imaging.windows import box_mean, sym3_inverse


def _gradient_magnitude(img: np.ndarray) -> np.ndarray:
    from scipy.ndimage import sobel

    g = luma(img)
    mag = np.hypot(sobel(g, 0), sobel(g, 1))
    return mag / max(float(np.percentile(mag, 99)), 1e-6)


def structure_ssim(content: np.ndarray, output: np.ndarray) -> float:
    """SSIM of the two normalised (99th percentile = 1, clipped) gradient-magnitude maps."""
    from skimage.metrics import structural_similarity

    a = np.clip(_gradient_magnitude(content), 0, 1)
    b = np.clip(_gradient_magnitude(output), 0, 1)
    return float(structural_similarity(a, b, data_range=1.0))


@torch.no_grad()
def _features(encoder: torch.nn.Module, batch: torch.Tensor) -> dict:
    """relu1_1..relu4_1 of a CPU batch, computed on the encoder's device."""
    weight = next(iter(encoder.state_dict().values()), None)
    return encoder.features(batch if weight is None else batch.to(weight.device))


def gram_matrices(img: np.ndarray, encoder: torch.nn.Module) -> list[torch.Tensor]:
    """``G = F F^T / (h w)`` (float64, ``C x C``, on the encoder's device) of relu1_1..relu4_1
    of ``img`` (one pass)."""
    feats = _features(encoder, to_batch(img))
    out = []
    for lv in (1, 2, 3, 4):
        f = feats[lv][0]
        f = f.reshape(f.shape[0], -1).double()
        out.append(f @ f.T / f.shape[1])
    return out


def perceptual_distance(a: np.ndarray, b: np.ndarray, encoder: torch.nn.Module) -> float:
    """LPIPS without learned weights (Zhang et al., CVPR 2018): for ``l`` in relu1_1..relu4_1,
    ``d_l = mean_xy sum_c (u_l(a) - u_l(b))^2`` with ``u_l`` the features unit-normalised over
    channels at each position; returns ``mean_l d_l`` (in [0, 4]; 0 = the same features).

    Scores reconstructions by what VGG sees (edges, texture) rather than by pixels, where an
    L2 fit's blur costs little PSNR. ``a``, ``b``: the same ``H x W x 3`` size.
    """
    feats = _features(encoder, torch.cat([to_batch(a), to_batch(b)]))
    d = []
    for lv in (1, 2, 3, 4):
        f = feats[lv].double()
        u = f / f.pow(2).sum(1, keepdim=True).sqrt().clamp_min(1e-10)
        d.append((u[0] - u[1]).pow(2).sum(0).mean().item())
    return float(np.mean(d))


def gram_distance(
    output: np.ndarray,
    style: np.ndarray,
    encoder: torch.nn.Module,
    style_grams: list[torch.Tensor] | None = None,
) -> float:
    """Relative Gram-matrix distance, averaged over the four VGG levels (see module doc);
    ``style_grams``: :func:`gram_matrices` of ``style``, when already computed."""
    ref = gram_matrices(style, encoder) if style_grams is None else style_grams
    d = [
        (torch.linalg.norm(a - b) / torch.linalg.norm(b)).item()
        for a, b in zip(gram_matrices(output, encoder), ref, strict=True)
    ]
    return float(np.mean(d))


def lab_quantiles(
    img: np.ndarray, n_dirs: int = 64, n_quantiles: int = 256, seed: int = 0
) -> np.ndarray:
    """``n_quantiles x n_dirs`` quantiles of ``img``'s Lab colours projected on ``n_dirs``
    random unit directions (seeded; np.quantile's linear rule, one sort)."""
    rng = np.random.default_rng(seed)
    dirs = rng.standard_normal((3, n_dirs))
    dirs /= np.linalg.norm(dirs, axis=0)
    q = (np.arange(n_quantiles) + 0.5) / n_quantiles
    lab = rgb_to_lab(img).reshape(-1, 3).T.astype(np.float64)
    # n_dirs x N, rows; three products summed rather than a BLAS call, whose idle threads
    # spin and slow the torch work that follows (measured: the grade ran 40 % longer)
    x = dirs[0][:, None] * lab[0] + dirs[1][:, None] * lab[1] + dirs[2][:, None] * lab[2]
    x.sort(axis=1)  # each direction's row in place: twice as fast as sorting the columns
    x = x.T
    pos = q * (len(x) - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, len(x) - 1)
    t = (pos - lo)[:, None]
    return x[lo] * (1 - t) + x[hi] * t


def sliced_wasserstein_lab(
    output: np.ndarray,
    style: np.ndarray | None,
    n_dirs: int = 64,
    n_quantiles: int = 256,
    seed: int = 0,
    style_quantiles: np.ndarray | None = None,
) -> float:
    """Sliced 1-Wasserstein distance of Lab colours (quantile approximation, Lab units);
    ``style_quantiles``: :func:`lab_quantiles` of ``style`` with the same settings, when
    already computed (``style`` is then not read)."""
    ref = lab_quantiles(style, n_dirs, n_quantiles, seed) if style_quantiles is None else None
    ref = style_quantiles if ref is None else ref
    return float(np.abs(lab_quantiles(output, n_dirs, n_quantiles, seed) - ref).mean())


def affine_residual(content: np.ndarray, output: np.ndarray, eps: float = 1e-6) -> float:
    """RMS residual (x255) of per-3x3-window affine colour fits ``out ~ A content + b``.

    Per window: ``residual = var(o) - cov(o, c) (Sigma_c + eps I)^-1 cov(c, o)`` per output
    channel (the least-squares residual energy), averaged over windows and channels.
    """
    if content.shape != output.shape:
        raise ValueError(f"shapes differ: content {content.shape}, output {output.shape}")
    c, o = (to_chw(a, "cpu", torch.float64) for a in (content, output))
    r = 1
    mc, mo = box_mean(c, r), box_mean(o, r)
    idx = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    cov = [box_mean(c[i] * c[j], r) - mc[i] * mc[j] + (eps if i == j else 0) for i, j in idx]
    inv = sym3_inverse(cov)  # six unique entries of Sigma^-1
    full = [[inv[idx.index((min(i, j), max(i, j)))] for j in range(3)] for i in range(3)]
    res = []
    for k in range(3):
        var_o = box_mean(o[k] * o[k], r) - mo[k] ** 2
        co = [box_mean(c[i] * o[k], r) - mc[i] * mo[k] for i in range(3)]
        fit = sum(co[i] * full[i][j] * co[j] for i in range(3) for j in range(3))
        res.append((var_o - fit).clamp_min(0))
    return float(torch.stack(res).mean().sqrt() * 255)


def grain_gain(content: np.ndarray, output: np.ndarray, size: int = 5) -> float:
    """Grain gain of ``output`` over ``content`` (both ``H x W x 3`` in [0, 1], same size).

    ``Y`` = Rec. 709 luminance; high-pass ``h(X) = X - box_5x5(X)``; flat pixels: those whose
    5 x 5 standard deviation of the content's ``Y`` is in the lowest quarter of the image;
    ``gain = std(h(Y_out)[flat]) / max(std(h(Y_content)[flat]), 1/255)``.
    """
    from scipy.ndimage import uniform_filter

    if content.shape != output.shape:
        raise ValueError(f"shapes differ: content {content.shape}, output {output.shape}")
    yc, yo = luma(content), luma(output)
    box = lambda x: uniform_filter(x, size, mode="reflect")  # noqa: E731
    local_std = np.sqrt(np.clip(box(yc * yc) - box(yc) ** 2, 0, None))
    flat = local_std <= np.quantile(local_std, 0.25)
    hc, ho = yc - box(yc), yo - box(yo)
    return float(ho[flat].std() / max(hc[flat].std(), 1 / 255))


#: Settings of :func:`painting_residual` (fixed: the metric's definition).
PAINTING_LONG_SIDE = 512
PAINTING_MATERIALS = 8
PAINTING_POSITION_WEIGHT = 20.0  # Lab units across the image's long side
PAINTING_RIDGE = 1e-3


def _box_pair(
    content: np.ndarray, output: np.ndarray, long_side: int
) -> tuple[np.ndarray, np.ndarray]:
    """Both images (of one shape, else ``ValueError``) box-downsampled to ``long_side``
    (as they are when not longer): the metrics' sizes are relative."""
    from photostyle.imaging.resize import resize, scaled_shape

    if content.shape != output.shape:
        raise ValueError(f"shapes differ: content {content.shape}, output {output.shape}")
    f = long_side / max(content.shape[:2])
    if f >= 1:
        return content, output
    shape = scaled_shape(content.shape, f)
    return resize(content, shape, "box"), resize(output, shape, "box")


def materials(content: np.ndarray, k: int = PAINTING_MATERIALS, seed: int = 0) -> np.ndarray:
    """``H x W`` int labels ``0..k-1``: k-means (k-means++, seeded) of every pixel's 5 x 5
    mean Lab colour plus its position (``x, y`` scaled so that the long side weighs
    ``PAINTING_POSITION_WEIGHT`` Lab units); ``content``: ``H x W x 3`` in [0, 1]."""
    from scipy.cluster.vq import kmeans2
    from scipy.ndimage import uniform_filter

    h, w = content.shape[:2]
    lab = uniform_filter(rgb_to_lab(content).astype(np.float64), (5, 5, 1), mode="reflect")
    yy, xx = np.mgrid[0:h, 0:w] * (PAINTING_POSITION_WEIGHT / max(h, w))
    feats = np.concatenate([lab.reshape(-1, 3), xx.reshape(-1, 1), yy.reshape(-1, 1)], 1)
    _, labels = kmeans2(feats, k, minit="++", seed=seed)
    return labels.reshape(h, w)


def painting_residual(content: np.ndarray, output: np.ndarray, seed: int = 0) -> float:
    """Mean Lab distance of ``output`` from the best per-material affine grade of ``content``.

    Both images are box-downsampled to a long side of ``PAINTING_LONG_SIDE`` and converted
    to CIE Lab (D65); the content is cut into :func:`materials`; per material ``m`` a ridge
    least-squares fit ``O ~ A_m C + b_m`` (3 x 3 plus 3, ridge ``PAINTING_RIDGE`` on the
    centred ``A_m``); the result is ``mean_i |O_i - (A_m C_i + b_m)|`` over all pixels.
    """
    content, output = _box_pair(content, output, PAINTING_LONG_SIDE)
    labels = materials(content, seed=seed).ravel()
    c = rgb_to_lab(content).reshape(-1, 3).astype(np.float64)
    o = rgb_to_lab(output).reshape(-1, 3).astype(np.float64)
    err = np.zeros(len(c))
    for m in np.unique(labels):
        sel = labels == m
        cm, om = c[sel], o[sel]
        mc, mo = cm.mean(0), om.mean(0)
        x, y = cm - mc, om - mo
        a = np.linalg.solve(x.T @ x + PAINTING_RIDGE * len(x) * np.eye(3), x.T @ y)
        err[sel] = np.linalg.norm(y - x @ a, axis=1)
    return float(err.mean())


#: Settings of :func:`boundary_f` (fixed: the metric's definition; sizes relative).
BOUNDARY_LONG_SIDE = 512
BOUNDARY_SIGMA = 2.0  # Canny's Gaussian, pixels at BOUNDARY_LONG_SIDE
BOUNDARY_TOLERANCE = 0.0075  # of the image diagonal: the BSDS benchmark's maxDist
BOUNDARY_CONTENT_QUANTILE = 0.9  # the content's edges: its strongest 10 % of gradients ...
BOUNDARY_OUTPUT_QUANTILES = (0.8, 0.85, 0.9, 0.95)  # ... the output's: the best of these


def _edges(img: np.ndarray, quantile: float) -> np.ndarray:
    from skimage.feature import canny

    return canny(luma(img), BOUNDARY_SIGMA, quantile - 0.1, quantile, use_quantiles=True)


def boundary_f(content: np.ndarray, output: np.ndarray) -> float:
    """Boundary agreement of ``output`` with ``content`` (both ``H x W x 3`` in [0, 1]), like
    the ODS/OIS score of the paper's lambda search, with Canny as the boundary detector.

    Both are box-downsampled to a long side of ``BOUNDARY_LONG_SIDE``; the content's edges
    are Canny's at its ``BOUNDARY_CONTENT_QUANTILE`` gradient quantile, the output's at each
    of ``BOUNDARY_OUTPUT_QUANTILES``. An edge pixel is matched when an edge of the other map
    lies within ``BOUNDARY_TOLERANCE`` of the diagonal (a distance transform, where the BSDS
    benchmark solves a one-to-one assignment: a slightly kinder count). Precision P: the
    output's edges matched; recall R: the content's; the score is the best ``2PR / (P + R)``
    over the output's thresholds (the per-image optimum, as OIS). Spurious edges (painted
    texture, halos) lower P; lost boundaries (over-smoothing) lower R.
    """
    from scipy.ndimage import distance_transform_edt

    content, output = _box_pair(content, output, BOUNDARY_LONG_SIDE)
    tol = BOUNDARY_TOLERANCE * float(np.hypot(*content.shape[:2]))
    c_edges = _edges(content, BOUNDARY_CONTENT_QUANTILE)
    near_content = distance_transform_edt(~c_edges) <= tol
    best = 0.0
    for q in BOUNDARY_OUTPUT_QUANTILES:
        o_edges = _edges(output, q)
        if not o_edges.any() or not c_edges.any():
            continue
        precision = float(near_content[o_edges].mean())
        recall = float((distance_transform_edt(~o_edges) <= tol)[c_edges].mean())
        if precision + recall > 0:
            best = max(best, 2 * precision * recall / (precision + recall))
    return best
