"""Colour spaces: the sRGB tone curve, CIE Lab (D65) and one luma definition.

Arrays are ``... x 3`` RGB, sRGB-encoded in [0, 1] unless a name says linear.
"""

from __future__ import annotations

import numpy as np

#: Rec. 709 / sRGB luma weights (the primaries of sRGB): the one luma of photostyle.
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], np.float64)
#: Linear sRGB -> CIE XYZ (D65).
SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
#: The D65 white point in XYZ (Y = 1).
D65_XYZ = np.array([0.95047, 1.0, 1.08883])
#: Encoded value below which the sRGB tone curve is linear (its toe).
SRGB_TOE = 0.04045
#: CIE Lab: the relative XYZ below which the cube root is replaced by the line
#: ``LAB_SLOPE t + 16 / 116`` (the 1976 constants as rounded in common use).
LAB_EPSILON = 0.008856
LAB_SLOPE = 7.787


def srgb_decode(v: np.ndarray) -> np.ndarray:
    """sRGB tone curve, encoded [0, 1] -> linear."""
    return np.where(v <= SRGB_TOE, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def srgb_encode(v: np.ndarray) -> np.ndarray:
    """sRGB tone curve, linear -> encoded [0, 1] (clipped)."""
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Luma ``Y'`` of sRGB-encoded colours (Rec. 709 weights), float64, shape ``...``."""
    return np.asarray(rgb, np.float64) @ LUMA_WEIGHTS


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB ``... x 3`` float in [0, 1] -> CIE Lab (D65), L in [0, 100], float32."""
    xyz = srgb_decode(rgb) @ SRGB_TO_XYZ.T / D65_XYZ
    f = np.where(xyz > LAB_EPSILON, np.cbrt(xyz), LAB_SLOPE * xyz + 16 / 116)
    lab = np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1
    )
    return lab.astype(np.float32)


#: Lab from the cube-rooted ``f(X), f(Y), f(Z)`` of :func:`rgb_to_lab`.
_F_TO_LAB = np.array([[0.0, 116.0, 0.0], [500.0, -500.0, 0.0], [0.0, 200.0, -200.0]])


def lab_jacobian(rgb: np.ndarray) -> np.ndarray:
    """``d Lab / d rgb`` of :func:`rgb_to_lab` at sRGB colours ``rgb`` (``... x 3``, clipped to
    [1e-4, 1] so that the sRGB toe stays differentiable): ``... x 3 x 3`` float64, row = Lab
    channel, column = RGB channel. The chain rule through the tone curve, the XYZ matrix and
    the cube root (or its linear toe), exactly."""
    v = np.clip(np.asarray(rgb, np.float64), 1e-4, 1.0)
    toe = v <= SRGB_TOE
    dlin = np.where(toe, 1 / 12.92, 2.4 / 1.055 * ((v + 0.055) / 1.055) ** 1.4)
    to_xyz = SRGB_TO_XYZ / D65_XYZ[:, None]
    xyz = srgb_decode(v) @ to_xyz.T
    df = np.where(xyz > LAB_EPSILON, np.cbrt(np.maximum(xyz, 1e-12)) ** -2 / 3, LAB_SLOPE)
    return _F_TO_LAB @ (df[..., :, None] * to_xyz * dlin[..., None, :])


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIE Lab (D65) ``... x 3`` -> sRGB-encoded, float64 clipped to [0, 1]: the inverse of
    :func:`rgb_to_lab` (its cube root and linear toe inverted at the same threshold)."""
    lab = np.asarray(lab, np.float64)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], -1)
    xyz = np.where(f > LAB_EPSILON ** (1 / 3), f**3, (f - 16 / 116) / LAB_SLOPE) * D65_XYZ
    return srgb_encode(xyz @ np.linalg.inv(SRGB_TO_XYZ).T)
