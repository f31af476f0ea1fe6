"""Routing configuration versions: draft -> snapshot -> publish -> rollback (seed 001).

- The *draft* is one editable document (validated whenever it is set).
- A *snapshot* freezes the draft as the next version number; versions never
  change afterwards.
- *Publish* makes a version the active one for every instance at once (the
  active version is a row in the database); *rollback* publishes an earlier
  version again. Each step is an event with its time, who did it (``operator``)
  and, for a publish or rollback, why: what was in force when, and on whose
  word, is always known; every trade records the version it was routed by.

Version 0 is the built-in configuration (an empty document: see
:mod:`backend_stub.routing.config`), in force until something is published.
Each request reads the active version number and its digest (one small
query, or :data:`ACTIVE_VERSION` and :func:`digest_of` inside a statement it
runs anyway, as ``pay`` does) and takes the compiled plan from a per-process
cache keyed by the version's digest (:func:`compiled`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from backend_stub.errors import ApiError, validation_message
from backend_stub.storage.schema import (
    routing_active,
    routing_draft,
    routing_events,
    routing_versions,
)
from protocol.errors import ErrorCode

from .config import RoutingConfig
from .plan import RoutingPlan

__all__ = [
    "ACTIVE_VERSION",
    "ActiveRouting",
    "VersionInfo",
    "active",
    "at_version",
    "compiled",
    "digest_of",
    "draft",
    "events",
    "list_versions",
    "parse_config",
    "publish",
    "set_draft",
    "snapshot",
    "version_config",
]

_DEFAULT = RoutingConfig()


@dataclass(frozen=True)
class ActiveRouting:
    version: int
    config: RoutingConfig
    plan: RoutingPlan


@dataclass(frozen=True)
class VersionInfo:
    version: int
    note: str
    digest: str
    created_at_ms: int
    active: bool


def _canonical(config: RoutingConfig) -> str:
    return json.dumps(
        config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def parse_config(document: Any) -> RoutingConfig:
    """A validated configuration, or ``BAD_REQUEST`` saying what is wrong where."""
    try:
        if isinstance(document, str | bytes):
            return RoutingConfig.model_validate_json(document)
        return RoutingConfig.model_validate(document)
    except ValidationError as exc:
        raise ApiError(ErrorCode.BAD_REQUEST, validation_message(exc, limit=5)) from None


def _event(
    conn: Connection,
    kind: str,
    version: int | None,
    note: str,
    now_ms: int,
    operator: str,
    reason: str = "",
) -> None:
    conn.execute(
        insert(routing_events).values(
            kind=kind,
            version=version,
            note=note[:128],
            at_ms=now_ms,
            operator=operator,
            reason=reason,
        )
    )


def draft(conn: Connection) -> RoutingConfig | None:
    text = conn.execute(select(routing_draft.c.config).where(routing_draft.c.id == 1)).scalar()
    return None if text is None else RoutingConfig.model_validate_json(text)


def set_draft(conn: Connection, document: Any, now_ms: int, *, operator: str = "") -> RoutingConfig:
    config = parse_config(document)
    text = _canonical(config)
    done = conn.execute(
        update(routing_draft)
        .where(routing_draft.c.id == 1)
        .values(config=text, updated_at_ms=now_ms)
    )
    if done.rowcount == 0:
        conn.execute(insert(routing_draft).values(id=1, config=text, updated_at_ms=now_ms))
    _event(conn, "draft", None, "", now_ms, operator)
    return config


def snapshot(conn: Connection, note: str, now_ms: int, *, operator: str = "") -> int:
    """Freeze the draft as the next version; returns its number."""
    text = conn.execute(
        select(routing_draft.c.config).where(routing_draft.c.id == 1).with_for_update()
    ).scalar()
    if text is None:
        raise ApiError(ErrorCode.BAD_REQUEST, "there is no draft: set one first")
    last = conn.execute(select(func.max(routing_versions.c.version))).scalar()
    version = int(last or 0) + 1
    conn.execute(
        insert(routing_versions).values(
            version=version,
            config=text,
            digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            note=note[:128],
            created_at_ms=now_ms,
        )
    )
    _event(conn, "snapshot", version, note, now_ms, operator)
    return version


def _active_version(conn: Connection) -> int:
    return int(conn.execute(select(ACTIVE_VERSION)).scalar_one())


def publish(
    conn: Connection,
    version: int,
    now_ms: int,
    *,
    rollback: bool = False,
    operator: str = "",
    reason: str = "",
) -> int:
    """Make ``version`` the active one; a rollback must go to an earlier version.

    Version 0 (the built-in configuration) can be put back in force too.
    ``operator`` and ``reason`` go into the event: who did it, and why.
    """
    exists = conn.execute(
        select(routing_versions.c.version).where(routing_versions.c.version == version)
    ).scalar()
    if exists is None and version != 0:
        raise ApiError(ErrorCode.BAD_REQUEST, f"version: there is no version {version}")
    current = conn.execute(
        select(routing_active.c.version).where(routing_active.c.id == 1).with_for_update()
    ).scalar()
    if rollback and (current is None or version >= current):
        raise ApiError(
            ErrorCode.BAD_REQUEST,
            f"version: a rollback goes to an earlier version than the active one ({current or 0})",
        )
    if version == 0:
        conn.execute(delete(routing_active).where(routing_active.c.id == 1))
    elif current is None:
        conn.execute(insert(routing_active).values(id=1, version=version, published_at_ms=now_ms))
    else:
        conn.execute(
            update(routing_active)
            .where(routing_active.c.id == 1)
            .values(version=version, published_at_ms=now_ms)
        )
    _event(
        conn,
        "rollback" if rollback else "publish",
        version,
        f"from version {current or 0}",
        now_ms,
        operator,
        reason,
    )
    return version


def version_config(conn: Connection, version: int) -> RoutingConfig:
    if version == 0:
        return _DEFAULT
    text = conn.execute(
        select(routing_versions.c.config).where(routing_versions.c.version == version)
    ).scalar()
    if text is None:
        raise ApiError(ErrorCode.BAD_REQUEST, f"version: there is no version {version}")
    return RoutingConfig.model_validate_json(text)


def list_versions(conn: Connection) -> list[VersionInfo]:
    current = _active_version(conn)
    rows = conn.execute(select(routing_versions).order_by(routing_versions.c.version)).all()
    return [
        VersionInfo(r.version, r.note, r.digest, r.created_at_ms, r.version == current)
        for r in rows
    ]


def events(conn: Connection, limit: int = 50) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(routing_events).order_by(routing_events.c.id.desc()).limit(limit)
    ).all()
    return [
        {
            "kind": r.kind,
            "version": r.version,
            "note": r.note,
            "at_ms": r.at_ms,
            "operator": r.operator,
            "reason": r.reason,
        }
        for r in rows
    ]


class _PlanCache:
    """Compiled plans by version, digest and UTC offset; versions never change, so never stale."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: dict[tuple[int, str, int], ActiveRouting] = {}

    def get(self, key: tuple[int, str, int]) -> ActiveRouting | None:
        with self._lock:
            return self._plans.get(key)

    def put(self, key: tuple[int, str, int], value: ActiveRouting) -> None:
        with self._lock:
            if len(self._plans) > 64:
                self._plans.clear()
            self._plans[key] = value


