"""Video: a look fitted on keyframes and applied to every frame, read/written with PyAV.

The test clip is made from a real photo: a slow pan and zoom (known motion) with a slight
exposure ramp, 2 s at 720p and 24 frames/s, with an audio track.
"""

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from photostyle.cli.app import app
from photostyle.files.images import load_image, save_image

av = pytest.importorskip("av")
W, H, FPS, N = 1280, 720, 24, 48


def boxes(n: int = N, width: int = W):
    """Crop box (x0, y0, scale) of each of ``n`` frames ``width`` pixels wide in the source
    photo: pan right, zoom in (the same field of view at every frame size)."""
    t = np.linspace(0, 1, n)
    return [(40 + 120 * v, 30 + 40 * v, (1.6 - 0.15 * v) * W / width) for v in t]


def make_clip(photo: np.ndarray, path, size: tuple[int, int] = (W, H), n: int = N) -> None:
    """H.264 in ``.mp4``/``.mov``; in ``.mkv``, lossless FFV1, whose frames are the same on
    every run (x264's are not, even on one thread: measured here, the input's flicker varied
    by 3e-5 from run to run)."""
    w, h = size
    src = Image.fromarray((photo * 255 + 0.5).astype(np.uint8))
    lossless = str(path).endswith(".mkv")
    with av.open(str(path), "w") as out:
        if lossless:
            v = out.add_stream("ffv1", rate=FPS)
        else:
            v = out.add_stream("libx264", rate=FPS, options={"crf": "12"})
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        a = out.add_stream("aac", rate=44100)
        for i, (x0, y0, s) in enumerate(boxes(n, w)):
            crop = src.transform((w, h), Image.AFFINE, (s, 0, x0, 0, s, y0), Image.BILINEAR)
            gain = 0.9 + 0.2 * i / (n - 1)  # exposure ramp
            rgb = np.clip(np.asarray(crop, np.float32) * gain, 0, 255).astype(np.uint8)
            out.mux(v.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(v.encode(None))
        t = np.arange(round(n / FPS * 44100)) / 44100
        samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
        for k in range(0, samples.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(
                samples[:, k : k + 1024], format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 44100, k
            out.mux(a.encode(frame))
        out.mux(a.encode(None))


def frames_of(path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24").astype(np.float32) / 255 for f in c.decode(video=0)]


def warp_error(frames: list[np.ndarray], every: int = 6) -> float:
    """Mean |frame t - frame t-1 warped onto t| with the known motion (inner pixels; a
    clip made by :func:`make_clip`, any size and length), over every ``every``-th pair."""
    from scipy.ndimage import map_coordinates

    h, w = frames[0].shape[:2]
    b = boxes(len(frames), w)
    step, margin = max(1, h // 180), h // 18  # 4 and 40 pixels at 720p
    yy, xx = np.mgrid[margin : h - margin : step, margin : w - margin : step].astype(np.float64)
    i0 = margin // step
    errs = []
    for t in range(1, len(frames), every):
        (x1, y1, s1), (x0, y0, s0) = b[t], b[t - 1]
        px, py = x1 + s1 * xx, y1 + s1 * yy  # photo coordinates of frame t's pixels
        u, v = (px - x0) / s0, (py - y0) / s0  # ... in frame t-1
        prev = np.stack(
            [map_coordinates(frames[t - 1][..., c], [v, u], order=1) for c in range(3)], -1
        )
        now = frames[t][::step, ::step][i0 : i0 + yy.shape[0], i0 : i0 + yy.shape[1]]
        errs.append(np.abs(now - prev).mean())
    return float(np.mean(errs))


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from conftest import require_shared

    photo = load_image(require_shared("highres") / "iphone_hdr_YES.jpg")[:1400, :2400]
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    make_clip(photo, path)
    return path


def test_video_look_mode_keeps_rate_frames_audio_and_adds_no_flicker(untrained, tmp_path, clip):
    style = tmp_path / "style.png"
    save_image(
        style, np.clip(np.random.default_rng(0).normal([0.8, 0.5, 0.3], 0.1, (60, 80, 3)), 0, 1)
    )
    out = tmp_path / "out.mp4"
    args = ["video", str(clip), str(style), "-o", str(out), "--keyframes", "2"]
    res = CliRunner().invoke(app, [*args, "--lut", str(tmp_path / "v.cube")])
    assert res.exit_code == 0, res.output
    assert "frames/s" in res.output and (tmp_path / "v.cube").is_file()
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert v.average_rate == FPS and (v.width, v.height) == (W, H)
        assert len(c.streams.audio) == 1
    ins, outs = frames_of(clip), frames_of(out)
    assert len(outs) == len(ins) == N
    assert np.abs(outs[0] - ins[0]).mean() > 5 / 255  # it was restyled
    added = warp_error(outs) - warp_error(ins)
    assert added <= 0.5 / 255, added  # the look adds no flicker


def test_video_bad_paths_fail_in_one_line(tmp_path, clip):
    style = tmp_path / "s.png"
    save_image(style, np.zeros((20, 20, 3), np.float32))
    (tmp_path / "junk.mp4").write_bytes(b"not a video")
    for args, needle in (
        ([str(clip), str(style), "-o", str(tmp_path / "o.gif")], "unsupported video extension"),
        (
            [str(tmp_path / "junk.mp4"), str(style), "-o", str(tmp_path / "o.mp4")],
            "not a readable video",
        ),
        ([str(clip), str(style), "-o", str(tmp_path / "no" / "o.mp4")], "does not exist"),
    ):
        res = CliRunner().invoke(app, ["video", *args])
        assert res.exit_code == 2 and needle in res.output.splitlines()[-1], res.output


def test_video_frames_mode_transfers_every_frame_and_the_anchor_cuts_flicker(
    tmp_path, highres, dpst
):
    """Frames mode (real decoders, a small clip): every frame restyled by the full transfer;
    anchoring each frame's colours to the keyframe look adds less flicker than without.

    Measured per pixel (``--locality 1``), where each frame's own solve can flicker; at the
    default locality the grade is already smooth and the anchor removes less (0.3/255 here,
    against 3/255 per pixel). Flicker is measured over every frame pair of a lossless clip
    (it was two sampled pairs of an H.264 clip, whose frames vary from run to run)."""
    photo = load_image(highres / "iphone_hdr_YES.jpg")[:1400, :2400]
    clip, n = tmp_path / "small.mkv", 13
    make_clip(photo, clip, (224, 128), n)
    style = dpst / "style" / "09.png"
    added = {}
    for flag in ("--stabilise", "--no-stabilise"):
        out = tmp_path / f"out{flag}.mp4"
        args = ["video", str(clip), str(style), "-o", str(out), "--mode", "frames"]
        res = CliRunner().invoke(app, [*args, "--keyframes", "2", "--locality", "1", flag])
        assert res.exit_code == 0, res.output
        with av.open(str(out)) as c:
            assert c.streams.video[0].average_rate == FPS and len(c.streams.audio) == 1
        ins, outs = frames_of(clip), frames_of(out)
        assert len(outs) == n and outs[0].shape == (128, 224, 3)
        assert np.abs(outs[0] - ins[0]).mean() > 5 / 255  # restyled
        added[flag] = warp_error(outs, every=1) - warp_error(ins, every=1)
    assert added["--stabilise"] < added["--no-stabilise"] - 1 / 255, added


def test_video_mode_is_checked_before_work(tmp_path, clip):
    style = tmp_path / "s.png"
    save_image(style, np.zeros((20, 20, 3), np.float32))
    args = ["video", str(clip), str(style), "-o", str(tmp_path / "o.mp4"), "--mode", "film"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and "'--mode'" in res.output.splitlines()[-1], res.output
    assert "'look', 'frames'" in res.output.splitlines()[-1]
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("ext", [".mp4", ".mov", ".mkv"])
def test_rotation_flag_is_kept_and_frames_are_restyled_upright(untrained, tmp_path, ext):
    """A portrait phone clip (frames stored landscape, display rotation 90): the output keeps
    the stored size and the flag (read back by FFmpeg through PyAV), and the restyle saw the
    upright frame (frames mode here is the identity plus a marker in the upright top-left)."""
    from photostyle.looks.video import restyle_video

    src = tmp_path / "portrait.mp4"
    with av.open(str(src), "w") as out:
        v = out.add_stream("libx264", rate=FPS, options={"crf": "12"})
        v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        v.set_display_rotation(90)
        for _ in range(4):
            out.mux(v.encode(av.VideoFrame.from_ndarray(np.full((48, 64, 3), 90, np.uint8))))
        out.mux(v.encode(None))

    def mark(rgb):
        assert rgb.shape == (64, 48, 3)  # upright: portrait
        rgb = rgb.copy()
        rgb[:16, :16] = 250  # top-left of the upright picture
        return rgb

    out = tmp_path / f"out{ext}"
    restyle_video(src, out, mark)
    with av.open(str(out)) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == 4 and frames[0].rotation == 90
    stored = frames[0].to_ndarray(format="rgb24")
    assert stored.shape == (48, 64, 3)
    upright = np.rot90(stored, 1)  # what a player shows
    assert upright[:16, :16].mean() > 200 and upright[-16:, -16:].mean() < 120
