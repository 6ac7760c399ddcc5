"""Global colour-statistics restoration after smoothing (optional ``colour_fix`` step).

The exact smoothing pulls colours towards the content's local structure and loses some of the
stylized image's saturation and contrast. :func:`match_colour` applies the one affine colour
map ``x -> A (x - m_x) + m_y`` that gives the image the mean ``m_y`` and covariance ``S_y`` of
a reference (the stylized image ``Y``), with ``A`` the Monge-Kantorovich linear map::

    A = S_x^-1/2 (S_x^1/2 S_y S_x^1/2)^1/2 S_x^-1/2

A global affine colour map adds no edges or textures, so the result stays photorealistic
(locally affine in the content colours, like the smoothing output).
"""

from __future__ import annotations

import numpy as np

#: Added to both colour covariances (variance units, colours in [0, 1]).
COV_FLOOR = 1e-4


def _sqrtm(s: np.ndarray, inverse: bool = False, floor: float = 1e-5) -> np.ndarray:
    """Symmetric square root (or inverse root) of a PSD ``3 x 3`` matrix, eigenvalues floored."""
    w, v = np.linalg.eigh(s)
    w = np.maximum(w, floor * max(float(w.max()), 1e-12))
    return (v * w ** (-0.5 if inverse else 0.5)) @ v.T


def match_colour(image: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Affine colour map of ``image`` to the colour mean/covariance of ``reference``.

    Args:
        image: ``H x W x 3`` float in [0, 1].
        reference: ``h x w x 3`` float in [0, 1] (any size).

    Returns:
        ``H x W x 3`` float32 in [0, 1] (clipped).
    """
    if image.ndim != 3 or image.shape[2] != 3 or reference.ndim != 3 or reference.shape[2] != 3:
        raise ValueError(f"need two H x W x 3 images, got {image.shape} and {reference.shape}")
    x = image.reshape(-1, 3).astype(np.float64)
    y = reference.reshape(-1, 3).astype(np.float64)
    mx, my = x.mean(0), y.mean(0)
    # the floor (std 0.01 = 2.6/255 per channel) bounds the gain on flat images, which would
    # otherwise amplify noise
    sx = np.cov(x, rowvar=False) + COV_FLOOR * np.eye(3)
    sy = np.cov(y, rowvar=False) + COV_FLOOR * np.eye(3)
    r, ri = _sqrtm(sx), _sqrtm(sx, inverse=True)
    a = ri @ _sqrtm(r @ sy @ r) @ ri
    out = (x - mx) @ a.T + my
    return np.clip(out, 0.0, 1.0).reshape(image.shape).astype(np.float32)
