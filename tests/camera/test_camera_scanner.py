"""The camera driver over real video files read by cv2.VideoCapture; a camera index at its seam."""

import asyncio
import random

import cv2
import numpy as np
import pytest

from bench.camera_images import DEGRADATIONS
from drivers.aim import Symbology
from drivers.camera import code128_image, qr_image
from drivers.camera.scanner import CameraScanner, open_capture
from drivers.scanner import ScannerState
from drivers.urls import DeviceUrlError, open_scanner
from tests.camera.test_decode import ISSUER_CODES, OURS, on_frame, turned

BLANK = np.full((8, 8), 215, np.uint8)


def write_clip(path, shots, fps=30, busy=False):
    """A video of ``shots``: (code image or None, frames, degradation) in turn, as BGR mp4."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (640, 480))
    assert writer.isOpened()
    for n, (code, frames, degrade) in enumerate(shots):
        for i in range(frames):
            frame = on_frame(BLANK if code is None else code, seed=100 * n + i, busy=busy)
            if degrade is not None:
                frame = degrade(frame, i)
            writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return str(path)


async def read_all(scanner, limit=20):
    """Every scan until the scanner ends by itself (a file without loop)."""
    async with asyncio.timeout(limit):
        return [scan async for scan in scanner]


async def detail_says(scanner, words):
    seen = asyncio.Event()

    def check(state, detail):
        if words in detail:
            seen.set()

    stop = scanner.add_state_listener(check)
    try:
        await seen.wait()
    finally:
        stop()


def held(degradation):
    """A degradation as a hand would vary it: a little different on each frame."""
    return lambda frame, i: DEGRADATIONS[degradation](frame, random.Random(i))


async def test_degraded_codes_in_a_video_file_are_read_once_each_in_order(tmp_path):
    shots = [
        (qr_image(OURS, module_px=3), 8, held("noise")),
        (None, 4, None),
        (code128_image(ISSUER_CODES["wechat"]), 8, lambda f, i: turned(f, 20 + i)),
        (None, 4, None),
        (qr_image(ISSUER_CODES["alipay-24"]), 8, held("glare")),
        (code128_image(ISSUER_CODES["unionpay"]), 8, lambda f, i: cv2.GaussianBlur(f, (0, 0), 1.2)),
        (qr_image(ISSUER_CODES["card"], module_px=3), 8, held("low_contrast")),
    ]
    path = write_clip(tmp_path / "till.mp4", shots)
    async with CameraScanner(path) as scanner:  # at the clip's 30 fps
        scans = await read_all(scanner)
        assert scanner.state is ScannerState.CLOSED
        assert scanner.detail == "end of the video file"
    texts = [OURS, *(ISSUER_CODES[k] for k in ("wechat", "alipay-24", "unionpay", "card"))]
    assert [s.text for s in scans] == texts
    assert [s.symbology for s in scans] == [Symbology.QR, Symbology.CODE128] * 2 + [Symbology.QR]
    assert all(s.device == path and s.raw == s.text.encode() and s.aim is None for s in scans)
    assert scanner.stats.frames_read == 48
    assert scanner.stats.repeats > 0  # each code was seen on several frames


async def test_a_code_comes_again_only_after_being_out_of_sight_for_the_window(tmp_path):
    code = qr_image(OURS)
    # 0.3 s in view, 0.75 s away, 0.3 s in view again, 0.75 s away; then held for 1 s
    shots = [(code, 6, None), (None, 15, None), (code, 6, None), (None, 15, None), (code, 20, None)]
    path = write_clip(tmp_path / "twice.mp4", shots, fps=20)
    long, short, off = (
        open_scanner(f"camera://{path}?dedupe={ms}") for ms in (3000, 400, 0)
    )  # played side by side
    async with long, short, off:
        by_long, by_short, by_off = await asyncio.gather(*map(read_all, (long, short, off)))
    assert [s.text for s in by_long] == [OURS]
    # once per sighting: held in view longer than the window, it is not read again
    assert [s.text for s in by_short] == [OURS] * 3
    assert by_short[1].timestamp - by_short[0].timestamp >= 0.8
    assert len(by_off) > 12  # off: every frame that reads (of 32 with the code)


async def test_a_looped_file_plays_again_until_closed(tmp_path):
    shots = [(code128_image(OURS), 6, None), (None, 18, None)]  # 0.1 s in view, 0.3 s away
    path = write_clip(tmp_path / "loop.mp4", shots)
    async with CameraScanner(path, loop=True, dedupe=0.15, fps=60) as scanner:
        async with asyncio.timeout(10):
            first, second, third = [await scanner.read() for _ in range(3)]
        assert first.text == second.text == third.text == OURS
        assert third.timestamp - first.timestamp >= 0.6  # two passes of a 0.4 s clip
        assert scanner.state is ScannerState.READY
    assert scanner.status == "scanner closed" and scanner.stats.frames_read > 48


async def test_a_missing_file_is_an_error_in_plain_words_until_it_appears(tmp_path):
    path = tmp_path / "later.mp4"
    scanner = CameraScanner(str(path), retry_min=0.05, retry_max=0.1)
    async with scanner:
        async with asyncio.timeout(5):
            await scanner.wait_for_state(ScannerState.ERROR)
        assert scanner.status == f"scanner error: no video file at {path}"
        path.write_bytes(b"not a video at all")
        async with asyncio.timeout(5):
            await detail_says(scanner, "cannot read")
        assert "not a video file" in scanner.detail
        write_clip(tmp_path / "clip.mp4", [(qr_image(OURS), 5, None)])
        (tmp_path / "clip.mp4").replace(path)
        async with asyncio.timeout(10):
            assert (await scanner.read()).text == OURS


async def test_formats_narrows_what_is_looked_for(tmp_path):
    shots = [(code128_image(ISSUER_CODES["wechat"]), 6, None), (qr_image(OURS), 6, None)]
    path = write_clip(tmp_path / "both.mp4", shots)
    async with open_scanner(f"camera://{path}?formats=qr") as scanner:
        assert [s.text for s in await read_all(scanner)] == [OURS]


class Plug:
    """The seam where a camera would be: what ``camera:N`` opens on each try.

    Each try gets a real ``cv2.VideoCapture`` of the next entry (a video file as the
    camera's frames, or a path that does not open: the camera is unplugged). It
    records what the driver asked of each capture and that each was released.
    """

    def __init__(self, *paths):
        self.paths = list(paths)
        self.opened = []

    def __call__(self, source):
        assert isinstance(source, int)
        capture = Recorded(open_capture(self.paths.pop(0) if self.paths else "/nonexistent"))
        self.opened.append(capture)
        return capture


class Recorded:
    def __init__(self, capture):
        self.capture = capture
        self.requested = {}
        self.released = False

    def isOpened(self):
        return self.capture.isOpened()

    def read(self):
        return self.capture.read()

    def set(self, prop, value):
        self.requested[prop] = value
        return self.capture.set(prop, value)

    def get(self, prop):
        return self.capture.get(prop)

    def release(self):
        self.released = True
        self.capture.release()


async def test_a_camera_index_reconnects_when_the_camera_goes_and_comes_back(tmp_path):
    # cluttered frames: the decoder is slower than a camera read from a file
    before = write_clip(
        tmp_path / "a.mp4", [(qr_image(OURS), 40, None), (None, 20, None)], busy=True
    )
    after = write_clip(tmp_path / "b.mp4", [(code128_image(ISSUER_CODES["alipay"]), 40, None)])
    plug = Plug(before, "/unplugged", after)
    scanner = CameraScanner(3, width=1280, height=720, fps=15, open_capture=plug, retry_min=0.05)
    states = []
    scanner.add_state_listener(lambda state, detail: states.append((state, detail)))
    async with scanner:
        async with asyncio.timeout(10):
            assert (await scanner.read()).text == OURS
            assert (await scanner.read()).text == ISSUER_CODES["alipay"]
    assert (ScannerState.DISCONNECTED, "the camera stopped giving frames (unplugged?)") in states
    assert (
        ScannerState.ERROR,
        "no camera at index 3 (/dev/video3 is missing: unplugged?)",
    ) in states
    assert states[-1] == (ScannerState.CLOSED, "")
    assert scanner.device == "camera:3"
    assert len(plug.opened) == 3 and all(capture.released for capture in plug.opened)
    asked = {
        cv2.CAP_PROP_FRAME_WIDTH: 1280.0,
        cv2.CAP_PROP_FRAME_HEIGHT: 720.0,
        cv2.CAP_PROP_FPS: 15.0,
    }
    assert plug.opened[0].requested == asked
    # a camera is read as fast as it gives frames; the decoder skips what it cannot keep up with
    assert 0 < scanner.stats.frames_decoded < scanner.stats.frames_read
    assert scanner.stats.frames_dropped > 0


async def test_close_while_reading_releases_the_capture(tmp_path):
    clip = write_clip(tmp_path / "long.mp4", [(qr_image(OURS), 10, None), (None, 50, None)])
    plug = Plug(clip)
    scanner = CameraScanner(0, open_capture=plug)
    async with scanner:
        async with asyncio.timeout(5):
            await scanner.read()
    assert plug.opened[0].released and scanner.state is ScannerState.CLOSED


def test_camera_urls():
    scanner = open_scanner("camera:0?width=640&height=480&fps=30&dedupe=500&formats=code128")
    assert isinstance(scanner, CameraScanner)
    assert (scanner.source, scanner.width, scanner.height, scanner.fps) == (0, 640, 480, 30)
    assert scanner.dedupe == 0.5 and scanner.symbologies == ("code128",)
    video = open_scanner("camera:///srv/clips/till.mp4?loop=on")
    assert isinstance(video, CameraScanner)
    assert (video.source, video.loop, video.dedupe, video.device) == (
        "/srv/clips/till.mp4",
        True,
        2.0,
        "/srv/clips/till.mp4",
    )
    for url, why in [
        ("camera:///clip.mp4?width=640", "width choose a camera's resolution"),
        ("camera:0?loop=on", "a camera has no end"),
        ("camera:0?formats=ean13", "formats takes qr, code128 or both"),
        ("camera:0?fps=0", "fps takes a whole number from 1 to 240"),
        ("camera:", "camera: needs a device, as in camera:0"),
    ]:
        with pytest.raises(DeviceUrlError, match=why):
            open_scanner(url)
