"""Serial scanner benchmark: the driver beside a bare read loop on the same pseudo-terminal.

Run as a module (a file named serial.py run by path would shadow pyserial)::

    .venv/bin/python -m bench.serial [--scans 20000] [--latency 2000]

Both sides use pyserial to open the port and the event loop to wait on it.
The bare loop only looks for the CR that ends each code; the driver frames,
cleans, reads the AIM identifier, builds a Scan and queues it. Throughput:
codes written back to back by a writer thread. Latency: from just before the
code's last byte is written to the moment the reader has it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

if not __package__:
    raise SystemExit("run me as: python -m bench.serial")

import serial

from bench.table import Row
from drivers.emulators.serial_scanner import SerialScannerEmulator
from drivers.serial_scanner import SerialScanner
from protocol.paycode import generate


class BareReader:
    """The least a reader can do: read the fd when ready and count CRs."""

    def __init__(self, path: str) -> None:
        self.port = serial.Serial(path, timeout=0)
        self.count = 0
        self.target = 0
        self.waiter: asyncio.Future[float] | None = None

    def start(self) -> None:
        asyncio.get_running_loop().add_reader(self.port.fileno(), self._on_readable)

    def _on_readable(self) -> None:
        data = os.read(self.port.fileno(), 65536)
        found = data.count(b"\r")
        if found:
            self.count += found
            if self.target and self.count < self.target:
                return
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(time.monotonic())

    def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self.port.fileno())
        self.port.close()


def _writer(gun: SerialScannerEmulator, frames: list[bytes]) -> None:
    for frame in frames:
        gun.write(frame)


async def throughput_bare(gun: SerialScannerEmulator, frames: list[bytes]) -> float:
    reader = BareReader(gun.path)
    reader.start()
    reader.target = len(frames)
    reader.waiter = asyncio.get_running_loop().create_future()
    start = time.perf_counter()
    thread = threading.Thread(target=_writer, args=(gun, frames))
    thread.start()
    await reader.waiter
    elapsed = time.perf_counter() - start
    thread.join()
    reader.close()
    return len(frames) / elapsed


async def throughput_driver(gun: SerialScannerEmulator, frames: list[bytes]) -> float:
    async with SerialScanner(gun.path) as scanner:
        await scanner.wait_ready()
        start = time.perf_counter()
        thread = threading.Thread(target=_writer, args=(gun, frames))
        thread.start()
        for _ in frames:
            await scanner.read()
        elapsed = time.perf_counter() - start
        thread.join()
    return len(frames) / elapsed


async def latency_bare(gun: SerialScannerEmulator, frames: list[bytes]) -> list[float]:
    reader = BareReader(gun.path)
    reader.start()
    loop = asyncio.get_running_loop()
    out = []
    for frame in frames:
        reader.waiter = loop.create_future()
        t0 = time.monotonic()
        gun.write(frame)
        out.append(await reader.waiter - t0)
    reader.close()
    return out


async def latency_driver(gun: SerialScannerEmulator, frames: list[bytes]) -> list[float]:
    out = []
    async with SerialScanner(gun.path) as scanner:
        await scanner.wait_ready()
        for frame in frames:
            t0 = time.monotonic()
            gun.write(frame)
            await scanner.read()
            out.append(time.monotonic() - t0)
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1e3


@dataclass(frozen=True)
class Measured:
    bare_rate: float
    driver_rate: float
    bare_latency: list[float]
    driver_latency: list[float]


async def measure(scans: int, latency: int) -> Measured:
    with tempfile.TemporaryDirectory() as tmp:
        gun = SerialScannerEmulator(Path(tmp) / "scanner", aim="]Q1")
        frames = [gun.frame(generate()) for _ in range(max(scans, latency))]
        bare_rate = await throughput_bare(gun, frames[:scans])
        driver_rate = await throughput_driver(gun, frames[:scans])
        bare_lat = await latency_bare(gun, frames[:latency])
        driver_lat = await latency_driver(gun, frames[:latency])
        gun.close()
    return Measured(bare_rate, driver_rate, bare_lat, driver_lat)


def rows(scans: int = 20_000, latency: int = 2_000) -> list[Row]:
    """For ``make bench``: the driver beside the bare loop (DESIGN.md 14 sets no target here)."""
    m = asyncio.run(measure(scans, latency))
    peer = "bare read loop (CR count)"
    return [
        Row("serial scanner over a pty: codes/s", m.driver_rate, "codes/s", peer, m.bare_rate),
        Row(
            "serial scanner: last byte to Scan, p50",
            pct(m.driver_latency, 50),
            "ms",
            peer,
            pct(m.bare_latency, 50),
        ),
    ]


async def run(scans: int, latency: int) -> None:
    m = await measure(scans, latency)
    bare_rate, driver_rate = m.bare_rate, m.driver_rate
    bare_lat, driver_lat = m.bare_latency, m.driver_latency
    print(
        f"serial scanner over a pty: {scans} codes of 22 bytes for throughput, "
        f"{latency} one at a time for latency"
    )
    print(f"{'reader':<28}{'codes/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}")
    for name, rate, lat in (
        ("bare read loop (CR count)", bare_rate, bare_lat),
        ("SerialScanner (full Scan)", driver_rate, driver_lat),
    ):
        print(
            f"{name:<28}{rate:>10.0f}{pct(lat, 50):>9.3f}{pct(lat, 90):>9.3f}{pct(lat, 99):>9.3f}"
        )
    print(
        f"driver/bare throughput: {driver_rate / bare_rate:.2f}x; "
        f"added p50 latency: {pct(driver_lat, 50) - pct(bare_lat, 50):.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scans", type=int, default=20000)
    parser.add_argument("--latency", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.scans, args.latency))


if __name__ == "__main__":
    main()
