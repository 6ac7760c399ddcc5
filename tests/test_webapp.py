"""End-to-end browser test of ``photostyle serve``: Playwright driving Debian's chromium.

Skipped when gradio/playwright/chromium are missing, unless ``PHOTOSTYLE_REQUIRE_BROWSER=1``
(set by ``.ci/run``, which installs chromium), in which case a missing piece is a failure.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "images"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _require(ok: bool, what: str) -> None:
    if not ok:
        if os.environ.get("PHOTOSTYLE_REQUIRE_BROWSER") == "1":
            raise RuntimeError(f"{what} required for the browser test but missing")
        pytest.skip(f"{what} not available")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    """The server's stderr (its log)."""
    return tmp_path_factory.mktemp("serve") / "server.log"


@pytest.fixture(scope="module")
def server(server_log):
    for mod in ("gradio", "playwright"):
        try:
            __import__(mod)
        except ImportError:
            _require(False, mod)
    _require(Path(CHROMIUM).exists(), "chromium")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "photostyle", "serve", "--port", str(port), "--max-file-mb", "5"],
        stdout=subprocess.DEVNULL,
        stderr=server_log.open("w"),
    )
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("photostyle serve did not start") from None
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1280, "height": 1600})
        pg.goto(server)
        yield pg
        browser.close()


def _screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: ``$PHOTOSTYLE_SCREENSHOTS`` when set (to keep them), else the
    test's temporary folder; tests never write into the repository."""
    out = Path(os.environ.get("PHOTOSTYLE_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _upload(page, elem_id: str, path: Path) -> None:
    page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))
    page.locator(f"#{elem_id}").get_by_text(path.stem).first.wait_for(timeout=60_000)


@pytest.mark.slow
def test_transfer_in_the_browser(page, tmp_path):
    """The status line shows the stage while the transfer runs, the result appears with the
    whole time, and the look (.cube) is fitted after the result is on screen."""
    content, style = DEMO / "coffee.png", DEMO / "rocket.jpg"
    w, h = Image.open(content).size
    shots = _screenshot_dir(tmp_path)
    _upload(page, "content", content)
    _upload(page, "style", style)
    page.wait_for_function(  # each upload shows a preview of the decoded photo
        "() => ['#content_view img', '#style_view img'].every(s => {"
        " const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; })",
        timeout=60_000,
    )
    page.click("#run")
    page.wait_for_function(  # a stage with the seconds so far, while it runs
        "() => { const t = document.querySelector('#info textarea');"
        " return t && /(stylize|smoothing|matching|labels).* s\\)$/.test(t.value); }",
        timeout=300_000,
    )
    stage = page.input_value("#info textarea")
    page.screenshot(path=str(shots / "webapp_running.png"), full_page=True)
    page.wait_for_function(
        "() => { const t = document.querySelector('#info textarea');"
        " return t && t.value.startsWith('result'); }",
        timeout=600_000,
    )
    info = page.input_value("#info textarea")
    assert info.startswith(f"result {w}x{h} in ") and "transfer" in info, info
    page.wait_for_function(
        "() => { const ims = [...document.querySelectorAll('#slider img, #strip img')];"
        " return ims.length >= 3 && ims.every(i => i.complete && i.naturalWidth > 0); }",
        timeout=60_000,
    )
    result_shown = "look (.cube) fitted" not in page.input_value("#info textarea")
    page.wait_for_function(
        "() => document.querySelector('#info textarea').value.includes('look (.cube) fitted')",
        timeout=300_000,
    )
    page.wait_for_timeout(1000)  # let the slider lay itself out before the screenshot
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('#slider img')]"
        ".map(i => [i.naturalWidth, i.naturalHeight])"
    )
    assert [w, h] in sizes, sizes
    shot_path = shots / "webapp.png"
    page.screenshot(path=str(shot_path), full_page=True)
    for name in ("webapp_running.png", "webapp.png"):
        shot = np.asarray(Image.open(shots / name))
        assert shot.shape[0] > 400 and shot.std() > 10  # a rendered page, not a blank one
    assert result_shown, "the result was on screen before the look was fitted"
    assert any(s in stage for s in ("stylize", "smoothing", "matching", "labels")), stage


@pytest.mark.slow
def test_non_image_shows_error(page, tmp_path):
    bad = tmp_path / "notes.jpg"
    bad.write_text("this is a text file, not a photo\n")
    _upload(page, "content", bad)
    _upload(page, "style", DEMO / "rocket.jpg")
    page.click("#run")
    page.get_by_text("not an image file").first.wait_for(timeout=120_000)
    assert page.input_value("#info textarea") == ""


