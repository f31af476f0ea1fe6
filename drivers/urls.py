"""Device URLs: one string that chooses a scanner driver and configures it.

The same URL works in config files, on command lines and in the scanner test
tool: ``serial:///dev/ttyACM0?baud=9600&suffix=cr``, ``hid:?layout=fr``,
``wedge:``, ``sim:?codes=8112...``, ``camera:0``.

Each driver module registers its scheme here with :func:`register_scheme`
(a small registry, like pyserial's URL handlers), naming the URL forms and the
options it takes, so a bad URL is answered with what is wrong *and* what is
accepted. Modules are imported on first use; a scheme whose module is missing
from this build (the camera driver, say) is reported as not installed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from .scanner import Scanner, ScannerError

__all__ = [
    "AIM_OPTION",
    "DeviceUrl",
    "DeviceUrlError",
    "Option",
    "SchemeSpec",
    "describe_schemes",
    "open_scanner",
    "parse_device_url",
    "register_scheme",
    "scheme_spec",
]


class DeviceUrlError(ScannerError, ValueError):
    """A device URL that cannot be used; the message says why and what would work."""


@dataclass(frozen=True)
class Option:
    """One ``?name=value`` a scheme accepts."""

    name: str
    help: str
    default: str = ""
    choices: tuple[str, ...] = ()

    def describe(self) -> str:
        choices = f" ({'|'.join(self.choices)})" if self.choices else ""
        default = f", default {self.default}" if self.default else ""
        return f"{self.name}{choices}: {self.help}{default}"


@dataclass(frozen=True)
class SchemeSpec:
    """A scheme's forms, options and the factory that builds its driver."""

    scheme: str
    summary: str
    forms: tuple[str, ...]
    factory: Callable[[DeviceUrl], Scanner]
    options: tuple[Option, ...] = ()
    path: str = "optional"  # "required", "optional" or "none"

    def describe(self) -> str:
        lines = [f"  {self.scheme}: {self.summary}"]
        lines += [f"      {form}" for form in self.forms]
        lines += [f"      ?{option.describe()}" for option in self.options]
        return "\n".join(lines)


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed URL: ``scheme:path?options``; its getters check each value."""

    text: str
    scheme: str
    path: str
    options: dict[str, str] = field(default_factory=dict)

    def _bad(self, name: str, value: str, accepted: str) -> DeviceUrlError:
        return DeviceUrlError(
            f"{self.text!r}: option {name}={value!r} is not valid; {name} takes {accepted}."
        )

    def text_option(self, name: str, default: str = "") -> str:
        return self.options.get(name, default)

    def choice(self, name: str, choices: Iterable[str], default: str) -> str:
        value = self.options.get(name, default).lower()
        allowed = tuple(choices)
        if value not in allowed:
            raise self._bad(name, value, "one of " + ", ".join(allowed))
        return value

    def int_option(self, name: str, default: int, low: int, high: int) -> int:
        value = self.options.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise self._bad(name, value, f"a whole number from {low} to {high}")
        return number

    def bool_option(self, name: str, default: bool) -> bool:
        value = self.options.get(name)
        if value is None:
            return default
        if value.lower() in ("1", "yes", "on", "true"):
            return True
        if value.lower() in ("0", "no", "off", "false"):
            return False
        raise self._bad(name, value, "on or off")


AIM_OPTION = Option("aim", "read an AIM identifier (]Q1...) before the code", "on", ("on", "off"))
"""The option every keyboard or serial scanner scheme shares."""

_SCHEMES: dict[str, SchemeSpec] = {}

# The module that registers each scheme, imported on first use.
_PROVIDERS: dict[str, str] = {
    "serial": "drivers.serial_scanner",
    "hid": "drivers.hid",
    "wedge": "drivers.wedge",
    "sim": "drivers.sim",
    "camera": "drivers.camera.scanner",  # drivers.camera itself is the decoder alone
}
_MISSING: dict[str, str] = {}


def register_scheme(spec: SchemeSpec, *, module: str | None = None) -> None:
    """Make ``spec.scheme`` usable in device URLs (a driver module calls this on import)."""
    _SCHEMES[spec.scheme] = spec
    if module is not None:
        _PROVIDERS.setdefault(spec.scheme, module)
    _MISSING.pop(spec.scheme, None)


def _load(scheme: str) -> SchemeSpec | None:
    if scheme in _SCHEMES:
        return _SCHEMES[scheme]
    module = _PROVIDERS.get(scheme)
    if module is None or scheme in _MISSING:
        return None
    try:
        importlib.import_module(module)
    except ImportError as exc:
        # the driver's module itself, or a library it needs, is not in this build
        missing = exc.name or module
        _MISSING[scheme] = (
            f"the {scheme} driver is not installed in this build"
            if missing == module
            else f"the {scheme} driver needs {missing}, which is not installed"
        )
        return None
    if scheme not in _SCHEMES:
        _MISSING[scheme] = f"module {module} did not register the {scheme} scheme"
    return _SCHEMES.get(scheme)


def scheme_spec(scheme: str) -> SchemeSpec:
    """The registered spec of ``scheme``; raises :class:`DeviceUrlError` if unusable."""
    spec = _load(scheme)
    if spec is None:
        reason = _MISSING.get(scheme, f"unknown scheme {scheme!r}")
        raise DeviceUrlError(f"{reason}.\n{describe_schemes()}")
    return spec


def describe_schemes() -> str:
    """Every scheme with its URL forms and options, for error messages and ``--help``."""
    lines = ["Accepted device URLs:"]
    for scheme in _PROVIDERS:
        spec = _load(scheme)
        if spec is None:
            lines.append(f"  {scheme}: {_MISSING.get(scheme, 'not available')}")
        else:
            lines.append(spec.describe())
    lines += [spec.describe() for name, spec in _SCHEMES.items() if name not in _PROVIDERS]
    return "\n".join(lines)


def parse_device_url(text: str) -> DeviceUrl:
    """Split and check a device URL against its scheme's spec."""
    text = text.strip()
    if ":" not in text:
        hint = f" Did you mean serial://{text}?" if text.startswith("/dev/tty") else ""
        raise DeviceUrlError(
            f"{text!r} is not a device URL: it needs a scheme such as serial: or hid:.{hint}\n"
            + describe_schemes()
        )
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    spec = scheme_spec(scheme)
    if parts.netloc:
        raise DeviceUrlError(
            f"{text!r}: a device path needs three slashes, as in "
            f"{scheme}:///{parts.netloc}{parts.path}"
        )
    if parts.fragment:
        raise DeviceUrlError(f"{text!r}: a device URL has no '#' part")
    path = parts.path
    if spec.path == "required" and not path:
        raise DeviceUrlError(
            f"{text!r}: {scheme}: needs a device, as in " + " or ".join(spec.forms)
        )
    if spec.path == "none" and path:
        raise DeviceUrlError(
            f"{text!r}: {scheme}: takes no device path, only options: " + " or ".join(spec.forms)
        )
    options: dict[str, str] = {}
    known = {option.name for option in spec.options}
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise DeviceUrlError(
            f"{text!r}: options must be written name=value and joined with &"
        ) from None
    for name, value in pairs:
        if name not in known:
            accepted = ", ".join(sorted(known)) or "none"
            raise DeviceUrlError(
                f"{text!r}: unknown option {name!r} for {scheme}:. Accepted: {accepted}.\n"
                + spec.describe()
            )
        if name in options:
            raise DeviceUrlError(f"{text!r}: option {name!r} is given twice")
        options[name] = value
    return DeviceUrl(text=text, scheme=scheme, path=path, options=options)


def open_scanner(url: str) -> Scanner:
    """Build the scanner a device URL names; ``async with`` it to start reading.

    Raises :class:`DeviceUrlError` for a URL that cannot be used. Problems with
    the device itself (unplugged, no permission) do not raise: they show in the
    scanner's state while it retries.
    """
    device_url = parse_device_url(url)
    return scheme_spec(device_url.scheme).factory(device_url)
