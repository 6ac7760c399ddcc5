"""Results written like photo tools write them: bit depth, colour profile, camera metadata.

Metadata are read back with exiftool (a real client, not Pillow); the tests that need it
skip when it is missing, except in CI (``PHOTOSTYLE_REQUIRE_TOOLS=1``, installed by make).
"""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest
import tifffile
from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from typer.testing import CliRunner

from photostyle.cli.app import app
from photostyle.files.images import load_image, save_image
from photostyle.files.profiles import convert_rgb, matrix_profile


def exiftool(path) -> dict:
    if shutil.which("exiftool") is None:
        if os.environ.get("PHOTOSTYLE_REQUIRE_TOOLS") == "1":
            raise RuntimeError("exiftool required for the metadata tests but missing")
        pytest.skip("exiftool not available")
    out = subprocess.run(
        ["exiftool", "-json", "-a", "-G1", str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)[0]


def camera_jpeg(path, rng, h=48, w=64):
    """A JPEG like a camera's: EXIF camera, date, GPS, orientation 6 and a thumbnail."""
    im = Image.fromarray((rng.random((h, w, 3)) * 255).astype(np.uint8))
    exif = im.getexif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "TestMake", "TestCam 1", 6
    exif[0x0132] = "2024:05:06 07:08:09"
    exif.get_ifd(0x8769)[0x9003] = "2024:05:06 07:08:09"  # DateTimeOriginal
    exif.get_ifd(0x8769)[0x829A] = IFDRational(1, 250)  # ExposureTime
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 30.0)})  # GPS latitude
    im.save(path, "JPEG", exif=exif, quality=95)
    # a thumbnail in IFD1, added the way cameras do (exiftool writes it)
    thumb = path.with_name("thumb.jpg")
    im.resize((16, 12)).save(thumb, "JPEG")
    if shutil.which("exiftool"):
        subprocess.run(
            ["exiftool", "-q", "-overwrite_original", f"-ThumbnailImage<={thumb}", str(path)],
            check=True,
        )
    return path