def test_handler_previews_and_download_formats(untrained, tmp_path, rng):
    """Without a browser: HEIC uploads get a preview; the download has the chosen format, the
    content's EXIF and an sRGB profile."""
    from photostyle.cli.webapp import DOWNLOAD_FORMATS, fit_look, preview, run_transfer
    from photostyle.files.images import register_plugins

    register_plugins()
    im = Image.fromarray((rng.random((60, 80, 3)) * 255).astype(np.uint8))
    exif = im.getexif()
    exif[0x0110] = "PhoneCam"
    im.save(tmp_path / "phone.heic", format="HEIF", exif=exif.tobytes())
    view = preview(str(tmp_path / "phone.heic"))
    assert view.dtype == np.uint8 and view.shape == (60, 80, 3)
    (tmp_path / "junk.heic").write_bytes(b"junk")
    assert preview(str(tmp_path / "junk.heic")) is None and preview(None) is None
    for label, (ext, _) in DOWNLOAD_FORMATS.items():
        args = (str(tmp_path / "phone.heic"), str(tmp_path / "phone.heic"), None, None, False)
        args += ("guided", -4.0, 64, True, True, 1.0, label)
        _, _, path, info, job = run_transfer(*args)
        look, seconds = fit_look(job)
        assert seconds > 0
        out = Image.open(path)
        assert path.endswith(ext) and path.split("/")[-1].startswith("phone_photostyle")
        assert out.size == (80, 60) and info.startswith("result 80x60")
        assert out.getexif().get(0x0110) == "PhoneCam" or ext == ".tif"
        assert out.info.get("icc_profile") or ext == ".tif"
        from photostyle.looks.look import Look

        assert Look.load(look).size == 33 and look.endswith("phone_look.cube")
    with pytest.raises(ValueError, match="download format"):
        run_transfer(*args[:-1], "GIF")


def test_stream_reports_stages_while_the_work_runs():
    from photostyle.cli.webapp import stream

    def work(progress):
        for stage in ("stylize level 4", "smoothing: CG iteration 3, about 4 s left"):
            progress(stage)
            time.sleep(0.3)
        return "done"

    updates = list(stream(work, poll_s=0.1))
    assert updates[-1] == ("", "done")
    statuses = [s for s, out in updates[:-1]]
    assert any(s.startswith("stylize level 4 (") for s in statuses)
    assert any("about 4 s left" in s for s in statuses)

    def bad(progress):
        raise ValueError("content.jpg: not an image file")

    with pytest.raises(ValueError, match="not an image"):
        list(stream(bad, poll_s=0.05))


@pytest.mark.slow
def test_settings_past_the_page_are_refused_without_a_crash_in_the_log(server, server_log):
    """A client without the page (gradio's own client here) sends values past the sliders'
    bounds and choices not listed: each is refused in one line naming the setting, and the
    server's log has no traceback (gradio's own checks raised before the handler, logged)."""
    from gradio_client import Client, handle_file

    client = Client(server + "/", verbose=False)
    files = [handle_file(str(DEMO / "coffee.png")), handle_file(str(DEMO / "rocket.jpg"))]
    base = [*files, None, None, False, "guided", -4.0, 128, True, True, 1.0, "PNG", 1.0, 0.35, True]
    for index, value, needle in (
        (6, 1000.0, "log10_lam must be in -6..-1, got 1000"),
        (7, 99999, "max_side must be in 64..1024"),
        (5, "bilateral", "smoothing must be exact, guided or none"),
        (11, "GIF", "download format must be one of"),
    ):
        args = list(base)
        args[index] = value
        with pytest.raises(Exception, match=needle):
            client.predict(*args, api_name="/handler")
    assert "Traceback" not in server_log.read_text()


def test_compare_settings_view_renders_the_grid(untrained, tmp_path, rng):
    """Without a browser: the "compare settings" view's sheet (6 lambdas with the page's
    10^-3.5 added, 2 localities) and its plot; bad input named as on the page."""
    from photostyle.cli.web_compare import compare_settings

    for name in ("holiday.png", "look.png"):
        Image.fromarray((rng.random((48, 64, 3)) * 255).astype(np.uint8)).save(tmp_path / name)
    stages = []
    args = (str(tmp_path / "holiday.png"), str(tmp_path / "look.png"), None, None, False)
    sheet, plot, status = compare_settings(
        *args, "guided", -3.5, 64, progress=lambda m, f=None: stages.append(m)
    )
    assert status.startswith("12 settings compared")
    assert sheet.dtype == np.uint8 and sheet.shape[1] >= 6 * 100 and plot.shape[1] > 600
    assert "compared 12 of 12 settings" in stages
    (tmp_path / "notes.png").write_text("not a photo")
    with pytest.raises(ValueError, match="^notes.png: not an image"):
        compare_settings(str(tmp_path / "notes.png"), *args[1:], "guided", -3.0, 64)
