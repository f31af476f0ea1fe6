"""USB-HID scanner benchmark: the decoder and the driver beside a bare event loop, same run.

    .venv/bin/python -m bench.hid [--scans 10000] [--latency 2000]

Event streams are what a scanner types for random 18-digit codes (with the
kernel's MSC and SYN events around each key): on US, and on French AZERTY
where every digit needs Shift. The bare loop only spots the Enter presses.
``layout=auto`` reads real payment codes (our prefix, Luhn digit) typed on US,
FR and DE and is compared with the fixed layout that matches, on the same
stream: no code may come out wrong before or after it settles. A fixed layout
that does not match (US codes read as AZERTY, AZERTY codes read as US) must
refuse every code: none may come out as a payment code, as none is guessed.
"Keeps up" compares keys decoded per second with the 500 keys per second of
a scanner typing with a 2 ms gap. The driver runs over the in-memory input
source (there is no /dev/input here), one batch per key as the kernel hands
them out; latency is from delivering the Enter key's batch to the yielded scan.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from dataclasses import dataclass

from bench.table import Row
from drivers.hid import HidScanner, InputDeviceInfo, KeyboardTypist, MemoryInputSource
from drivers.hid.autolayout import AutoLayoutDecoder
from drivers.hid.decoder import EV_KEY, Event, HidDecoder
from drivers.hid.keymaps import KEY, LAYOUTS
from protocol.paycode import Issuer, classify, generate

ENTER = KEY["ENTER"]
DEVICE = InputDeviceInfo(node="/dev/input/event5", name="Barcode Scanner", vendor=0x0C2E)


def streams(layout: str, scans: int, seed: int = 1) -> tuple[list[str], list[Event]]:
    rng = random.Random(seed)
    codes = ["".join(rng.choice("0123456789") for _ in range(18)) for _ in range(scans)]
    typist = KeyboardTypist(LAYOUTS[layout])
    events: list[Event] = []
    t = 0.0
    for code in codes:
        events += typist.type(code, start=t, gap=0.002)
        t += 0.040
    return codes, events


def bare_count(events: list[Event]) -> int:
    n = 0
    for ev_type, code, value, _ in events:
        if ev_type == EV_KEY and code == ENTER and value == 1:
            n += 1
    return n


def decode(layout: str, events: list[Event]) -> list[str]:
    decoder = HidDecoder(LAYOUTS[layout])
    feed = decoder.feed
    return [c.text for e in events if (c := feed(*e)) is not None]


def wrong(got: list[str], codes: list[str]) -> int:
    """Codes wrong, missing or extra."""
    return sum(a != b for a, b in zip(got, codes, strict=False)) + abs(len(got) - len(codes))


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def per_key_batches(events: list[Event]) -> list[list[Event]]:
    """Cut a stream where the kernel would: after each SYN_REPORT."""
    batches, batch = [], []
    for event in events:
        batch.append(event)
        if event[0] == 0:
            batches.append(batch)
            batch = []
    return batches


async def driver_run(codes: list[str], events: list[Event], latency: int):
    source = MemoryInputSource([DEVICE])
    batches = per_key_batches(events)
    async with HidScanner(DEVICE.node, source=source, layout="us") as scanner:
        await scanner.wait_ready()
        start = time.perf_counter()
        for batch in batches:
            source.send(DEVICE.node, batch)
        got = [(await scanner.read()).text for _ in codes]
        rate = len(codes) / (time.perf_counter() - start)
        assert got == codes, "the driver misread a code"
        per_scan = len(batches) // len(codes)
        lat = []
        for i in range(latency):
            scan_batches = batches[i * per_scan : (i + 1) * per_scan]
            enter_at = next(j for j, b in enumerate(scan_batches) if any(e[1] == ENTER for e in b))
            for batch in scan_batches[:enter_at]:
                source.send(DEVICE.node, batch)
            await asyncio.sleep(0)
            t0 = time.monotonic()
            source.send(DEVICE.node, scan_batches[enter_at])
            await scanner.read()
            lat.append(time.monotonic() - t0)
            for batch in scan_batches[enter_at + 1 :]:
                source.send(DEVICE.node, batch)
    return rate, lat


async def bare_run(codes: list[str], events: list[Event], latency: int):
    source = MemoryInputSource([DEVICE])
    node = source.open(DEVICE, grab=True)
    batches = per_key_batches(events)
    start = time.perf_counter()
    for batch in batches:
        source.send(DEVICE.node, batch)
    seen = 0
    while seen < len(codes):
        seen += bare_count(await node.read())
    rate = len(codes) / (time.perf_counter() - start)
    per_scan = len(batches) // len(codes)
    lat = []
    for i in range(latency):
        scan_batches = batches[i * per_scan : (i + 1) * per_scan]
        for batch in scan_batches:
            t0 = time.monotonic()
            source.send(DEVICE.node, batch)
            if bare_count(await node.read()):
                lat.append(time.monotonic() - t0)
    node.close()
    return rate, lat


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1e6


@dataclass(frozen=True)
class Decoded:
    """The decoder alone on one layout's stream."""

    layout: str
    scans: int
    keys: int
    bare_seconds: float
    decoder_seconds: float
    decoded: int
    errors: int  # codes wrong, missing or extra


