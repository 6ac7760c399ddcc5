"""More hostile inputs, found by trying files that cameras, phones, print shops, HDR tools
and spreadsheets produce, and output paths a user mistypes: each is read as documented or
refused in one line naming the file, before any work, with nothing changed or added."""

import numpy as np
import pytest
import tifffile
from hostile import assert_refused, invoke, locked, photos, snapshot
from PIL import Image

from photostyle.batch.local import read_pairs
from photostyle.files.images import ImageError, load_image

FAST = ("--smoothing", "guided", "--max-side", "64")


def rgb(rng, h=40, w=56):
    return Image.fromarray((rng.random((h, w, 3)) * 255).astype(np.uint8))


def odd_files(folder, rng):
    """name -> how it is read: ``(H, W)`` of the image that comes out."""
    im = rgb(rng)
    im.convert("CMYK").save(folder / "print_shop.jpg")  # CMYK JPEG
    im.save(folder / "animated.gif", save_all=True, append_images=[rgb(rng)])
    im.save(folder / "animated.webp", save_all=True, append_images=[rgb(rng)])
    im.convert("LA").save(folder / "grey_alpha.png")
    im.convert("P").save(folder / "palette_transparent.png", transparency=0)
    for value in (0, 9):  # orientation values outside 1..8, as some phones write them
        exif = im.getexif()
        exif[0x0112] = value
        im.save(folder / f"orientation_{value}.jpg", exif=exif)
    tifffile.imwrite(folder / "two_pages.tif", np.stack([np.asarray(im)] * 2))
    return {
        "print_shop.jpg": (40, 56), "animated.gif": (40, 56), "animated.webp": (40, 56),
        "grey_alpha.png": (40, 56), "palette_transparent.png": (40, 56),
        "orientation_0.jpg": (40, 56), "orientation_9.jpg": (40, 56), "two_pages.tif": (40, 56),
    }  # fmt: skip


def test_odd_but_valid_photos_are_read(tmp_path, rng):
    for name, shape in odd_files(tmp_path, rng).items():
        a = load_image(tmp_path / name)
        assert a.shape == (*shape, 3) and a.dtype == np.float32, name
        assert 0 <= a.min() and a.max() <= 1 and a.std() > 0.05, name


def test_a_float_tiff_from_hdr_tools_is_named_as_such(tmp_path, rng):
    """It was 'not an image file (format not recognised)', which it is."""
    hdr = rng.random((40, 56, 3)).astype(np.float32)
    tifffile.imwrite(tmp_path / "merged_hdr.tif", hdr, photometric="rgb")
    photos(tmp_path, ["s.png"], rng)
    before = snapshot(tmp_path)
    code, output = invoke("transfer", tmp_path / "merged_hdr.tif", tmp_path / "s.png", "-o",
                          tmp_path / "o.png")  # fmt: skip
    needles = ("merged_hdr.tif: a TIFF of float32 samples", "8 or 16-bit integer")
    assert_refused(code, output, needles, before, tmp_path)


def test_output_paths_a_user_mistypes(tmp_path, rng):
    photos(tmp_path, ["c.png", "s.png"], rng)
    (tmp_path / "results").mkdir()
    (tmp_path / "kept.png").write_bytes((tmp_path / "c.png").read_bytes())
    args = ["transfer", tmp_path / "c.png", tmp_path / "s.png", "-o"]
    before = snapshot(tmp_path)
    code, output = invoke(*args, tmp_path / "results")  # a folder, not a file name
    assert_refused(code, output, ("results: is a folder", "results/result.png"), before, tmp_path)
    with locked(tmp_path / "kept.png"):  # a locked result of an earlier run
        code, output = invoke(*args, tmp_path / "kept.png", *FAST)
    assert_refused(code, output, ("kept.png: the file is read-only",), before, tmp_path)


@pytest.mark.parametrize(
    "data, rows",
    [
        (b"content;style\r\nc.png;s.png\r\n", 1),  # a locale with decimal commas: semicolons
        (b"content\tstyle\nc.png\ts.png\n", 1),  # tab-separated
        ("content,style\ncaf\xe9.png,s.png\n".encode("cp1252"), 1),  # Excel's plain "CSV"
    ],
)
def test_csv_dialects_spreadsheets_write(tmp_path, rng, data, rows):
    photos(tmp_path, ["c.png", "s.png", "café.png"], rng)
    (tmp_path / "pairs.csv").write_bytes(data)
    jobs, errors = read_pairs(tmp_path / "pairs.csv", tmp_path / "out")
    assert errors == [] and len(jobs) == rows
    assert jobs[0].content.name in ("c.png", "café.png")


def test_csv_rows_that_cannot_run_and_a_csv_with_none(tmp_path, rng):
    photos(tmp_path, ["c.png", "s.png"], rng)
    (tmp_path / "album.png").mkdir()
    (tmp_path / "pairs.csv").write_text("content,style\nalbum.png,s.png\n")
    _, errors = read_pairs(tmp_path / "pairs.csv", tmp_path / "out")
    assert errors == [
        f"{tmp_path / 'pairs.csv'}:2: content album.png: is a folder, not an image file"
    ]
    (tmp_path / "empty.csv").write_text("content,style\n")
    before = snapshot(tmp_path)
    code, output = invoke("batch", tmp_path / "empty.csv", "-o", tmp_path / "out")
    assert_refused(code, output, ("empty.csv: no pairs",), before, tmp_path)
    with pytest.raises(ImageError, match="not a readable CSV"):
        (tmp_path / "bad.csv").write_bytes(b"content,style\n\x81\x8d\x8f\x90\n")
        read_pairs(tmp_path / "bad.csv", tmp_path / "out")


def test_dataset_folders_with_odd_names_and_links(untrained, tmp_path, rng):
    """A file name with a newline, a broken link, a link loop: the run finishes, the names
    come out escaped in messages, and the loop is not followed forever."""
    content = photos(tmp_path / "c", ["plain.png", "two\nlines.png"], rng)
    (content / "gone.png").symlink_to(tmp_path / "missing.png")
    (content / "sub").mkdir()
    (content / "sub" / "loop").symlink_to("..")
    styles = photos(tmp_path / "s", ["s.png"], rng)
    code, output = invoke("dataset", content, "--styles", styles, "-o", tmp_path / "o", *FAST)
    assert code == 0 and "2 done" in output, output
    assert (tmp_path / "o" / "two\nlines__s.png").is_file()
    link = tmp_path / "o_link"
    link.symlink_to(content / "sub")  # an output folder that is, through a link, inside
    before = snapshot(tmp_path / "c")
    code, output = invoke("dataset", content, "--styles", styles, "-o", link, *FAST)
    assert_refused(code, output, ("inside the content folder",), before, tmp_path / "c")
