"""The camera driver's cost: frames decoded through ``CameraScanner`` beside a bare decode loop.

    .venv/bin/python -m bench.camera [--frames 120] [--seed N]

A video file of the degraded frames of bench/camera_images.py (BGR, 640x480)
is read three ways in the same run: the peer is a plain loop of
``cv2.VideoCapture.read`` and ``decode_detailed`` on one thread (the most a
decoder does on these frames); then the driver plays the file at 30 fps, as
a camera gives frames; then the driver reads it through ``camera:N``'s
capture seam as fast as the file decodes, so its reader thread outruns its
decoding thread. Printed: frames decoded per second, the frames the driver
dropped rather than queued, and the event loop's worst delay on a 5 ms
ticker meanwhile (what an app's screen would feel), beside the same ticker's
worst delay with nothing else running.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2

from bench.camera_images import degraded_set
from bench.table import Row
from drivers.camera import decode_detailed
from drivers.camera.scanner import CameraScanner, open_capture
from drivers.scanner import ScannerState


def write_clip(path: Path, frames: int, seed: int) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 30, (640, 480))
    for sample in degraded_set(frames, seed=seed):
        writer.write(cv2.cvtColor(sample.image, cv2.COLOR_GRAY2BGR))
    writer.release()


def bare_loop(path: Path) -> tuple[int, float]:
    """(frames decoded, seconds): read and decode every frame on one thread."""
    capture = cv2.VideoCapture(str(path))
    count, start = 0, time.perf_counter()
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        decode_detailed(frame)
        count += 1
    capture.release()
    return count, time.perf_counter() - start


async def ticker_worst(seconds: float) -> float:
    """The event loop's worst delay on a 5 ms ticker over ``seconds``, with nothing else to do."""
    loop = asyncio.get_running_loop()
    worst, until = 0.0, loop.time() + seconds
    while loop.time() < until:
        due = loop.time() + 0.005
        await asyncio.sleep(0.005)
        worst = max(worst, loop.time() - due)
    return worst


async def through_driver(path: Path, fps: int | None) -> tuple[CameraScanner, float, float]:
    """(the scanner, seconds until its source ran dry, the event loop's worst delay meanwhile).

    ``fps``: the file played at that rate, as a camera gives frames; ``None``: read as
    fast as it decodes from disk, through the camera-index seam.
    """
    loop = asyncio.get_running_loop()
    if fps is None:
        scanner = CameraScanner(0, open_capture=lambda _: open_capture(str(path)), dedupe=0)
    else:
        scanner = CameraScanner(str(path), fps=fps, dedupe=0)
    worst = 0.0
    start = time.perf_counter()
    async with scanner:
        await scanner.wait_ready()
        while scanner.state is ScannerState.READY:
            due = loop.time() + 0.005
            await asyncio.sleep(0.005)
            worst = max(worst, loop.time() - due)
        elapsed = time.perf_counter() - start
    return scanner, elapsed, worst


@dataclass(frozen=True)
class Measured:
    frames: int
    peer_rate: float  # the bare loop's frames decoded per second
    idle_worst: float  # the ticker's worst delay with nothing else running, seconds
    runs: list[tuple[int | None, CameraScanner, float, float]]  # fps, scanner, seconds, worst


def measure(frames: int, seed: int) -> Measured:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "frames.mp4"
        write_clip(path, frames, seed)
        decoded, seconds = bare_loop(path)
        idle = asyncio.run(ticker_worst(1.0))
        runs = [(fps, *asyncio.run(through_driver(path, fps))) for fps in (30, None)]
    return Measured(frames, decoded / seconds, idle, runs)


def rows(frames: int = 60, seed: int = 20261124) -> list[Row]:
    """For ``make bench``: the driver beside the bare loop (the target is bench.decode's)."""
    m = measure(frames, seed)
    _, scanner, elapsed, worst = m.runs[-1]  # frames given as fast as the file reads
    return [
        Row(
            "camera driver: frames decoded/s, frames as fast as read",
            scanner.stats.frames_decoded / elapsed,
            "frames/s",
            "bare read + decode loop",
            m.peer_rate,
        ),
        Row(
            "camera driver: event loop's worst delay meanwhile",
            worst * 1000,
            "ms",
            "same 5 ms ticker, idle",
            m.idle_worst * 1000,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    m = measure(args.frames, args.seed)
    peer_rate, idle, runs = m.peer_rate, m.idle_worst, m.runs
    print(f"{args.frames} degraded 640x480 frames in an mp4, seed {args.seed}")
    print(f"  bare loop (read + decode, one thread): {peer_rate:6.1f} frames decoded/s (the peer)")
    print(f"  event loop's worst delay, idle:        {idle * 1000:6.1f} ms (a 5 ms ticker)")
    for fps, scanner, elapsed, worst in runs:
        stats = scanner.stats
        source = f"at {fps} fps" if fps else "as fast as the file reads"
        print(f"  CameraScanner, frames given {source}:")
        print(
            f"    {stats.frames_decoded / elapsed:6.1f} frames decoded/s; "
            f"read {stats.frames_read}, "
            f"decoded {stats.frames_decoded}, dropped {stats.frames_dropped} "
            f"({stats.frames_dropped / max(stats.frames_read, 1):.0%}, none queued); "
            f"event loop's worst delay {worst * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