def decoder_alone(layout: str, scans: int) -> Decoded:
    codes, events = streams(layout, scans)
    keys = bare_count(events) * 19
    n, bare_t = timed(bare_count, events)
    got, dec_t = timed(decode, layout, events)
    errors = wrong(got, codes)
    assert n == scans
    return Decoded(layout, scans, keys, bare_t, dec_t, len(got), errors)


def payment_streams(layout: str, scans: int) -> tuple[list[str], list[Event]]:
    codes = [generate(Issuer.POINTS if i % 2 else Issuer.CARD) for i in range(scans)]
    typist = KeyboardTypist(LAYOUTS[layout])
    events: list[Event] = []
    for i, code in enumerate(codes):
        events += typist.type(code, start=i * 0.040, gap=0.002)
    return codes, events


@dataclass(frozen=True)
class Auto:
    """``layout=auto`` beside the matching fixed layout, on one layout's payment codes."""

    layout: str
    keys: int
    fixed_seconds: float
    auto_seconds: float
    errors: int  # layout=auto: codes wrong, missing or extra
    fixed_errors: int  # the matching fixed layout, same count
    settled: str
    mismatched: str  # a fixed layout that does not match the scanner
    guessed: int  # codes the mismatched layout passed on as payment codes (refused: 0)


MISMATCHED = {"us": "fr", "fr": "us", "de": "fr"}
"""A fixed layout that types digits otherwise than each layout."""


def auto_alone(layout: str, scans: int) -> Auto:
    codes, events = payment_streams(layout, scans)
    fixed = HidDecoder(LAYOUTS[layout])
    auto = AutoLayoutDecoder()
    fixed_got, fixed_t = timed(
        lambda: [c.text for e in events if (c := fixed.feed(*e)) is not None]
    )
    got, auto_t = timed(lambda: [c.text for e in events if (c := auto.feed(*e)) is not None])
    settled = auto.settled.name if auto.settled else "-"
    mismatched = MISMATCHED[layout]
    misread = decode(mismatched, events)
    guessed = sum(classify(text).is_payment for text in misread) + abs(len(misread) - len(codes))
    return Auto(
        layout,
        len(codes) * 19,
        fixed_t,
        auto_t,
        wrong(got, codes),
        wrong(fixed_got, codes),
        settled,
        mismatched,
        guessed,
    )


async def through_seam(scans: int, latency: int):
    """(bare rate, bare latencies, driver rate, driver latencies) through the input seam."""
    codes, events = streams("us", scans, seed=2)
    bare_rate, bare_lat = await bare_run(codes, events, latency)
    drv_rate, drv_lat = await driver_run(codes, events, latency)
    return bare_rate, bare_lat, drv_rate, drv_lat


KEYS_AT_2MS = 500.0  # a scanner typing with a 2 ms gap


