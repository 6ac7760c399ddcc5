"""Camera RAW in: a real photo mosaicked to a Bayer pattern and written as a DNG (pidng) is
decoded by LibRaw back to the photo; broken RAW files fail in one line."""

from fractions import Fraction

import numpy as np
import pytest
from typer.testing import CliRunner

from photostyle.cli.app import app
from photostyle.files.images import ImageError, load_image, probe_image
from photostyle.files.profiles import rgb_to_xyz_matrix
from photostyle.imaging.colourspace import srgb_decode

pytest.importorskip("rawpy")
pidng = pytest.importorskip("pidng")


def make_dng(srgb: np.ndarray, path, white=4095, orientation=1, exif=()) -> bytes:
    """DNG of a camera whose sensor sees linear sRGB: RGGB mosaic of ``srgb``, 12 bits;
    ``exif``: extra ``(Tag, value)`` pairs (TIFF/EP style, in the first directory)."""
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import CalibrationIlluminant, CFAPattern, DNGVersion, PhotometricInterpretation

    h, w = srgb.shape[:2]
    lin = srgb_decode(srgb.astype(np.float64))
    mosaic = np.empty((h, w))
    mosaic[0::2, 0::2] = lin[0::2, 0::2, 0]
    mosaic[0::2, 1::2] = lin[0::2, 1::2, 1]
    mosaic[1::2, 0::2] = lin[1::2, 0::2, 1]
    mosaic[1::2, 1::2] = lin[1::2, 1::2, 2]
    xyz_to_cam = np.linalg.inv(rgb_to_xyz_matrix("sRGB"))
    rational = [
        [
            Fraction(v).limit_denominator(10000).numerator,
            Fraction(v).limit_denominator(10000).denominator,
        ]
        for v in xyz_to_cam.ravel()
    ]
    t = DNGTags()
    for tag, value in (
        (Tag.ImageWidth, w),
        (Tag.ImageLength, h),
        (Tag.TileWidth, w),
        (Tag.TileLength, h),
        (Tag.Orientation, orientation),
        (Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array),
        (Tag.SamplesPerPixel, 1),
        (Tag.BitsPerSample, 16),
        (Tag.CFARepeatPatternDim, [2, 2]),
        (Tag.CFAPattern, CFAPattern.RGGB),
        (Tag.BlackLevel, 0),
        (Tag.WhiteLevel, white),
        (Tag.ColorMatrix1, rational),
        (Tag.CalibrationIlluminant1, CalibrationIlluminant.D65),
        (Tag.AsShotNeutral, [[1, 1], [1, 1], [1, 1]]),
        (Tag.Make, "TestMake"),
        (Tag.Model, "TestCam DNG"),
        (Tag.DNGVersion, DNGVersion.V1_4),
        (Tag.DNGBackwardVersion, DNGVersion.V1_2),
        *exif,
    ):
        t.set(tag, value)
    converter = RAW2DNG()
    converter.options(t, path="", compress=False)
    data = bytes(converter.convert(np.round(mosaic * white).astype(np.uint16)))
    path.write_bytes(data)
    return data


@pytest.fixture
def photo():
    """A photo-like 256 x 384 image as a well-exposed shot reaches the sensor: edges softened
    by the optics (Gaussian, 0.8 px), no chroma noise, no clipped highlights (x 0.9; a
    channel at the white level is a clipped highlight, which a raw decoder reconstructs)."""
    from scipy.ndimage import gaussian_filter
    from synthetic import scene

    return 0.9 * gaussian_filter(scene(256, 384, seed=11, noise=0.0), (0.8, 0.8, 0))


def psnr(a, b):
    return 10 * np.log10(1 / np.mean((a - b) ** 2))


def test_dng_decodes_to_the_photo_it_came_from(tmp_path, photo):
    make_dng(photo, tmp_path / "shot.dng")
    assert probe_image(tmp_path / "shot.dng") == (384, 256)
    out = load_image(tmp_path / "shot.dng")
    assert out.shape == photo.shape and out.dtype == np.float32
    assert psnr(out, photo) > 35  # demosaicing error only: white balance, colour, tone right
    assert np.abs(out.mean((0, 1)) - photo.mean((0, 1))).max() < 1 / 255
    assert len(np.unique(out[..., 1])) > 256  # 16-bit output, not 8


