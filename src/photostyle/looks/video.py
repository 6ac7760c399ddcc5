"""Video: the look of a transfer applied to every frame (``photostyle video``).

Look mode (default): the full transfer runs on a few keyframes (evenly spaced, default 3), one
look (:class:`photostyle.looks.look.Look`) is fitted to all of them jointly, and that one global
colour map is applied to every frame: deterministic per pixel, so it adds no flicker.

Frames mode: the full transfer of every frame (the result varies in space as a photo's does),
stabilised over time by anchoring each frame's global colour to the keyframe look: the
frame's result ``R_t`` is mapped by one affine colour map to the colour mean and covariance of
the look applied to that frame, ``L(F_t)``, which is itself free of flicker
(:class:`FrameTransfer`). Per-frame WCT and colour statistics otherwise swing with the
framing; what the anchor buys is measured by ``benchmarks/looks.py``. Read and
written with PyAV (FFmpeg): frame rate and audio (copied) are kept, and so is a rotation flag
of the input (a phone's portrait clip): frames are restyled upright, stored as they were and
the output carries the same display rotation. The codec follows the extension:
``.mp4``/``.mkv`` H.264 (CRF 18), ``.mov`` ProRes 422 HQ (10-bit).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

#: Output extension -> (codec, pixel format, codec options).
CODECS = {
    ".mp4": ("libx264", "yuv420p", {"crf": "18", "preset": "fast"}),
    ".mkv": ("libx264", "yuv420p", {"crf": "18", "preset": "fast"}),
    ".mov": ("prores_ks", "yuv422p10le", {"profile": "3"}),
}
DEFAULT_KEYFRAMES = 3


def _rotate(rgb: np.ndarray, degrees: int) -> np.ndarray:
    """Apply a display rotation (counter-clockwise degrees, as FFmpeg reports it)."""
    return np.ascontiguousarray(np.rot90(rgb, (degrees // 90) % 4)) if degrees % 360 else rgb


def check_video_paths(src: str | os.PathLike, out: str | os.PathLike) -> None:
    """Fail fast: the input opens as a video, the output's extension and folder are usable."""
    import av

    from photostyle.errors import ImageError
    from photostyle.files.paths import check_not_input

    o = Path(out)
    check_not_input(o, src)
    if o.suffix.lower() not in CODECS:
        raise ImageError(f"{o}: unsupported video extension (use {', '.join(CODECS)})")
    if not (o.parent if str(o.parent) else Path(".")).is_dir():
        raise ImageError(f"{o}: output folder {o.parent} does not exist")
    try:
        with av.open(str(src)) as c:
            if not c.streams.video:
                raise ImageError(f"{src}: no video stream")
    except av.FFmpegError as exc:
        raise ImageError(f"{src}: not a readable video ({exc})") from None