def rows(scans: int = 10_000, seam_scans: int = 2_000, latency: int = 300) -> list[Row]:
    """For ``make bench``: errors in 10,000 scans per layout, and keys/s beside a 2 ms scanner."""
    table = []
    for layout in ("us", "fr"):
        d = decoder_alone(layout, scans)
        table.append(
            Row(
                f"HID: codes wrong or dropped in {scans:,} scans, {layout}",
                d.errors,
                "",
                "limit",
                0,
                "none in 10,000 scans",
                d.errors == 0 and scans >= 10_000,
            )
        )
        table.append(
            Row(
                f"HID decoder alone: keys/s, {layout}",
                d.keys / d.decoder_seconds,
                "keys/s",
                "a scanner at a 2 ms gap",
                KEYS_AT_2MS,
                "keeps up with a 2 ms gap",
                d.keys / d.decoder_seconds >= KEYS_AT_2MS,
            )
        )
    for layout in ("us", "fr", "de"):
        a = auto_alone(layout, scans)
        table.append(
            Row(
                f"HID layout=auto: payment codes wrong in {scans:,} scans typed on {layout}",
                a.errors,
                "",
                "limit",
                0,
                "none in 10,000 scans",
                a.errors == 0 and scans >= 10_000,
            )
        )
        table.append(
            Row(
                f"HID layout={a.mismatched} (fixed) on codes typed on {layout}: "
                "taken as payment codes",
                a.guessed,
                "",
                "limit",
                0,
                "all refused, none guessed",
                a.guessed == 0,
            )
        )
        table.append(
            Row(
                f"HID layout=auto: keys/s decoding {layout} (settled on {a.settled})",
                a.keys / a.auto_seconds,
                "keys/s",
                f"the fixed layout={layout}, same stream",
                a.keys / a.fixed_seconds,
                "keeps up with a 2 ms gap",
                a.keys / a.auto_seconds >= KEYS_AT_2MS,
            )
        )
    _, _, drv_rate, _ = asyncio.run(through_seam(seam_scans, latency))
    table.append(
        Row(
            "HidScanner (driver, input seam): keys/s, us",
            drv_rate * 19,
            "keys/s",
            "a scanner at a 2 ms gap",
            KEYS_AT_2MS,
            "keeps up with a 2 ms gap",
            drv_rate * 19 >= KEYS_AT_2MS,
        )
    )
    return table


async def run(scans: int, latency: int) -> None:
    print(f"USB-HID: {scans} random 18-digit codes typed with a 2 ms gap")
    print(f"{'decoder alone':<34}{'scans/s':>10}{'keys/s':>11}{'errors':>8}")
    for layout in ("us", "fr"):
        d = decoder_alone(layout, scans)
        keys, bare_t, dec_t = d.keys, d.bare_seconds, d.decoder_seconds
        print(
            f"{'bare loop (Enter count), ' + layout:<34}{scans / bare_t:>10.0f}"
            f"{keys / bare_t:>11.0f}"
        )
        print(
            f"{'HidDecoder, ' + layout:<34}{d.decoded / dec_t:>10.0f}{keys / dec_t:>11.0f}"
            f"{d.errors:>8}"
        )
    print("a scanner at a 2 ms gap needs 500 keys/s")
    print(
        f"{'layout=auto beside the fixed one':<34}{'keys/s':>10}{'fixed':>11}{'errors':>8}"
        f"{'fixed errors':>14}{'mismatched: payments':>22}"
    )
    for layout in ("us", "fr", "de"):
        a = auto_alone(layout, scans)
        print(
            f"{'auto on ' + layout + ' (settled ' + a.settled + ')':<34}"
            f"{a.keys / a.auto_seconds:>10.0f}{a.keys / a.fixed_seconds:>11.0f}{a.errors:>8}"
            f"{a.fixed_errors:>14}{a.mismatched + ': ' + str(a.guessed):>22}"
        )
    bare_rate, bare_lat, drv_rate, drv_lat = await through_seam(min(scans, 5000), latency)
    print()
    print(f"{'through the input seam':<34}{'scans/s':>10}{'p50 us':>9}{'p99 us':>9}")
    print(
        f"{'bare read loop (Enter count)':<34}{bare_rate:>10.0f}"
        f"{pct(bare_lat, 50):>9.0f}{pct(bare_lat, 99):>9.0f}"
    )
    print(
        f"{'HidScanner (full Scan)':<34}{drv_rate:>10.0f}"
        f"{pct(drv_lat, 50):>9.0f}{pct(drv_lat, 99):>9.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scans", type=int, default=10000)
    parser.add_argument("--latency", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(run(args.scans, args.latency))


if __name__ == "__main__":
    main()
