"""The backend's settings: one frozen object, filled from command-line flags or the environment.

Every setting has a flag (``--code-ttl-s 60``) and an environment variable
(``SCANPAY_CODE_TTL_S=60``); the flag wins. Times are seconds (fractions
allowed, so tests can use short ones), money is integer fen. Instances that
share a database should be started with the same settings: codes and trades
store the deadlines they were given, so a mismatch never corrupts anything,
but limits would differ between instances.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from protocol.money import ExchangeRate

__all__ = ["Settings", "add_setting_flags", "database_url_for", "settings_from_args"]

_ENV_PREFIX = "SCANPAY_"
_MAY_BE_ZERO = {"no_pin_limit_fen", "rate_terminal", "rate_merchant"}
_SIGNED = {"utc_offset_min"}


def _setting(default: Any, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class Settings:
    """What the operator can tune. Defaults are the product's (DESIGN.md sections 5-6)."""

    code_ttl_s: float = _setting(60.0, "seconds a payment code stays valid")
    pin_deadline_s: float = _setting(90.0, "seconds a trade waits for its PIN before it is closed")
    pin_attempts: int = _setting(5, "wrong PINs within the lock window that lock PIN payments")
    pin_lock_window_s: float = _setting(86400.0, "window in which wrong PINs are counted")
    no_pin_limit_fen: int = _setting(20_000, "system no-PIN limit in fen (members may set lower)")
    max_trade_fen: int = _setting(500_000, "largest wallet payment in fen; above: OVER_LIMIT")
    max_day_fen: int = _setting(2_000_000, "wallet payments per member per 24 h in fen")
    rate_points: int = _setting(100, "exchange rate: this many points ...")
    rate_fen: int = _setting(100, "... are worth this many fen")
    earn_points_per_cny: int = _setting(1, "points earned per whole CNY paid with other tenders")
    sms_code_ttl_s: float = _setting(300.0, "seconds a login or PIN-reset SMS code stays valid")
    sms_attempts: int = _setting(5, "wrong tries after which an SMS code dies")
    sms_codes_per_window: int = _setting(
        10, "SMS codes a number may be sent per purpose in the SMS window (bounds guessing)"
    )
    sms_per_source: int = _setting(20, "SMS requests one address may make in the SMS window")
    sms_window_s: float = _setting(600.0, "the SMS limits' window, shared by all instances")
    session_ttl_s: float = _setting(1800.0, "seconds a member's wallet session lasts")
    activation_ttl_s: float = _setting(86400.0, "seconds an activation code stays valid")
    busy_timeout_ms: int = _setting(5000, "wait for a database lock before answering SERVICE_BUSY")
    pool_size: int = _setting(10, "database connections per instance (PostgreSQL)")
    heartbeat_interval_s: float = _setting(
        30.0, "seconds between a terminal's heartbeats; three missed and it is offline"
    )
    heartbeat_keep_s: float = _setting(86400.0, "how long heartbeats are kept (the latest always)")
    commit_batch: int = _setting(
        64, "SQLite: terminal requests that may share one commit and fsync (1: each commits alone)"
    )
    commit_batch_s: float = _setting(
        0.005, "SQLite: a shared commit takes no more requests after holding the writer this long"
    )
    sweep_interval_s: float = _setting(
        1.0, "how often the sweeper closes trades past their PIN deadline"
    )
    # gateway limits and bulkheads (issue 9)
    rate_terminal: int = _setting(20, "requests per rate window per terminal (0: no limit)")
    rate_merchant: int = _setting(1000, "requests per rate window per merchant (0: no limit)")
    rate_window_s: float = _setting(1.0, "the rate limits' window, shared by all instances")
    max_body_bytes: int = _setting(65536, "largest request body; above it 413 REQUEST_TOO_LARGE")
    db_concurrency: int = _setting(
        32, "terminal requests at work at once per instance (bulkhead); above channel_concurrency"
    )
    db_queue: int = _setting(64, "terminal requests that may wait for a slot; beyond: SERVICE_BUSY")
    # routing and external channels
    utc_offset_min: int = _setting(
        480, "the stores' time zone, minutes east of UTC: business days, maintenance hours"
    )
    channel_timeout_s: float = _setting(5.0, "longest wait for a channel's answer; then: query")
    channel_deadline_s: float = _setting(
        90.0, "a trade still PROCESSING this long after the pay is reversed by the backend"
    )
    channel_poll_s: float = _setting(3.0, "how often the backend queries a PROCESSING trade")
    channel_concurrency: int = _setting(16, "calls in flight per channel per instance (bulkhead)")
    late_watch_s: float = _setting(300.0, "after a reverse, how long to watch for a late success")
    health_window_s: float = _setting(60.0, "sliding window of a channel's success rate")
    health_threshold_pct: int = _setting(
        95, "success rate in percent below which a channel is taken out"
    )
    health_min_samples: int = _setting(20, "calls in the window before the rate counts")
    health_probe_samples: int = _setting(5, "healthy probes in the window that put a channel back")
    health_check_s: float = _setting(5.0, "how often health is computed and probes sent")
    breaker_failures: int = _setting(5, "channel errors in a row that open its circuit breaker")
    breaker_open_s: float = _setting(30.0, "how long an open breaker refuses before a trial call")
    sim_hang_s: float = _setting(30.0, "how long a simulated channel's 'timeout' keeps silent")

    @property
    def rate(self) -> ExchangeRate:
        return ExchangeRate(self.rate_points, self.rate_fen)

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """Add one ``--flag`` per setting; defaults come from the environment, then the code."""
    group = parser.add_argument_group("settings (also SCANPAY_<NAME> in the environment)")
    for f in fields(Settings):
        kind = int if f.type in (int, "int") else float
        group.add_argument(
            _flag(f.name),
            dest=f.name,
            type=kind,
            default=None,
            metavar=f.name.rsplit("_", 1)[-1].upper() if "_" in f.name else "N",
            help=f"{f.metadata['help']} (default {f.default})",
        )


def settings_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    """Flags first, then ``SCANPAY_<NAME>``, then the defaults. Bad values raise ``ValueError``."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        kind = int if f.type in (int, "int") else float
        given = getattr(args, f.name, None)
        if given is None and (text := env.get(_ENV_PREFIX + f.name.upper())) is not None:
            try:
                given = kind(text)
            except ValueError:
                raise ValueError(
                    f"{_ENV_PREFIX}{f.name.upper()}={text!r} is not a number"
                ) from None
        if given is not None:
            if f.name in _SIGNED:
                if not -14 * 60 <= given <= 14 * 60:
                    raise ValueError(f"{_flag(f.name)} must be between -840 and 840")
            elif given < 0 or (given == 0 and f.name not in _MAY_BE_ZERO):
                raise ValueError(f"{_flag(f.name)} must be more than zero")
            values[f.name] = given
    settings = Settings(**values)
    settings.rate  # noqa: B018 - validates the rate
    return settings


def database_url_for(data_dir: Path, database_url: str | None) -> str:
    """The SQLAlchemy URL: ``--database-url`` if given, else ``DATA/scanpay.db``."""
    if database_url:
        return database_url
    return f"sqlite:///{(data_dir / 'scanpay.db').resolve()}"
