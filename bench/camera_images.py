"""Degraded camera frames of payment codes from a fixed seed: the camera tests' and bench's set.

Each sample is one code (ours, or another issuer's format) rendered as QR or
Code128, placed on a 640x480 frame (plain or busy background), then put
through what a till's camera does to it: blur, rotation, noise, glare, a
small size, low contrast, JPEG. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from drivers.camera.render import code128_image, qr_image
from protocol.paycode import OWN_PREFIXES, luhn_check_digit

__all__ = ["DEGRADATIONS", "Sample", "code_for", "degraded_set", "place", "sample_codes"]

Gray = npt.NDArray[Any]
FRAME = (480, 640)

# (issuer, length, first two digits): ours and the formats of DESIGN.md section 5
_FORMATS = [
    ("points", 18, OWN_PREFIXES["points"]),  # type: ignore[index]
    ("card", 18, OWN_PREFIXES["card"]),  # type: ignore[index]
    ("wechat", 18, "13"),
    ("alipay", 18, "28"),
    ("alipay", 24, "25"),
    ("unionpay", 19, "62"),
]


def code_for(rng: random.Random, issuer: str, length: int, prefix: str) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    if issuer in ("points", "card"):
        return body + luhn_check_digit(body)
    return body + rng.choice("0123456789")


def sample_codes(rng: random.Random) -> Iterator[tuple[str, str]]:
    """(issuer, code) forever, cycling through every format."""
    while True:
        for issuer, length, prefix in _FORMATS:
            yield issuer, code_for(rng, issuer, length, prefix)


def _background(rng: random.Random, busy: bool) -> Gray:
    h, w = FRAME
    if not busy:
        return np.full(FRAME, rng.randint(170, 235), dtype=np.uint8)
    frame = np.full(FRAME, rng.randint(60, 200), dtype=np.uint8)
    for _ in range(60):  # a counter: boxes, lines, print and shadows
        kind = rng.random()
        x, y = rng.randrange(w), rng.randrange(h)
        shade = rng.randint(0, 255)
        if kind < 0.4:
            cv2.rectangle(
                frame, (x, y), (x + rng.randint(10, 160), y + rng.randint(10, 120)), shade, -1
            )
        elif kind < 0.8:
            end = (rng.randrange(w), rng.randrange(h))
            cv2.line(frame, (x, y), end, shade, rng.randint(1, 6))
        else:
            text = "".join(rng.choice("ABCDEFGH0123456789") for _ in range(8))
            cv2.putText(
                frame, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, rng.uniform(0.4, 1.5), shade, 2
            )
    return frame


def place(code: Gray, frame: Gray, rng: random.Random) -> Gray:
    """``code`` pasted at a random spot of ``frame`` (centred if it is too big)."""
    out = frame.copy()
    ch, cw = code.shape
    h, w = frame.shape
    if ch > h or cw > w:
        scale = min(h / ch, w / cw) * 0.95
        code = cv2.resize(code, (int(cw * scale), int(ch * scale)), interpolation=cv2.INTER_AREA)
        ch, cw = code.shape
    y, x = rng.randint(0, h - ch), rng.randint(0, w - cw)
    out[y : y + ch, x : x + cw] = code
    return out


def _blur(img: Gray, rng: random.Random) -> Gray:
    if rng.random() < 0.5:
        sigma = rng.uniform(1.0, 2.2)
        return cv2.GaussianBlur(img, (0, 0), sigma)
    length = rng.randint(5, 11)  # motion blur along a random direction
    line = np.zeros((length, length), np.float32)
    line[length // 2, :] = 1.0 / length
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0)
    kernel = np.asarray(cv2.warpAffine(line, rot, (length, length)), dtype=np.float32)
    kernel /= max(float(kernel.sum()), 1e-6)
    return cv2.filter2D(img, -1, kernel)


def _rotate(img: Gray, rng: random.Random) -> Gray:
    h, w = img.shape
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(0, 360), 1.0)
    return cv2.warpAffine(img, rot, (w, h), borderMode=cv2.BORDER_REPLICATE)


def _tilt(img: Gray, rng: random.Random) -> Gray:
    h, w = img.shape
    d = 0.12
    corners = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    src = np.array(corners, dtype=np.float32)
    dst = np.array(
        [(x + rng.uniform(-d, d) * w, y + rng.uniform(-d, d) * h) for x, y in corners],
        dtype=np.float32,
    )
    return cv2.warpPerspective(
        img, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REPLICATE
    )


def _noise(img: Gray, rng: random.Random) -> Gray:
    gen = np.random.default_rng(rng.randrange(2**32))
    noisy = img.astype(np.int16) + gen.normal(0, rng.uniform(10, 32), img.shape).astype(np.int16)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _glare(img: Gray, rng: random.Random) -> Gray:
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    radius = rng.uniform(0.12, 0.3) * min(h, w)
    spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius**2)) * rng.uniform(120, 230)
    return np.asarray(np.clip(img.astype(np.float32) + spot, 0, 255), dtype=np.uint8)


def _low_contrast(img: Gray, rng: random.Random) -> Gray:
    low, high = rng.randint(60, 110), rng.randint(150, 200)
    return (low + img.astype(np.float32) * (high - low) / 255).astype(np.uint8)


def _jpeg(img: Gray, rng: random.Random) -> Gray:
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(15, 40)])
    decoded = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    assert ok and decoded is not None
    return decoded


DEGRADATIONS = {
    "blur": _blur,
    "rotate": _rotate,
    "tilt": _tilt,
    "noise": _noise,
    "glare": _glare,
    "low_contrast": _low_contrast,
    "jpeg": _jpeg,
}


@dataclass(frozen=True)
class Sample:
    text: str
    issuer: str
    symbology: str  # "qr" or "code128"
    steps: tuple[str, ...]  # what was done to it, in order
    image: Gray


def degraded_set(count: int, seed: int = 20261124) -> list[Sample]:
    """``count`` samples; every format and both symbologies appear, each with 1-3 degradations."""
    rng = random.Random(seed)
    codes = sample_codes(rng)
    samples = []
    for i in range(count):
        issuer, text = next(codes)
        symbology = "qr" if i % 2 == 0 else "code128"
        small = rng.random() < 0.35
        if symbology == "qr":
            code = qr_image(text, module_px=rng.choice((2, 2, 3)) if small else rng.randint(3, 6))
        else:
            px = rng.choice((1, 2)) if small else rng.randint(2, 3)
            code = code128_image(text, module_px=px, height=rng.randint(30, 90))
        busy = rng.random() < 0.4
        frame = place(code, _background(rng, busy), rng)
        steps = ["small"] if small else []
        steps += ["busy"] if busy else []
        for name in rng.sample(sorted(DEGRADATIONS), rng.randint(1, 3)):
            frame = DEGRADATIONS[name](frame, rng)
            steps.append(name)
        samples.append(Sample(text, issuer, symbology, tuple(steps), frame))
    return samples
