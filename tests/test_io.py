import io
import os

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from photostyle.cli.app import app
from photostyle.files.images import ImageError, load_image, save_image


def _save(im: Image.Image, path, **kw):
    im.save(path, **kw)
    return path


def test_rgb_roundtrip(tmp_path, rng):
    a = rng.random((7, 9, 3)).astype(np.float32)
    save_image(tmp_path / "a.png", a)
    b = load_image(tmp_path / "a.png")
    assert b.shape == (7, 9, 3) and b.dtype == np.float32
    assert np.abs(a - b).max() <= 1 / 255 + 1e-6  # dithered: at most one level off
    save_image(tmp_path / "r.png", a, dither=False)
    assert np.abs(a - load_image(tmp_path / "r.png")).max() <= 0.5 / 255 + 1e-6  # rounded


def test_grayscale_palette_cmyk_16bit(tmp_path):
    g = Image.fromarray(np.full((4, 5), 128, np.uint8), "L")
    assert np.allclose(load_image(_save(g, tmp_path / "g.png")), 128 / 255)
    p = g.convert("P")
    assert load_image(_save(p, tmp_path / "p.png")).shape == (4, 5, 3)
    cmyk = Image.new("CMYK", (5, 4), (0, 255, 255, 0))  # pure red
    red = load_image(_save(cmyk, tmp_path / "c.jpg"))
    assert red[..., 0].mean() > 0.9 and red[..., 1].mean() < 0.1
    a16 = np.full((4, 5), 65535 // 4, np.uint16)
    im16 = Image.fromarray(a16)
    v = load_image(_save(im16, tmp_path / "d.png"))
    assert np.allclose(v, (65535 // 4) / 65535, atol=1e-6)


def test_alpha_composited_on_white(tmp_path):
    rgba = np.zeros((3, 3, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[0, 0, 3] = 0  # transparent -> white
    rgba[1, 1, 3] = 255  # opaque red
    out = load_image(_save(Image.fromarray(rgba, "RGBA"), tmp_path / "a.png"))
    assert np.allclose(out[0, 0], 1.0)
    assert np.allclose(out[1, 1], [1.0, 0.0, 0.0])


@pytest.mark.parametrize("orientation,shape", [(6, (5, 3)), (8, (5, 3)), (3, (3, 5))])
def test_exif_orientation(tmp_path, orientation, shape):
    a = np.zeros((3, 5, 3), np.uint8)
    a[0, 0] = 255  # white top-left marker
    im = Image.fromarray(a)
    exif = im.getexif()
    exif[0x0112] = orientation
    path = tmp_path / "e.png"
    im.save(path, exif=exif)
    out = load_image(path)
    assert out.shape[:2] == shape
    corner = {6: (0, -1), 8: (-1, 0), 3: (-1, -1)}[orientation]
    assert out[corner].min() > 0.9


def test_errors_name_the_file(tmp_path):
    cases = {}
    cases["missing"] = tmp_path / "nope.png"
    cases["directory"] = tmp_path
    (tmp_path / "empty.png").write_bytes(b"")
    cases["empty"] = tmp_path / "empty.png"
    (tmp_path / "text.jpg").write_text("hello, not an image")
    cases["not an image"] = tmp_path / "text.jpg"
    buf = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buf, "PNG")
    (tmp_path / "trunc.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, "JPEG")
    (tmp_path / "trunc.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    cases["truncated jpeg"] = tmp_path / "trunc.jpg"
    cases["truncated"] = tmp_path / "trunc.png"
    expected = {
        "missing": "not found",
        "directory": "directory",
        "empty": "empty",
        "not an image": "not an image",
        "truncated": "truncated or corrupt",
        "truncated jpeg": "truncated or corrupt",
    }
    for key, path in cases.items():
        with pytest.raises(ImageError) as info:
            load_image(path)
        msg = str(info.value)
        assert str(path) in msg and expected[key] in msg and "\n" not in msg


def test_pixel_limit_and_bomb(tmp_path):
    path = _save(Image.new("RGB", (100, 100)), tmp_path / "big.png")
    with pytest.raises(ImageError, match="over the limit"):
        load_image(path, max_pixels=5000)
    assert load_image(path, max_pixels=10_000).shape == (100, 100, 3)
    # a PNG header claiming 100000 x 100000 pixels: refused before decoding
    bomb = tmp_path / "bomb.png"
    png = buf_png_header(100_000, 100_000)
    bomb.write_bytes(png)
    with pytest.raises(ImageError, match="limit|bomb"):
        load_image(bomb)


def buf_png_header(w: int, h: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def test_save_formats_and_atomicity(tmp_path, rng):
    a = rng.random((6, 8, 3)).astype(np.float32)
    for ext in ("png", "jpg", "jpeg", "tif", "webp"):
        p = save_image(tmp_path / f"x.{ext}", a)
        assert load_image(p).shape == (6, 8, 3)
    assert sorted(os.listdir(tmp_path)) == sorted(
        f"x.{e}" for e in ("png", "jpg", "jpeg", "tif", "webp")
    )
    with pytest.raises(ImageError, match="unsupported output extension"):
        save_image(tmp_path / "x.gifx", a)
    with pytest.raises(ImageError, match="does not exist"):
        save_image(tmp_path / "no" / "x.png", a)


def test_cli_bad_input_exit_2(tmp_path):
    (tmp_path / "bad.jpg").write_text("not an image")
    good = save_image(tmp_path / "good.png", np.zeros((8, 8, 3)))
    res = CliRunner().invoke(
        app, ["smooth", str(tmp_path / "bad.jpg"), str(good), "-o", str(tmp_path / "o.png")]
    )
    assert res.exit_code == 2
    assert "bad.jpg" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o.png").exists()


def test_cli_smooth_writes_output(tmp_path, rng):
    c = save_image(tmp_path / "c.png", rng.random((20, 24, 3)))
    s = save_image(tmp_path / "s.png", rng.random((10, 12, 3)))  # other size: resized
    for method in ("exact", "guided"):
        out = tmp_path / f"o_{method}.jpg"
        res = CliRunner().invoke(
            app, ["smooth", str(c), str(s), "-o", str(out), "--method", method]
        )
        assert res.exit_code == 0, res.output
        assert load_image(out).shape == (20, 24, 3)
    res = CliRunner().invoke(
        app, ["smooth", str(c), str(s), "-o", str(tmp_path / "x.png"), "--lam", "-1"]
    )
    assert res.exit_code == 2 and "lam" in res.output


@pytest.mark.slow
def test_cli_train_and_resume(tmp_path, rng):
    data = tmp_path / "photos" / "nested"
    data.mkdir(parents=True)
    for i in range(3):
        save_image(data / f"{i}.jpg", rng.random((24, 30, 3)))
    out = tmp_path / "d1.safetensors"
    args = ["train", "--level", "1", "--data", str(tmp_path / "photos"), "--out", str(out)]
    args += ["--steps", "2", "--crop", "16", "--batch-size", "2"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert out.is_file() and out.with_suffix(".ckpt").is_file()
    res = CliRunner().invoke(
        app, [*args[:-6], "--steps", "3", "--crop", "16", "--batch-size", "2", "--resume"]
    )
    assert res.exit_code == 0 and "from step 2" in res.output
    res = CliRunner().invoke(app, ["train", "--level", "7", "--data", str(data), "--out", str(out)])
    assert res.exit_code == 2 and "level" in res.output
    res = CliRunner().invoke(
        app, ["train", "--level", "1", "--data", str(tmp_path / "none"), "--out", str(out)]
    )
    assert res.exit_code == 2 and "not found" in res.output
