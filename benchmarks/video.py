"""The temporal part of ``benchmarks/looks.py`` (issue 15): frames per second and added
flicker of video looks; run by ``looks.py`` (``--parts video``), results in its ``looks.json``.

Test clips are made from the 8 MP iPhone photo of ``../shared/data/highres`` like the test's:
2 s at 24 frames/s, a slow pan and zoom (known motion) with an exposure ramp and audio, at
720p and 1080p. The look (the stylizing look of 3 keyframes' transfers, as ``photostyle
video`` fits it) is applied with :func:`photostyle.looks.video.apply_look_to_video` to H.264
(.mp4) and ProRes (.mov). ``cold``: the first clip of a look (its 256^3 table is built
during it); ``warm``: again.
Warping error: mean |frame t - frame t-1 warped with the known motion|, input and output.

Frames mode (``--mode frames``: the full transfer of every frame) on a 1 s 720p clip of the
same kind, dpst-dev style 09, with and without the colour anchor (the regression look of 3
keyframes' results): frames per second (the whole video command after the keyframes:
decode, transfer, encode) and added flicker.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import test_video as clips  # noqa: E402 (the test's clip maker and warping error)

from photostyle.files.images import load_image  # noqa: E402
from photostyle.looks.look import Look  # noqa: E402
from photostyle.looks.video import (  # noqa: E402
    FrameTransfer,
    apply_look_to_video,
    keyframe_results,
    keyframes,
    restyle_video,
)

DATA = ROOT.parent / "shared" / "data"


def frames_mode(src: Path, style: np.ndarray, anchor: Look, tmp: Path, n: int) -> dict:
    """Frames mode with and without the anchor on the ``n``-frame 720p clip ``src``."""
    e_in = clips.warp_error(clips.frames_of(src))
    row: dict = {"frames": n, "warp_error_in_x255": 255 * e_in}
    for name, stabilise in (("stabilised", True), ("unstabilised", False)):
        out = tmp / f"frames_{name}.mp4"
        stats = restyle_video(src, out, FrameTransfer(style, anchor, stabilise))
        e_out = clips.warp_error(clips.frames_of(out))
        row[name] = {"fps": stats["fps"], "seconds_per_frame": stats["seconds"] / n}
        row[name]["warp_error_out_x255"] = 255 * e_out
        row[name]["added_flicker_x255"] = 255 * (e_out - e_in)
        print("frames mode", name, {k: round(v, 3) for k, v in row[name].items()}, flush=True)
    return row


def look_mode(photo: np.ndarray, look: Look, tmp: Path) -> dict:
    """The look applied to 2 s clips at 720p and 1080p: H.264 cold and warm, ProRes warm."""
    runs = {}
    for w, h in ((1280, 720), (1920, 1080)):
        src = tmp / f"clip{h}.mp4"
        clips.make_clip(photo[:2200, :3200], src, (w, h))
        row = {}
        for ext in (".mp4", ".mov"):
            for phase in ("cold", "warm") if ext == ".mp4" else ("warm",):
                stats = apply_look_to_video(src, tmp / f"out{h}{ext}", look)
                row[f"{ext[1:]}_{phase}_fps"] = stats["fps"]
        e_in = clips.warp_error(clips.frames_of(src))
        e_out = clips.warp_error(clips.frames_of(tmp / f"out{h}.mp4"))
        row |= {"warp_error_in_x255": 255 * e_in, "warp_error_out_x255": 255 * e_out}
        row["added_flicker_x255"] = 255 * (e_out - e_in)
        runs[f"{h}p"] = row
        print(h, {k: round(v, 3) for k, v in row.items()}, flush=True)
    return runs


def temporal(frames_mode_frames: int = 24) -> dict:
    """Keyframes of a 720p clip transferred once (dpst-dev style 09): their stylizing look for
    look mode (720p and 1080p), their regression look as frames mode's anchor."""
    tmp = Path(tempfile.mkdtemp(prefix="photostyle_video_"))
    photo = load_image(DATA / "highres" / "iphone_hdr_YES.jpg")
    style = load_image(DATA / "dpst-dev" / "style" / "09.png")
    src = tmp / "frames720.mp4"
    clips.make_clip(photo[:2200, :3200], src, (1280, 720), frames_mode_frames)
    frames = keyframes(src, 3)
    results = keyframe_results(frames, style)
    look = Look.fit(frames, results, style=style)
    r = look_mode(photo, look, tmp)
    fm = frames_mode(src, style, Look.fit(frames, results), tmp, frames_mode_frames)
    return {
        "clip": "2 s, 24 frames/s, pan + zoom + exposure ramp, AAC audio",
        "look": "stylizing look of 3 keyframes, dpst-dev style 09",
        "runs": r,
        "frames_mode_720p": fm,
        "goals": {
            "1080p_ge_15fps": r["1080p"]["mp4_warm_fps"] >= 15,
            "added_flicker_le_0.5": all(v["added_flicker_x255"] <= 0.5 for v in r.values()),
            "frames_mode_stabilised_adds_less_flicker": fm["stabilised"]["added_flicker_x255"]
            < fm["unstabilised"]["added_flicker_x255"],
        },
    }
