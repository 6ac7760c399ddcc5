"""Video look mode: frames per second and added flicker (issue 15), one run, one process.

Test clips are made from the 8 MP iPhone photo of ``../shared/data/highres`` like the test's:
2 s at 24 frames/s, a slow pan and zoom (known motion) with an exposure ramp and audio, at
720p and 1080p. A look (a tone curve and a warm grade, fitted with :meth:`Look.fit`) is
applied with :func:`photostyle.video.apply_look_to_video` to H.264 (.mp4) and ProRes (.mov).
``cold``: the first clip of a look (its 256^3 table is built during it); ``warm``: again.
Warping error: mean |frame t - frame t-1 warped with the known motion|, input and output.

Frames mode (``--mode frames``: the full transfer of every frame) on a 1 s 720p clip of the
same kind, dpst-dev style 09, with and without the colour anchor (the regression look of 3
keyframes' results): frames per second (the whole video command after the keyframes:
decode, transfer, encode) and added flicker. Writes ``benchmarks/results/video.json``.
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import test_video as clips  # noqa: E402 (the test's clip maker and warping error)

from photostyle.io import load_image  # noqa: E402
from photostyle.look import Look  # noqa: E402
from photostyle.video import (  # noqa: E402
    FrameTransfer,
    apply_look_to_video,
    keyframe_results,
    keyframes,
    restyle_video,
)

DATA = ROOT.parent / "shared" / "data"


def frames_mode(photo: np.ndarray, tmp: Path, n: int = 24) -> dict:
    """Frames mode with and without the anchor on an ``n``-frame 720p clip."""
    src = tmp / "frames720.mp4"
    clips.make_clip(photo[:2200, :3200], src, (1280, 720), n)
    style = load_image(DATA / "dpst-dev" / "style" / "09.png")
    frames = keyframes(src, 3)
    anchor = Look.fit(frames, keyframe_results(frames, style))
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


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="photostyle_video_"))
    photo = load_image(ROOT.parent / "shared" / "data" / "highres" / "iphone_hdr_YES.jpg")
    small = photo[::4, ::4]
    graded = np.clip(small**1.2 * np.array([1.0, 0.9, 0.8], np.float32) + 0.05, 0, 1)
    result: dict = {"clip": "2 s, 24 frames/s, pan + zoom + exposure ramp, AAC audio", "runs": {}}
    for w, h in ((1280, 720), (1920, 1080)):
        src = tmp / f"clip{h}.mp4"
        clips.make_clip(photo[:2200, :3200], src, (w, h))
        look = Look.fit(small, graded.astype(np.float32))
        row = {}
        for ext in (".mp4", ".mov"):
            for phase in ("cold", "warm") if ext == ".mp4" else ("warm",):
                stats = apply_look_to_video(src, tmp / f"out{h}{ext}", look)
                row[f"{ext[1:]}_{phase}_fps"] = stats["fps"]
        e_in = clips.warp_error(clips.frames_of(src))
        e_out = clips.warp_error(clips.frames_of(tmp / f"out{h}.mp4"))
        row |= {"warp_error_in_x255": 255 * e_in, "warp_error_out_x255": 255 * e_out}
        row["added_flicker_x255"] = 255 * (e_out - e_in)
        result["runs"][f"{h}p"] = row
        print(h, {k: round(v, 3) for k, v in row.items()}, flush=True)
    r = result["runs"]
    result["frames_mode_720p"] = fm = frames_mode(photo, tmp)
    result["goals"] = {
        "1080p_ge_15fps": r["1080p"]["mp4_warm_fps"] >= 15,
        "added_flicker_le_0.5": all(v["added_flicker_x255"] <= 0.5 for v in r.values()),
        "frames_mode_stabilised_adds_less_flicker": fm["stabilised"]["added_flicker_x255"]
        < fm["unstabilised"]["added_flicker_x255"],
    }
    out = ROOT / "benchmarks" / "results" / "video.json"
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result["goals"]))


if __name__ == "__main__":
    main()