def keyframes(src: str | os.PathLike, count: int = DEFAULT_KEYFRAMES) -> list[np.ndarray]:
    """``count`` evenly spaced frames of the video (float32 RGB in [0, 1], upright).

    Only the chosen frames are kept in memory (the frame count comes from the container, or
    from a first decoding pass where it does not say)."""
    import av

    with av.open(str(src)) as c:
        total = c.streams.video[0].frames or sum(1 for _ in c.decode(video=0))
    picks = set(np.linspace(0, total - 1, min(count, total)).round().astype(int).tolist())
    out = []
    with av.open(str(src)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i in picks:
                rgb = _rotate(frame.to_ndarray(format="rgb24"), frame.rotation)
                out.append(rgb.astype(np.float32) / 255)
                if len(out) == len(picks):
                    break
    return out


def _geometry(src: str | os.PathLike) -> tuple[int, int, int]:
    """``(width, height, rotation)`` of the first frame of the video."""
    import av

    with av.open(str(src)) as c:
        f = next(c.decode(c.streams.video[0]))
        return f.width, f.height, f.rotation


def keyframe_results(
    frames: list[np.ndarray], style: object, options: object = None
) -> list[np.ndarray]:
    """The full transfer of every keyframe (``H x W x 3`` float32 in [0, 1] each) with
    ``options`` (a :class:`~photostyle.options.TransferOptions`; default: the defaults)."""
    from photostyle.pipeline import transfer

    return [transfer(f, style, options).image for f in frames]


def fit_video_look(frames: list[np.ndarray], results: list[np.ndarray], style: object) -> object:
    """Look mode's look (and ``--lut``): the stylizing look fitted jointly to the keyframes and
    their results. Frames mode's anchor is instead ``Look.fit(frames, results)``, the
    regression, which copies the results' colours (measured in
    ``benchmarks/results/looks.json``: it removes more flicker than the stylizing look)."""
    from photostyle.files.image_input import as_array
    from photostyle.looks.look import Look

    return Look.fit(frames, results, title="photostyle video look", style=as_array(style))


class FrameTransfer:
    """Frames mode's per-frame function: ``H x W x 3`` uint8 RGB -> uint8 RGB, the full
    transfer of the frame to ``style`` (float32 ``h x w x 3`` in [0, 1]) with ``options`` (a
    :class:`~photostyle.options.TransferOptions`); with ``stabilise``, its colour mean and
    covariance mapped to those of ``look`` applied to the frame
    (:func:`photostyle.colour.match_colour`)."""

    def __init__(
        self, style: np.ndarray, look: object, stabilise: bool = True, options: object = None
    ) -> None:
        self.style, self.look, self.stabilise = style, look, stabilise
        self.options = options

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        from photostyle.colour import match_colour
        from photostyle.files.images import to_uint8
        from photostyle.pipeline import transfer

        frame = rgb.astype(np.float32) / 255
        result = transfer(frame, self.style, self.options).image
        if self.stabilise:
            result = match_colour(result, self.look.apply(frame))
        return to_uint8(result)


def apply_look_to_video(
    src: str | os.PathLike,
    out: str | os.PathLike,
    look: object,
    progress: Callable[..., None] | None = None,
) -> dict:
    """Write ``src`` with ``look`` applied to every frame to ``out`` (atomically); returns
    ``{"frames", "seconds", "fps"}``."""
    return restyle_video(src, out, look.apply_u8, progress)


def restyle_video(
    src: str | os.PathLike,
    out: str | os.PathLike,
    restyle: Callable[[np.ndarray], np.ndarray],
    progress: Callable[..., None] | None = None,
) -> dict:
    """Write ``src`` with ``restyle`` (``H x W x 3`` uint8 RGB -> the same, given upright
    frames) applied to every frame to ``out`` (atomically), audio copied, the display rotation
    kept; returns ``{"frames", "seconds", "fps"}``."""
    import av

    from photostyle.files.atomic import atomic_write

    codec, pix_fmt, options = CODECS[Path(out).suffix.lower()]
    stats = {"frames": 0}

    def write(tmp: str) -> None:
        fmt = {".mp4": "mp4", ".mkv": "matroska", ".mov": "mov"}[Path(out).suffix.lower()]
        with av.open(str(src)) as inp, av.open(tmp, "w", format=fmt) as outp:
            vin = inp.streams.video[0]
            ain = inp.streams.audio[0] if inp.streams.audio else None
            total = vin.frames or 0
            vout = outp.add_stream(codec, rate=vin.average_rate, options=options)
            vout.pix_fmt = pix_fmt
            vout.width, vout.height, rotation = _geometry(src)
            if rotation % 360:  # kept as the input's display flag (frames stored as they were)
                vout.set_display_rotation(rotation)
            aout = outp.add_stream_from_template(ain) if ain is not None else None
            t0 = time.perf_counter()
            streams = [s for s in (vin, ain) if s is not None]
            for packet in inp.demux(*streams):
                if packet.stream is ain:
                    if packet.dts is not None:
                        packet.stream = aout
                        outp.mux(packet)
                    continue
                for frame in packet.decode():
                    rgb = _rotate(frame.to_ndarray(format="rgb24"), frame.rotation)
                    back = _rotate(restyle(rgb), -frame.rotation)  # restyled upright
                    new = av.VideoFrame.from_ndarray(back, format="rgb24")
                    new.pts, new.time_base = frame.pts, frame.time_base
                    outp.mux(vout.encode(new))
                    stats["frames"] += 1
                    if progress and total:
                        fps = stats["frames"] / max(time.perf_counter() - t0, 1e-9)
                        progress(f"video: {fps:.1f} frames/s", stats["frames"] / total)
            outp.mux(vout.encode(None))
            stats["seconds"] = time.perf_counter() - t0

    atomic_write(out, write)
    stats["fps"] = stats["frames"] / max(stats["seconds"], 1e-9)
    return stats
