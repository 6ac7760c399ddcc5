"""Hostile inputs to ``transfer``, ``batch`` and the web app: a device the machine does not
have, CSV files as spreadsheets write them, control characters in names, uploads named by
the server's temporary paths, settings a page should never send."""

import numpy as np
import pytest
import torch
from hostile import assert_refused, invoke, photos, snapshot

from photostyle.batch.local import read_pairs
from photostyle.device import resolve_device
from photostyle.files.images import ImageError


@pytest.fixture
def pair(tmp_path, rng):
    photos(tmp_path, ["c.png", "s.png"], rng)
    (tmp_path / "pairs.csv").write_text("content,style\nc.png,s.png\n")
    return tmp_path


def test_a_cuda_device_this_machine_lacks_is_refused_before_work(pair):
    with pytest.raises(ValueError, match="device cuda:64: this machine has|not available"):
        resolve_device("cuda:64")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: --device cuda is a valid choice here")
    before = snapshot(pair)
    for args in (
        ["transfer", pair / "c.png", pair / "s.png", "-o", pair / "o.png"],
        ["batch", pair / "pairs.csv", "-o", pair / "out"],
        ["dataset", pair, "--styles", pair, "-o", pair.parent / "dataset_out"],
    ):
        code, output = invoke(*args, "--device", "cuda")
        assert_refused(code, output, ("--device cuda", "not available"), before, pair)
        assert not (pair.parent / "dataset_out").exists()


def test_csv_as_spreadsheets_save_it(tmp_path, rng):
    """Excel's "CSV UTF-8": a byte-order mark, CRLF line ends, quoted fields with commas."""
    photos(tmp_path, ["my, photo.png", "style.png"], rng)
    text = 'content,style,output\r\n"my, photo.png",style.png,"out, 1.png"\r\n'
    (tmp_path / "pairs.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    jobs, errors = read_pairs(tmp_path / "pairs.csv", tmp_path / "out")
    assert errors == [] and len(jobs) == 1
    assert jobs[0].content == tmp_path / "my, photo.png"
    assert jobs[0].output == tmp_path / "out" / "out, 1.png"


def test_control_characters_in_a_cell_are_shown_escaped(pair):
    (pair / "nul.csv").write_bytes(b"content,style\nc\x00.png,s.png\n")
    code, output = invoke("batch", pair / "nul.csv", "-o", pair / "out")
    assert code == 2 and "\x00" not in output, output
    assert "c\\x00.png: file not found" in output
    (pair / "bell.csv").write_bytes(b"content,style\nc.png\x1b[31m,s.png\n")
    code, output = invoke("batch", pair / "bell.csv", "-o", pair / "out")
    assert code == 2 and "\x1b" not in output and "c.png\\x1b[31m" in output, output


def test_an_excel_workbook_given_as_csv_is_named(pair):
    (pair / "pairs.xlsx.csv").write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\xff\xfe junk")
    before = snapshot(pair)
    code, output = invoke("batch", pair / "pairs.xlsx.csv", "-o", pair / "out")
    needles = ("pairs.xlsx.csv", "not a readable CSV (a spreadsheet workbook; save it as CSV)")
    assert_refused(code, output, needles, before, pair)


def test_the_number_of_automatic_labels_is_capped_and_says_so(pair):
    from photostyle.defaults import MAX_AUTO_LABELS

    before = snapshot(pair)
    args = ["transfer", pair / "c.png", pair / "s.png", "-o", pair / "o.png"]
    code, output = invoke(*args, "--label-count", "1000")
    assert_refused(code, output, ("--label-count", f"1..{MAX_AUTO_LABELS}"), before, pair)
    code, output = invoke("transfer", "--help")
    assert code == 0 and f"1..{MAX_AUTO_LABELS}" in output


def web_args(content, style, **kw):
    args = dict(content_file=str(content), style_file=str(style), content_mask=None)
    args.update(style_mask=None, auto_labels=False, smoothing="guided", log10_lam=-4.0)
    return {**args, "max_side": 64, **kw}


@pytest.fixture
def upload(tmp_path, rng):
    """Uploads where gradio keeps them: a hashed temporary folder, the user's file name."""
    folder = tmp_path / "gradio" / "8f2c0a9d41be7e3f5a6c2d1e0b9a8f7c6d5e4f3a"
    photos(folder, ["holiday.jpg", "look.png"], rng, size=(60, 80))
    return folder


def test_web_errors_name_the_users_file_not_the_servers_path(upload):
    from photostyle.cli.webapp import run_transfer

    (upload / "notes.jpg").write_text("a text file, not a photo")
    with pytest.raises(ImageError) as err:
        run_transfer(**web_args(upload / "notes.jpg", upload / "look.png"))
    assert str(err.value).startswith("notes.jpg: not an image") and str(upload) not in str(err)
    with pytest.raises(ImageError) as err:
        run_transfer(**web_args(upload / "holiday.jpg", upload / "look.png"), max_pixels=1000)
    message = str(err.value)
    assert message.startswith("holiday.jpg: image is 80x60") and "server's limit" in message
    assert "max_pixels" not in message and str(upload) not in message


@pytest.mark.parametrize(
    "setting, needle",
    [({"log10_lam": 1000.0}, "settings: "), ({"log10_lam": float("nan")}, "lam must be"),
     ({"max_side": -5}, "max_side"), ({"smoothing": "bilateral"}, "smoothing must be"),
     ({"strength": "x"}, "settings: ")],
)  # fmt: skip
def test_web_settings_out_of_range_are_refused_in_one_line(upload, setting, needle):
    """lam 1e1000 overflowed (a traceback in the server log); every bad setting is now one
    ValueError, which the page shows and the server does not log as a crash."""
    from photostyle.cli.webapp import run_transfer

    with pytest.raises(ValueError) as err:
        run_transfer(**web_args(upload / "holiday.jpg", upload / "look.png", **setting))
    assert type(err.value) is ValueError and needle in str(err.value)
    assert "\n" not in str(err.value)


def test_transfer_output_into_a_folder_it_cannot_write(pair):
    from hostile import locked

    (pair / "ro").mkdir()
    before = snapshot(pair)
    with locked(pair / "ro"):
        code, output = invoke("transfer", pair / "c.png", pair / "s.png", "-o", pair / "ro/o.png")
    assert_refused(code, output, (str(pair / "ro"),), before, pair)
    assert not np.any([p.name.startswith(".o.png") for p in (pair / "ro").iterdir()])
