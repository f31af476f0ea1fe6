"""Scanner or keyboard? Decided by a manual override, the device's ids and name, or its typing.

A USB scanner in keyboard mode looks to the kernel like any keyboard. We tell
them apart, in this order:

1. the manual override a field tech saved (:func:`save_override`) in
   ``~/.config/scanpay/hid-devices.toml`` (``$XDG_CONFIG_HOME`` is honoured;
   ``$SCANPAY_HID_DEVICES`` names another file);
2. a scanner maker's USB vendor id, or a name such as "Barcode Scanner";
3. typing speed: a scanner types a whole code a few milliseconds per key,
   a person needs tens to hundreds of milliseconds per key
   (:func:`typed_by_scanner`).
"""

from __future__ import annotations

import os
import statistics
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ..scanner import ScannerError
from .decoder import DecodedCode
from .devices import InputDeviceInfo

__all__ = [
    "SCANNER_VENDORS",
    "DeviceKind",
    "Verdict",
    "judge_device",
    "load_layouts",
    "load_overrides",
    "overrides_path",
    "save_layout",
    "save_override",
    "typed_by_scanner",
]


class DeviceKind(StrEnum):
    SCANNER = "scanner"
    KEYBOARD = "keyboard"
    UNKNOWN = "unknown"


SCANNER_VENDORS = {
    0x05E0: "Symbol/Zebra",
    0x0C2E: "Honeywell (Metrologic)",
    0x0536: "Honeywell (Hand Held Products)",
    0x05F9: "Datalogic",
    0x1EAB: "Newland",
}
_SCANNER_WORDS = ("barcode", "bar code", "scanner", "imager", "2d reader", "qr reader")


@dataclass(frozen=True)
class Verdict:
    kind: DeviceKind
    reason: str  # plain words, shown by the scanner test tool


def overrides_path() -> Path:
    """Where the manual scanner/keyboard overrides are saved."""
    named = os.environ.get("SCANPAY_HID_DEVICES")
    if named:
        return Path(named)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "scanpay" / "hid-devices.toml"


def _read_marks(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ScannerError(f"cannot read the HID device overrides in {path}: {exc}") from None


def load_overrides(path: Path | None = None) -> dict[str, DeviceKind]:
    """The saved overrides, by ``vvvv:pppp`` or ``vvvv:pppp:serial``; none if no file."""
    path = path or overrides_path()
    devices = _read_marks(path).get("devices", {})
    kinds = {k.value for k in DeviceKind if k is not DeviceKind.UNKNOWN}
    if not isinstance(devices, dict) or any(v not in kinds for v in devices.values()):
        raise ScannerError(f'{path}: [devices] must map device ids to "scanner" or "keyboard"')
    return {str(key).lower(): DeviceKind(value) for key, value in devices.items()}


def load_layouts(path: Path | None = None) -> dict[str, str]:
    """The keyboard layout each scanner was found to type (``layout=auto``), by device key."""
    path = path or overrides_path()
    layouts = _read_marks(path).get("layouts", {})
    if not isinstance(layouts, dict) or any(not isinstance(v, str) for v in layouts.values()):
        raise ScannerError(f'{path}: [layouts] must map device ids to a layout such as "fr"')
    return {str(key).lower(): value for key, value in layouts.items()}


def _write_marks(path: Path, devices: dict[str, DeviceKind], layouts: dict[str, str]) -> None:
    lines = [
        "# ScanPay: USB-HID devices marked by hand as scanner or keyboard, and the",
        "# keyboard layout each scanner was found to type (layout=auto).",
        '# Keys are "vendor:product" or "vendor:product:serial" in hex.',
        "[devices]",
        *(f'"{k}" = "{v.value}"' for k, v in sorted(devices.items())),
        "",
        "[layouts]",
        *(f'"{k}" = "{v}"' for k, v in sorted(layouts.items())),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def save_override(key: str, kind: DeviceKind | None, path: Path | None = None) -> Path:
    """Mark a device (its ``override_key``) as scanner or keyboard; ``None`` removes the mark."""
    path = path or overrides_path()
    overrides = load_overrides(path)
    if kind is None:
        overrides.pop(key.lower(), None)
    elif kind is DeviceKind.UNKNOWN:
        raise ValueError("a device can be marked scanner or keyboard, not unknown")
    else:
        overrides[key.lower()] = kind
    _write_marks(path, overrides, load_layouts(path))
    return path


def save_layout(key: str, layout: str, path: Path | None = None) -> Path:
    """Remember the layout a scanner (its ``override_key``) was found to type."""
    path = path or overrides_path()
    layouts = load_layouts(path)
    layouts[key.lower()] = layout
    _write_marks(path, load_overrides(path), layouts)
    return path


def judge_device(info: InputDeviceInfo, overrides: dict[str, DeviceKind]) -> Verdict:
    """What ``info`` is, as far as its ids, its name and the overrides tell."""
    for key in (info.override_key, info.ids):
        if key in overrides:
            return Verdict(overrides[key], f"marked {overrides[key].value} by hand ({key})")
    if info.vendor in SCANNER_VENDORS:
        return Verdict(DeviceKind.SCANNER, f"made by {SCANNER_VENDORS[info.vendor]}")
    lowered = info.name.lower()
    for word in _SCANNER_WORDS:
        if word in lowered:
            return Verdict(DeviceKind.SCANNER, f"its name says {word!r}")
    if not info.keyboard:
        return Verdict(DeviceKind.KEYBOARD, "it has no letter or digit keys")
    return Verdict(DeviceKind.UNKNOWN, "not known: judged by how fast it types")


def typed_by_scanner(code: DecodedCode, *, min_length: int = 8, interval: float = 0.03) -> bool:
    """Whether ``code`` was typed at a scanner's speed: ``min_length`` characters or more,
    the median time between keys at most ``interval``. People need 80 ms and up a key
    on average, and cannot keep 30 ms over eight keys."""
    if len(code.text) < min_length or not code.intervals:
        return False
    return statistics.median(code.intervals) <= interval
