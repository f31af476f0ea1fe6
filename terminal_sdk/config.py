"""The terminal's configuration: one TOML file, the same for the POS and the PDA.

Example (every key optional)::

    [backend]
    url = "https://pay.store.example:8700"
    ca_file = "/etc/scanpay/store-ca.pem"   # the store's own CA, for https
    connect_timeout_s = 3
    request_timeout_s = 10

    [terminal]
    language = "zh"                 # "en" or "zh"; empty follows the locale
    data_dir = "~/.local/share/scanpay"   # journal and fallback credentials
    account = "default"             # keyring entry name

    [devices]
    scanners = ["serial:///dev/ttyACM0?baud=9600&suffix=cr", "wedge:"]
    pinpad = "socket:///run/scanpay/pinpad.sock"
    printer = "tcp://192.168.1.50:9100?width=80"   # receipts and the cash drawer
    voice = "espeak:?lang=zh"                     # say the result aloud (off by default)

The file is found at ``--config``, else ``$SCANPAY_CONFIG``, else
``~/.config/scanpay/terminal.toml``; a missing file means all defaults.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["ConfigError", "TerminalConfig", "default_config_path", "load_config"]


class ConfigError(Exception):
    """The configuration file cannot be used; the message says where and why."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BackendConfig(_Section):
    url: str = "http://127.0.0.1:8700"
    ca_file: str = ""
    connect_timeout_s: Annotated[float, Field(gt=0, le=60)] = 3.0
    request_timeout_s: Annotated[float, Field(gt=0, le=120)] = 10.0


class TerminalSection(_Section):
    language: str = ""
    data_dir: str = "~/.local/share/scanpay"
    account: str = "default"


class DevicesConfig(_Section):
    scanners: list[str] = Field(default_factory=lambda: ["wedge:"])
    pinpad: str = ""
    printer: str = ""  # a receipt printer's URL (drivers/printer): tcp://..., serial://..., sim:
    voice: str = ""  # the spoken result: espeak:?lang=zh (off when empty)


class TerminalConfig(_Section):
    backend: BackendConfig = Field(default_factory=BackendConfig)
    terminal: TerminalSection = Field(default_factory=TerminalSection)
    devices: DevicesConfig = Field(default_factory=DevicesConfig)
    source: str = Field(default="(defaults)", exclude=True)

    @property
    def data_dir(self) -> Path:
        return Path(self.terminal.data_dir).expanduser()

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.db"

    @property
    def credentials_file(self) -> Path:
        return self.data_dir / "credentials.json"


def default_config_path() -> Path:
    env = os.environ.get("SCANPAY_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path("~/.config/scanpay/terminal.toml").expanduser()


def load_config(path: Path | str | None = None) -> TerminalConfig:
    """Read the configuration; raise :class:`ConfigError` with a plain message on any problem."""
    file = Path(path).expanduser() if path else default_config_path()
    if not file.exists():
        if path:
            raise ConfigError(f"Configuration file {file} does not exist.")
        return TerminalConfig()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {file}: {exc.strerror}") from None
    try:
        config = TerminalConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{file}: {problems}") from None
    config.source = str(file)
    return config
