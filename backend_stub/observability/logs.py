"""Structured logs: one JSON object per line, with anything that looks like a secret masked.

The code never hands a secret to the logger (payment codes go through
``protocol.paycode.mask``; PINs, SMS codes, terminal secrets and tokens are
never passed at all). :class:`MaskSecrets` is the second line of defence: it
rewrites every record's message and fields before they are written.

- runs of 12 or more digits (a payment code or card number) -> ``protocol.paycode.mask``;
- 32 or more hex characters or base64url characters (secrets, tokens, hashes) -> ``***``;
- the value after ``pin``, ``sms_code``, ``secret``, ``token``, ``password``,
  ``sign``, ``activation_code`` or ``authorization`` (``key=value``,
  ``"key": "value"``, ``key: value``) -> ``***``.

A line: ``{"ts": "2026-11-24T08:00:00.123Z", "level": "INFO", "logger":
"scanpay.access", "msg": "...", ...fields}``; a failure adds ``exc_type`` and
``stack`` (the stack has file names and lines, never the values of variables).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

from protocol.paycode import mask

__all__ = ["JsonFormatter", "MaskSecrets", "TextFormatter", "configure_logging", "scrub"]

_DIGITS = re.compile(r"\d{12,}")
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")
_NAMED = re.compile(
    r"(?i)\b(pin|new_pin|sms_code|secret|token|password|sign|activation_code|authorization)"
    r"(\"?\s*[:=]\s*\"?)([^\s\",&}]+)"
)
_STANDARD = set(vars(logging.makeLogRecord({})))


def scrub(text: str) -> str:
    """``text`` with payment codes, long tokens and named secrets masked."""
    text = _NAMED.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    text = _DIGITS.sub(lambda m: mask(m.group(0)), text)
    return _LONG_TOKEN.sub("***", text)


class MaskSecrets(logging.Filter):
    """Rewrites the record in place: message, arguments and extra fields, all scrubbed."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, scrub(value))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in line and not name.startswith("_"):
                line[name] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            line["exc_type"] = record.exc_info[0].__name__
            line["stack"] = scrub("".join(traceback.format_tb(record.exc_info[2])))
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Plain lines; an exception's text and stack are masked as the JSON format masks them."""

    def formatException(self, ei: Any) -> str:
        return scrub(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return scrub(super().formatStack(stack_info))


def configure_logging(level: str, fmt: str = "json") -> None:
    """Root logging to stderr, JSON or plain text, every record masked; uvicorn's loggers too."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(MaskSecrets())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
