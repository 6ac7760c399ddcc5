"""Hostile input: every case gets a documented conversion or a one-line error (CLI exit 2),
never a traceback, never a partial output file."""

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from PIL import Image
from test_io import buf_png_header
from typer.testing import CliRunner

from photostyle.cli.app import app
from photostyle.labels import PALETTE_RGB, mask_to_labels

H, W = 40, 56


def photo(rng, h=H, w=W):
    return Image.fromarray((rng.random((h, w, 3)) * 255).astype(np.uint8))


def png_bytes(im: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", **kw)
    return buf.getvalue()


def exif_jpeg(rng, orientation: int) -> bytes:
    im = photo(rng)
    exif = im.getexif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def make_bad_files(tmp_path, rng) -> dict:
    """name -> (bytes, expected problem substring)"""
    from photostyle.files.images import register_plugins

    register_plugins()  # HEIF encoder (pillow-heif)
    good_png = png_bytes(photo(rng))
    buf = io.BytesIO()
    photo(rng).save(buf, "JPEG")
    good_jpg = buf.getvalue()
    buf = io.BytesIO()
    photo(rng).save(buf, "HEIF")
    good_heif = buf.getvalue()
    heif_header = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
    return {
        "truncated.heic": (good_heif[: len(good_heif) // 2], "truncated"),
        "no_primary.heic": (heif_header + b"\x00" * 200, "not an image"),
        "truncated.png": (good_png[: len(good_png) // 2], "truncated"),
        "truncated.jpg": (good_jpg[: len(good_jpg) // 2], "truncated"),
        "zero.png": (b"", "empty"),
        "text.jpg": (b"this is not a jpeg\n", "not an image"),
        "one.png": (png_bytes(photo(rng, 1, 1)), "too small"),
        "two.png": (png_bytes(photo(rng, 2, 2)), "too small"),
        "strip.png": (png_bytes(photo(rng, 1, 300)), "too small"),
        "bomb.png": (buf_png_header(200_000, 200_000), "limit"),
    }


def run(args):
    res = CliRunner().invoke(app, args)
    return res.exit_code, res.output


def assert_clean_failure(code, output, out_path, needle):
    assert code == 2, output
    errors = [ln for ln in output.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and output.strip().endswith(errors[0]), output  # one line, last
    assert needle in errors[0], output
    assert "Traceback" not in output
    assert not out_path.exists()
    assert not list(out_path.parent.glob(f".{out_path.name}.*")), "temp file left behind"


def test_bad_image_files_fail_cleanly(untrained, tmp_path, rng):
    style = tmp_path / "style.png"
    photo(rng).save(style)
    for name, (data, needle) in make_bad_files(tmp_path, rng).items():
        bad = tmp_path / name
        bad.write_bytes(data)
        out = tmp_path / f"out_{name}.png"
        for args in ([str(bad), str(style)], [str(style), str(bad)]):
            code, output = run(["transfer", *args, "-o", str(out), "--smoothing", "guided"])
            assert_clean_failure(code, output, out, needle)
            assert name in output


@pytest.mark.parametrize(
    "name,make,shape",
    [
        (
            "deep.png",
            lambda rng: Image.fromarray((rng.random((H, W)) * 65535).astype(np.uint16)),
            (H, W),
        ),
        ("cmyk.jpg", lambda rng: photo(rng).convert("CMYK"), (H, W)),
        ("palette_t.png", lambda rng: photo(rng).convert("P"), (H, W)),
        ("exif6.jpg", lambda rng: Image.open(io.BytesIO(exif_jpeg(rng, 6))), (W, H)),
        ("exif8.jpg", lambda rng: Image.open(io.BytesIO(exif_jpeg(rng, 8))), (W, H)),
    ],
)
def test_documented_conversions(untrained, tmp_path, rng, name, make, shape):
    path = tmp_path / name
    im = make(rng)
    if name.startswith("exif"):
        path.write_bytes(exif_jpeg(rng, int(name[4])))
    elif name == "palette_t.png":
        im.info["transparency"] = 0
        im.save(path, transparency=0)
    else:
        im.save(path)
    out = tmp_path / "out.png"
    code, output = run(["transfer", str(path), str(path), "-o", str(out), "--smoothing", "guided"])
    assert code == 0, output
    assert Image.open(out).size == (shape[1], shape[0])


def test_bad_masks_and_parameters(untrained, tmp_path, rng):
    c, s = tmp_path / "c.png", tmp_path / "s.png"
    photo(rng).save(c)
    photo(rng).save(s)
    out = tmp_path / "o.png"
    base = ["transfer", str(c), str(s), "-o", str(out)]
    other_aspect = tmp_path / "aspect.png"
    Image.fromarray(np.zeros((H, W // 2), np.uint8)).save(other_aspect)
    code, output = run(
        [*base, "--content-mask", str(other_aspect), "--style-mask", str(other_aspect)]
    )
    assert_clean_failure(code, output, out, "aspect ratio")
    unknown = tmp_path / "unknown.png"
    Image.fromarray(np.full((H, W, 3), (200, 120, 60), np.uint8)).save(unknown)
    code, output = run([*base, "--content-mask", str(unknown), "--style-mask", str(unknown)])
    assert_clean_failure(code, output, out, "palette")
    for opt, val, needle in [
        ("--lam", "0", "lam"),
        ("--lam", "-1e-4", "lam"),
        ("--lam", "nan", "lam"),
        ("--max-side", "0", "max-side"),
        ("--smoothing", "blur", "smoothing"),
        ("--work-mp", "-1", "work-mp"),
        ("--work-mp", "0.001", "work-mp"),
        ("--work-mp", "inf", "work-mp"),
        ("--strength", "1.5", "strength"),
        ("--strength", "nan", "strength"),
        ("--alpha", "-0.5", "alpha"),
        ("-o", str(tmp_path / "o.xyz"), "unsupported output extension"),
        ("-o", str(tmp_path / "missing" / "o.png"), "does not exist"),
    ]:
        code, output = run([*base, opt, val])
        assert_clean_failure(code, output, out, needle)


def test_style_without_common_labels_falls_back(untrained, tmp_path, rng):
    c, s = tmp_path / "c.png", tmp_path / "s.png"
    photo(rng).save(c)
    photo(rng).save(s)
    cm, sm = tmp_path / "cm.png", tmp_path / "sm.png"
    Image.fromarray(np.full((H, W), 1, np.uint8)).save(cm)
    Image.fromarray(np.full((H, W), 2, np.uint8)).save(sm)
    out = tmp_path / "o.png"
    args = ["transfer", str(c), str(s), "-o", str(out), "--content-mask", str(cm)]
    code, output = run([*args, "--style-mask", str(sm), "--verbose", "--smoothing", "none"])
    assert code == 0, output
    assert "label 1 uses the whole style (not in the style mask)" in output
    assert Image.open(out).size == (W, H)


palette_idx = st.integers(0, len(PALETTE_RGB) - 1)


@settings(max_examples=40, deadline=None)
@given(
    labels=arrays(
        np.int32,
        array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=12),
        elements=palette_idx,
    ),
    noise=st.integers(0, 40),
    seed=st.integers(0, 2**16),
)
def test_mask_parsing_properties(labels, noise, seed):
    """Noisy palette masks snap back to their labels (up to isolated-pixel cleaning)."""
    lab = np.array(labels, np.int32)
    rgb = PALETTE_RGB[lab] + np.random.default_rng(seed).integers(
        -noise, noise + 1, lab.shape + (3,)
    )
    out = mask_to_labels(np.clip(rgb, 0, 255).astype(np.uint8))
    assert out.shape == lab.shape and out.dtype == np.int32
    assert out.min() >= 0 and out.max() < len(PALETTE_RGB)
    # pixels with an equal neighbour are never changed by the cleaning
    from photostyle.labels import clean_isolated

    assert np.array_equal(out, clean_isolated(lab))


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=0, max_size=64), st.integers(1, 6), st.integers(1, 6))
def test_mask_parsing_never_crashes(data, h, w):
    a = np.frombuffer(data.ljust(h * w * 3, b"\0")[: h * w * 3], np.uint8).reshape(h, w, 3)
    try:
        out = mask_to_labels(a)
    except ValueError as exc:
        assert "palette" in str(exc)
    else:
        assert out.shape == (h, w)


def test_web_handler_refuses_large_and_bad_uploads(tmp_path, rng):
    """The web app's handler: pixel limit and missing inputs give one-line errors."""
    from photostyle.cli.webapp import run_transfer
    from photostyle.files.images import ImageError

    big = tmp_path / "big.png"
    photo(rng, 200, 300).save(big)
    args = (None, None, "exact", -4.0, 512)
    with pytest.raises(ImageError, match="big.png.*limit"):
        run_transfer(str(big), str(big), *args[:2], False, *args[2:], max_pixels=10_000)
    with pytest.raises(ValueError, match="upload a content photo"):
        run_transfer(None, str(big), None, None, False, "exact", -4.0, 512)
    with pytest.raises(ValueError, match="both masks"):
        run_transfer(str(big), str(big), str(big), None, False, "exact", -4.0, 512)


@pytest.mark.parametrize(
    "args, needle",
    [
        (["transfer", "{c}", "{c}", "-o", "{tmp}/o.xyz"], "unsupported output extension"),
        (["transfer", "{c}", "{c}", "-o", "{tmp}/no/o.png"], "does not exist"),
        (["transfer", "{tmp}/none.png", "{c}", "-o", "{tmp}/o.png"], "file not found"),
        (["transfer", "{c}", "{c}", "-o", "{tmp}/o.png", "--lam", "0"], "lam"),
        (["transfer", "{c}", "{c}", "-o", "{tmp}/o.png", "--locality", "2"], "--locality"),
        (["smooth", "{c}", "{c}", "-o", "{tmp}/o.xyz"], "unsupported output extension"),
        (["batch", "{tmp}/none.csv", "-o", "{tmp}"], "CSV file not found"),
    ],
)
def test_bad_arguments_fail_before_heavy_imports(tmp_path, rng, args, needle):
    """Input and output problems are reported before torch or numba is imported (fail fast:
    milliseconds, not the minutes of a transfer), in one line with exit code 2."""
    import subprocess
    import sys

    c = tmp_path / "c.png"
    photo(rng).save(c)
    argv = [a.format(c=c, tmp=tmp_path) for a in args]
    code = (
        "import sys\n"
        "from photostyle.cli.app import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as e:\n"
        "    print('exit', e.code, 'torch' in sys.modules, 'numba' in sys.modules)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stdout.strip() == "exit 2 False False", res.stdout + res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and needle in errors[0], res.stderr
    assert not (tmp_path / "o.png").exists()