def test_dng_orientation_is_applied(tmp_path, photo):
    make_dng(photo, tmp_path / "portrait.dng", orientation=6)
    out = load_image(tmp_path / "portrait.dng")
    assert out.shape == (384, 256, 3)
    assert psnr(out, np.rot90(photo, -1)) > 35


def test_raw_transfer_writes_16bit_by_default(untrained, tmp_path, photo):
    import tifffile

    make_dng(photo, tmp_path / "shot.dng")
    out = tmp_path / "out.tif"
    dng = str(tmp_path / "shot.dng")
    res = CliRunner().invoke(app, ["transfer", dng, dng, "-o", str(out), "--smoothing", "guided"])
    assert res.exit_code == 0, res.output
    assert tifffile.imread(out).dtype == np.uint16


def test_broken_raw_files_fail_in_one_line(untrained, tmp_path, photo):
    data = make_dng(photo, tmp_path / "good.dng")
    cases = {
        "truncated.dng": (data[: len(data) // 3], "camera RAW"),
        "unknown.cr2": (b"II*\x00" + bytes(range(256)) * 40, "camera RAW"),
        "text.nef": (b"not a raw file at all\n" * 10, "camera RAW"),
    }
    for name, (content, needle) in cases.items():
        bad = tmp_path / name
        bad.write_bytes(content)
        with pytest.raises(ImageError, match=needle):
            load_image(bad)
        out = tmp_path / f"out_{name}.png"
        res = CliRunner().invoke(
            app, ["transfer", str(bad), str(tmp_path / "good.dng"), "-o", str(out)]
        )
        assert res.exit_code == 2, res.output
        errors = [ln for ln in res.output.splitlines() if ln.startswith("error: ")]
        assert len(errors) == 1 and name in errors[0] and "Traceback" not in res.output
        assert not out.exists()


def test_raw_exif_goes_into_the_outputs(untrained, tmp_path, photo):
    """The camera's exposure, lens and date in a DNG reach a 16-bit TIFF and a JPEG result (read
    back with exiftool); the raw-data tags (CFA layout, DNG calibration) do not."""
    from pidng.core import Tag
    from test_output import exiftool

    exif = [
        (Tag.ExposureTime, [[1, 250]]),
        (Tag.FNumber, [[28, 10]]),
        (Tag.PhotographicSensitivity, [400]),
        (Tag.DateTimeOriginal, "2025:07:08 09:10:11"),
        (Tag.EXIFPhotoLensModel, "Test 35mm f/1.4"),
    ]
    dng = tmp_path / "shot.dng"
    make_dng(photo, dng, exif=exif)
    for name, depth in (("out.tif", "16"), ("out.jpg", "8")):
        out = tmp_path / name
        args = ["transfer", str(dng), str(dng), "-o", str(out), "--smoothing", "guided"]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        tags = exiftool(out)
        values = {k.split(":")[-1]: v for k, v in tags.items()}
        assert values["Make"] == "TestMake" and values["Model"] == "TestCam DNG"
        assert values["ExposureTime"] == "1/250" and values["FNumber"] == 2.8
        assert values["ISO"] == 400 and values["LensModel"] == "Test 35mm f/1.4"
        assert values["DateTimeOriginal"] == "2025:07:08 09:10:11"
        assert values.get("BitsPerSample", 8) in (int(depth), f"{depth} {depth} {depth}")
        assert not any(k in values for k in ("CFAPattern", "DNGVersion", "ColorMatrix1"))
        stripped = tmp_path / f"stripped_{name}"
        res = CliRunner().invoke(app, [*args[:3], "-o", str(stripped), "--strip-metadata"])
        assert res.exit_code == 0, res.output
        assert not any(k.startswith(("ExifIFD", "IFD0:Make")) for k in exiftool(stripped))
