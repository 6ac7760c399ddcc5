"""Phone and camera files in: HEIF/AVIF, EXIF orientation, ICC profiles converted to sRGB."""

import io
import warnings

import numpy as np
import pytest
from PIL import Image, ImageCms

from photostyle.files.images import load_image
from photostyle.files.profiles import convert_rgb, matrix_profile
from photostyle.imaging.colourspace import rgb_to_lab, srgb_encode


def photo_like(rng, h=48, w=64):
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([xx, yy, 0.5 + 0.4 * np.sin(6 * xx)], -1) * 0.8 + 0.1
    return np.clip(img + 0.02 * rng.standard_normal(img.shape), 0, 1).astype(np.float32)


def u8(a):
    return (np.clip(a, 0, 1) * 255 + 0.5).astype(np.uint8)


def delta_e76(a, b):
    return np.linalg.norm(rgb_to_lab(a) - rgb_to_lab(b), axis=-1)


def test_every_camera_file_loads_upright_in_srgb(highres):
    folder = highres
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".heif"))
    assert len(files) == 6
    for p in files:
        a = load_image(p)
        w, h = Image.open(p).size
        rotated = Image.open(p).getexif().get(274) in (5, 6, 7, 8)
        assert a.shape == ((w, h) if rotated else (h, w)) + (3,), p
        assert a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1 and a.std() > 0.05, p
    heif = load_image(folder / "HMD_Nokia_8.3_5G_hdr.heif")
    assert heif.shape == (3456, 4608, 3)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heif_and_avif_with_exif_orientation(tmp_path, rng, fmt):
    from photostyle.files.images import register_plugins

    register_plugins()  # HEIF encoder (pillow-heif)
    a = photo_like(rng)
    im = Image.fromarray(u8(a))
    exif = im.getexif()
    exif[274] = 6  # rotate 90 degrees clockwise to display
    path = tmp_path / f"phone.{fmt.lower()}"
    im.save(path, format=fmt, exif=exif.tobytes(), quality=-1 if fmt == "HEIF" else 100)
    out = load_image(path)
    assert out.shape == (64, 48, 3)  # displayed upright: the rotation was applied
    ref = np.rot90(a, -1)
    assert np.abs(out - ref).mean() < 6 / 255  # lossy codec, but the same picture
    assert np.corrcoef(out.ravel(), ref.ravel())[0, 1] > 0.98


@pytest.mark.parametrize("space", ["Display P3", "Adobe RGB (1998)"])
def test_tagged_wide_gamut_image_is_converted_to_srgb(tmp_path, rng, space):
    """A photo converted (numerically) to a wide-gamut space and tagged with its profile
    loads back as the sRGB original: littleCMS reading our profile agrees with the matrix."""
    a = photo_like(rng)
    wide = convert_rgb(a, "sRGB", space)
    assert np.abs(wide - a).mean() > 5 / 255  # the encoded values really differ
    path = tmp_path / "p3.png"
    Image.fromarray(u8(wide)).save(path, icc_profile=matrix_profile(space))
    out = load_image(path)
    assert delta_e76(out, a).mean() < 1.0 and np.abs(out - a).mean() < 1 / 255
    # untagged, the same pixels are taken as sRGB (documented)
    Image.fromarray(u8(wide)).save(tmp_path / "untagged.png")
    assert np.abs(load_image(tmp_path / "untagged.png") - wide).max() <= 0.5 / 255 + 1e-6


def test_matrix_profile_is_read_by_littlecms():
    for space in ("sRGB", "Display P3", "Adobe RGB (1998)"):
        prof = ImageCms.ImageCmsProfile(io.BytesIO(matrix_profile(space)))
        assert ImageCms.getProfileDescription(prof).strip() == space
    # our sRGB profile is the identity against littleCMS's built-in sRGB
    rng = np.random.default_rng(1)
    a = (rng.random((16, 16, 3)) * 255).astype(np.uint8)
    im = Image.fromarray(a)
    im.info["icc_profile"] = matrix_profile("sRGB")
    from photostyle.files.profiles import to_srgb

    assert np.abs(np.asarray(to_srgb(im), np.int16) - a).max() <= 1


def test_garbage_icc_profile_warns_and_is_taken_as_srgb(tmp_path, rng):
    a = u8(photo_like(rng))
    path = tmp_path / "bad_icc.png"
    Image.fromarray(a).save(path, icc_profile=b"this is not an ICC profile" * 8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = load_image(path)
    assert len(caught) == 1 and "bad_icc.png" in str(caught[0].message)
    assert "ICC" in str(caught[0].message)
    assert np.array_equal(u8(out), a)


@pytest.mark.parametrize("mode", ["L", "LA"])
def test_grey_image_with_gray_gamma_profile(tmp_path, mode):
    """A grey (and grey + alpha) image tagged "Gray Gamma 1.8" loads as sRGB greys whose
    luminance is the profile's: Y = v^1.8 (D50 white -> sRGB white, relative colorimetric)."""
    from photostyle.files.profiles import grey_profile

    v = np.linspace(0, 1, 256)
    grey = np.tile(np.round(v * 255).astype(np.uint8), (8, 1))
    im = Image.fromarray(grey, "L")
    if mode == "LA":
        im = Image.merge("LA", (im, Image.fromarray(np.full_like(grey, 255))))
    path = tmp_path / f"grey_{mode}.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "unusable profile" fallback
        im.save(path, icc_profile=grey_profile(1.8))
        out = load_image(path)
    assert out.shape == (8, 256, 3)
    assert np.abs(out - out[..., :1]).max() < 2 / 255  # neutral
    expected = srgb_encode(np.clip((grey / 255.0) ** 1.8, 0, 1))  # sRGB code of Y = v^1.8
    assert np.abs(out[..., 1] - expected).mean() < 1.5 / 255
    assert np.abs(out[..., 1] - grey / 255.0).mean() > 3 / 255  # not taken as sRGB