_CACHE = _PlanCache()


# The active version number as an expression, for a statement to record (0 if none).
ACTIVE_VERSION = func.coalesce(
    select(routing_active.c.version).where(routing_active.c.id == 1).scalar_subquery(), 0
)


def digest_of(version: Any) -> Any:
    """The digest of the version in column ``version``, as an expression ('' for version 0)."""
    found = select(routing_versions.c.digest).where(routing_versions.c.version == version)
    return func.coalesce(found.scalar_subquery(), "")


_ACTIVE = select(ACTIVE_VERSION.label("version"), digest_of(ACTIVE_VERSION).label("digest"))


def active(conn: Connection, utc_offset_min: int) -> ActiveRouting:
    """The configuration in force now, compiled."""
    row = conn.execute(_ACTIVE).one()
    return compiled(conn, int(row.version), str(row.digest), utc_offset_min)


def at_version(conn: Connection, version: int, utc_offset_min: int) -> ActiveRouting:
    """A given version, compiled (a trade is finished with the channels it was routed by)."""
    digest = str(conn.execute(select(digest_of(version))).scalar_one())
    return compiled(conn, version, digest, utc_offset_min)


def compiled(conn: Connection, version: int, digest: str, utc_offset_min: int) -> ActiveRouting:
    """Version ``version`` (digest ``digest``) compiled; from the cache when it is there."""
    key = (version, digest, utc_offset_min)
    found = _CACHE.get(key)
    if found is not None:
        return found
    config = version_config(conn, version)
    made = ActiveRouting(version, config, RoutingPlan(config, utc_offset_min))
    _CACHE.put(key, made)
    return made
