"""drivers.camera.decode on our codes and every issuer's: rendered, degraded, in a video file."""

import random

import cv2
import numpy as np
import pytest

from bench.camera_images import DEGRADATIONS, code_for, degraded_set, place
from bench.decode import zxing_alone
from drivers.camera import code128_image, decode, decode_detailed, qr_image
from protocol.paycode import classify, generate

OURS = "812228452652614220"
ISSUER_CODES = {
    "points": generate("points"),
    "card": generate("card"),
    "wechat": "134567890123456789",
    "alipay": "281234567890123456",
    "alipay-24": "251234567890123456789012",
    "unionpay": "6212345678901234567",
}


def on_frame(code: np.ndarray, seed: int = 1, busy: bool = False) -> np.ndarray:
    rng = random.Random(seed)
    frame = np.full((480, 640), 215, np.uint8)
    if busy:  # a cluttered counter
        for _ in range(40):
            x, y = rng.randrange(640), rng.randrange(480)
            cv2.rectangle(
                frame,
                (x, y),
                (x + rng.randint(5, 120), y + rng.randint(5, 90)),
                rng.randint(0, 255),
                -1,
            )
    return place(code, frame, rng)


def turned(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, rot, (w, h), borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("issuer", sorted(ISSUER_CODES))
@pytest.mark.parametrize("render", [qr_image, code128_image])
def test_every_issuers_code_in_both_symbologies(issuer, render):
    text = ISSUER_CODES[issuer]
    frame = on_frame(render(text))
    assert decode(frame) == [text]
    assert classify(decode(frame)[0]).is_payment


def test_symbology_is_reported():
    text = ISSUER_CODES["points"]
    assert [d.symbology for d in decode_detailed(on_frame(qr_image(text)))] == ["qr"]
    assert [d.symbology for d in decode_detailed(on_frame(code128_image(text)))] == ["code128"]


def test_bgr_and_bgra_frames_as_cameras_give_them():
    text = ISSUER_CODES["card"]
    gray = on_frame(qr_image(text))
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    bgr[:, :, 2] = np.clip(bgr[:, :, 2].astype(int) + 30, 0, 255)  # a warm cast
    assert decode(bgr) == [text]
    assert decode(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGRA)) == [text]
    assert decode(gray[:, :, None]) == [text]


def test_what_is_not_an_image_is_refused_plainly():
    for bad in (np.zeros((10, 10), np.float32), np.zeros((10, 10, 2), np.uint8), [[0, 255]]):
        with pytest.raises(ValueError, match="image"):
            decode(bad)  # type: ignore[arg-type]


def test_a_frame_without_a_code():
    rng = np.random.default_rng(3)
    assert decode(rng.integers(0, 256, (480, 640), dtype=np.uint8)) == []
    assert decode(np.full((480, 640, 3), 200, np.uint8)) == []


def test_the_same_code_twice_in_a_frame_is_given_once_and_two_codes_both():
    text, other = ISSUER_CODES["points"], ISSUER_CODES["wechat"]
    frame = np.full((480, 640), 220, np.uint8)
    frame[20:136, 20:136] = qr_image(text)
    code = code128_image(text)
    frame[200 : 200 + code.shape[0], 20 : 20 + code.shape[1]] = code
    assert decode(frame) == [text]  # as wallets show it: QR and Code128 of one code
    frame[20:136, 400:516] = qr_image(other)
    assert sorted(decode(frame)) == sorted([text, other])


@pytest.mark.parametrize(
    ("what", "make"),
    [
        ("blurred", lambda img: cv2.GaussianBlur(img, (0, 0), 1.6)),
        ("noised", lambda img: DEGRADATIONS["noise"](img, random.Random(5))),
        ("glared", lambda img: DEGRADATIONS["glare"](img, random.Random(2))),
        ("low contrast", lambda img: DEGRADATIONS["low_contrast"](img, random.Random(4))),
        ("rotated 30", lambda img: turned(img, 30)),
        ("rotated 200", lambda img: turned(img, 200)),
        ("jpeg", lambda img: DEGRADATIONS["jpeg"](img, random.Random(1))),
    ],
)
@pytest.mark.parametrize("render", [qr_image, code128_image])
def test_degraded_frames_still_read(what, make, render):
    text = OURS  # fixed, so a failure can be replayed
    assert decode(make(on_frame(render(text, module_px=3), seed=9))) == [text], what


@pytest.mark.parametrize("render", [qr_image, code128_image])
def test_shrunk_codes_and_busy_backgrounds(render):
    text = ISSUER_CODES["unionpay"]
    small = (
        render(text, module_px=2) if render is qr_image else render(text, module_px=1, height=30)
    )
    assert decode(on_frame(small, seed=4, busy=True)) == [text]


def test_the_hard_passes_read_what_the_fast_pass_cannot():
    # a Code128 at 40 degrees: zxing-cpp's line scans miss it; the upright crop reads it
    text = ISSUER_CODES["alipay"]
    frame = turned(on_frame(code128_image(text, module_px=2), seed=3), 40)
    assert zxing_alone(frame) == []
    found = decode_detailed(frame)
    assert [d.text for d in found] == [text]
    assert found[0].found_by.startswith(("zxing-region", "zbar-region"))


def test_never_below_zxing_alone_on_a_degraded_set():
    samples = degraded_set(40, seed=11)
    ours = sum(s.text in decode(s.image) for s in samples)
    peer = sum(s.text in zxing_alone(s.image) for s in samples)
    assert ours >= peer
    assert all(text == s.text for s in samples for text in decode(s.image))  # nothing misread


def test_frames_of_a_video_file_read_back_through_videocapture(tmp_path):
    rng = random.Random(8)
    texts = [code_for(rng, "points", 18, "81"), ISSUER_CODES["alipay-24"], ISSUER_CODES["wechat"]]
    path = str(tmp_path / "till.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter.fourcc(*"MJPG"), 10, (640, 480))
    assert writer.isOpened()
    for i, text in enumerate(texts):
        render = qr_image if i % 2 == 0 else code128_image
        for j in range(4):  # the code drifts and turns a little, as in a hand
            frame = turned(on_frame(render(text), seed=10 * i + j), 8 * j)
            writer.write(cv2.cvtColor(cv2.GaussianBlur(frame, (0, 0), 0.8), cv2.COLOR_GRAY2BGR))
    writer.release()
    capture = cv2.VideoCapture(path)
    seen: list[str] = []
    frames = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames += 1
        assert frame.ndim == 3  # BGR, as a camera gives them
        seen += decode(frame)
    capture.release()
    assert frames == 12
    assert list(dict.fromkeys(seen)) == texts
    assert len(seen) >= 10  # nearly every frame read


def test_the_decoder_needs_neither_the_scanner_interface_nor_a_camera():
    import subprocess
    import sys

    code = (
        "import sys, drivers.camera;"
        "print(sorted(m for m in ('drivers.scanner', 'drivers.urls', 'textual')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