@pytest.mark.parametrize(
    "ext, depth",
    [(e, "8") for e in (".jpg", ".tif", ".png", ".webp", ".avif", ".heic")]
    + [(".tif", "16"), (".png", "16")],
)
def test_output_carries_camera_metadata_and_srgb_profile(untrained, tmp_path, rng, ext, depth):
    content = camera_jpeg(tmp_path / "content.jpg", rng)
    assert "IFD1:ThumbnailImage" in exiftool(content)
    out = tmp_path / f"out{ext}"
    args = ["transfer", str(content), str(content), "-o", str(out), "--bit-depth", depth]
    args += ["--smoothing", "guided"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    tags = exiftool(out)
    values = {k.split(":")[-1]: v for k, v in tags.items()}
    assert values["Model"] == "TestCam 1" and values["Make"] == "TestMake"
    assert values["ProfileDescription"].startswith("sRGB")
    assert values["DateTimeOriginal"] == "2024:05:06 07:08:09"
    assert values["ExposureTime"] == "1/250" and "GPSLatitude" in values
    if depth == "16":
        assert values.get("BitsPerSample", values.get("BitDepth")) in (16, "16 16 16")
    assert values.get("Orientation", "Horizontal (normal)") == "Horizontal (normal)"
    assert not any("Thumbnail" in k for k in tags)  # the old picture's thumbnail is dropped
    assert Image.open(out).size == (48, 64)  # the orientation was applied to the pixels
    out2 = tmp_path / f"stripped{ext}"
    res = CliRunner().invoke(app, [*args[:3], "-o", str(out2), "--strip-metadata", *args[5:]])
    assert res.exit_code == 0, res.output
    stripped = exiftool(out2)
    assert not any(k.split(":")[-1] in ("Model", "Make", "GPSLatitude") for k in stripped)
    assert not any(k.startswith(("ExifIFD", "GPS")) for k in stripped)


def test_16bit_tiff_in_gives_16bit_tiff_out(untrained, tmp_path):
    """A 16-bit TIFF gradient keeps more than 256 levels per channel through the pipeline."""
    h, w = 64, 1024
    ramp = np.linspace(0.2, 0.8, w)[None, :, None] * np.ones((h, 1, 3))
    ramp[..., 1] *= 0.9
    tifffile.imwrite(tmp_path / "deep.tif", (ramp * 65535).astype(np.uint16), photometric="rgb")
    a = load_image(tmp_path / "deep.tif")
    assert len(np.unique(a[..., 0])) > 900  # read with 16-bit precision
    out = tmp_path / "out.tif"
    args = ["transfer", str(tmp_path / "deep.tif"), str(tmp_path / "deep.tif"), "-o", str(out)]
    res = CliRunner().invoke(app, [*args, "--smoothing", "guided"])
    assert res.exit_code == 0, res.output
    raw = tifffile.imread(out)
    assert raw.dtype == np.uint16 and raw.shape == (h, w, 3)
    assert all(len(np.unique(raw[..., c])) > 256 for c in range(3))
    res = CliRunner().invoke(app, [*args[:3], "-o", str(tmp_path / "o8.tif"), "--bit-depth", "8"])
    assert res.exit_code == 0 and tifffile.imread(tmp_path / "o8.tif").dtype == np.uint8


def test_display_p3_round_trip_with_keep_profile(tmp_path, highres):
    """A real photo converted to Display P3 and tagged, restyled through the whole command with
    the identity-like setting ``--strength 0`` and written with ``--keep-profile``: P3 pixels
    and profile again, colours within 2 Delta-E 2000 of the input on average (skimage)."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    from photostyle.files.profiles import is_srgb

    srgb = load_image(highres / "28-hex_value.jpg")[800:1056, 600:984]
    p3 = convert_rgb(srgb, "sRGB", "Display P3")
    content = tmp_path / "p3.png"
    Image.fromarray((np.clip(p3, 0, 1) * 255 + 0.5).astype(np.uint8)).save(
        content, icc_profile=matrix_profile("Display P3")
    )
    style = highres / "canon_hdr_YES.jpg"
    out = tmp_path / "out.png"
    args = ["transfer", str(content), str(style), "-o", str(out), "--strength", "0"]
    res = CliRunner().invoke(app, [*args, "--keep-profile"])
    assert res.exit_code == 0, res.output
    im = Image.open(out)
    assert im.info["icc_profile"] == matrix_profile("Display P3")
    raw = np.asarray(im, np.float32) / 255
    assert np.abs(raw - p3).mean() < 1 / 255  # the pixels are P3 values again
    de = deltaE_ciede2000(rgb2lab(load_image(content)), rgb2lab(load_image(out)))
    assert de.mean() < 2.0
    # without --keep-profile: sRGB pixels and the sRGB profile
    res = CliRunner().invoke(app, [*args[:3], "-o", str(tmp_path / "srgb.png"), *args[5:]])
    assert res.exit_code == 0, res.output
    assert is_srgb(Image.open(tmp_path / "srgb.png").info["icc_profile"])


def test_strength_blends_the_result_with_the_content(untrained, rng):
    from photostyle.options import TransferOptions
    from photostyle.pipeline import transfer

    c = rng.random((40, 56, 3)).astype(np.float32)
    s = rng.random((48, 48, 3)).astype(np.float32)
    opts = TransferOptions(smoothing="guided")
    run = lambda strength: transfer(c, s, opts.replace(strength=strength), model=untrained).image  # noqa: E731
    full, half = run(1.0), run(0.25)
    assert np.abs(full - c).mean() > 0.05
    np.testing.assert_allclose(half, c + 0.25 * (full - c), atol=1e-5)
    np.testing.assert_allclose(run(0.0), c, atol=1e-6)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="strength"):
            TransferOptions(strength=bad)


def test_bad_output_options_fail_before_work(tmp_path, rng):
    c = tmp_path / "c.png"
    save_image(c, rng.random((40, 56, 3)).astype(np.float32))
    for extra, needle in (
        (["-o", str(tmp_path / "o.jpg"), "--bit-depth", "16"], "16 bits"),
        (["-o", str(tmp_path / "o.png"), "--bit-depth", "12"], "bit-depth"),
        (["-o", str(tmp_path / "o.jpg"), "--quality", "0"], "quality"),
    ):
        res = CliRunner().invoke(app, ["transfer", str(c), str(c), *extra])
        assert res.exit_code == 2 and needle in res.output.splitlines()[-1], res.output
    assert not list(tmp_path.glob("o.*"))


def test_broken_exif_is_dropped_with_a_warning(tmp_path, rng):
    from photostyle.files.exif import read_exif

    path = tmp_path / "broken.jpg"
    Image.fromarray((rng.random((16, 16, 3)) * 255).astype(np.uint8)).save(path, "JPEG")
    data = path.read_bytes()
    # an APP1 Exif segment whose IFD offset points far outside the block
    bad = b"Exif\0\0MM\0*\xff\xff\xff\x00" + b"\0" * 16
    app1 = b"\xff\xe1" + (len(bad) + 2).to_bytes(2, "big") + bad
    path.write_bytes(data[:2] + app1 + data[2:])
    with pytest.warns(UserWarning, match="broken.jpg"):
        assert read_exif(path) is None
    assert load_image(path).shape == (16, 16, 3)
