"""``scanpay-backend``: serve the backend, seed demo data, check the ledger, operator chores.

Every command takes ``--data DIR`` (SQLite in ``DIR/scanpay.db``, the
default) or ``--database-url postgresql+psycopg://...``, and brings the
schema up to date before it does anything else.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from backend_stub.clock import BadClockOffset, Clock, OffsetFileClock, SystemClock, ms_to_s, s_to_ms
from backend_stub.context import Backend
from backend_stub.ledger import postings as ledger
from backend_stub.observability.logs import configure_logging
from backend_stub.payments import sms, terminals
from backend_stub.settings import Settings, add_setting_flags, database_url_for, settings_from_args
from backend_stub.storage import keys
from backend_stub.storage.backup import backup_sqlite
from backend_stub.storage.db import Database
from backend_stub.storage.group_commit import CommitDrill
from backend_stub.storage.migrate import upgrade
from protocol.models import TerminalKind

from . import routing as cli_routing
from . import seed, workers
from .cod import add_cod_commands
from .fleet import add_fleet_commands

__all__ = ["main", "open_backend"]

log = logging.getLogger("scanpay")


def open_backend(
    data_dir: Path,
    database_url: str | None,
    settings: Settings,
    clock: Clock | None = None,
    drill: CommitDrill | None = None,
) -> Backend:
    """Connect, migrate, and make sure the shared keys exist."""
    if not database_url:
        data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(
        database_url_for(data_dir, database_url),
        busy_timeout_ms=settings.busy_timeout_ms,
        pool_size=settings.pool_size,
        batch=settings.commit_batch,
        batch_s=settings.commit_batch_s,
        drill=drill,
    )
    upgrade(db)
    backend = Backend(db, settings, clock or SystemClock())
    with db.write() as conn:
        keys.ensure_keys(conn, backend.now_ms())
    return backend


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _serve(backend: Backend, args: argparse.Namespace) -> int:
    import uvicorn

    from backend_stub.app import create_app

    sockets = None
    if args.listen_fd is not None:  # a worker of `serve --workers N`
        workers.die_with_parent(args.parent_pid)
        sockets = [workers.listening_socket(args.listen_fd)]
    else:
        where = (
            "PostgreSQL" if not backend.db.is_sqlite else backend.db.url.removeprefix("sqlite:///")
        )
        processes = f", {args.workers} worker processes" if args.workers > 1 else ""
        print(
            f"ScanPay backend on http://{args.host}:{args.port}  (database: {where}{processes})",
            flush=True,
        )
        print(f"Customer wallet page: http://{args.host}:{args.port}/wallet", flush=True)
        if args.workers > 1:
            backend.db.dispose()  # the workers open their own
            return workers.run_workers(args.argv, args.host, args.port, args.workers)
    config = uvicorn.Config(
        create_app(
            backend, access_log=args.access_log, jobs_lock=args.jobs_lock, lane=not args.no_lane
        ),
        host=args.host,
        port=args.port,
        log_level=args.log_level.lower(),
        log_config=None,  # our JSON logging (observability.logs), already configured
        access_log=False,  # our structured access log instead (observability.instrument)
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    server.run(sockets=sockets)
    return 0 if server.started else 3


def _backup(backend: Backend, args: argparse.Namespace) -> int:
    if not backend.db.is_sqlite:
        print(
            "scanpay-backend: backup copies the SQLite file; for PostgreSQL use pg_dump "
            "(see the README, Running in production)",
            file=sys.stderr,
        )
        return 2
    source = Path(backend.db.url.removeprefix("sqlite:///"))
    try:
        report = backup_sqlite(source, args.dest)
    except (OSError, ValueError, sqlite3.Error) as exc:
        print(f"scanpay-backend: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {report.pages} pages ({report.size_bytes} bytes) to {report.path}")
    return 0


def _seed_demo(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.write() as conn:
        report = seed.seed_demo(conn, backend.now_ms(), backend.settings)
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.text())
    return 0


def _verify(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.read() as conn:
        report = ledger.verify(conn)
    print(report.text())
    return 0 if report.ok else 1


def _activation_code(backend: Backend, args: argparse.Namespace) -> int:
    ttl = args.ttl_s if args.ttl_s is not None else backend.settings.activation_ttl_s
    with backend.db.write() as conn:
        store_id = args.store or terminals.first_store_id(conn)
        if store_id is None:
            print("There is no store yet: run `scanpay-backend seed-demo` first.", file=sys.stderr)
            return 2
        code, expires = terminals.create_activation_code(
            conn, store_id, TerminalKind(args.kind), backend.now_ms(), s_to_ms(ttl)
        )
    if args.json:
        print(
            json.dumps(
                {
                    "activation_code": code,
                    "store_id": store_id,
                    "kind": args.kind,
                    "expires_at": ms_to_s(expires),
                }
            )
        )
    else:
        print(
            f"{code}  ({args.kind} terminal for store {store_id}; "
            f"one use; expires {_when(expires)})"
        )
    return 0


def _sms_outbox(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.read() as conn:
        messages = sms.outbox(conn, member_no=args.member, limit=args.limit)
    if not messages:
        print("The SMS outbox is empty.")
    for msg in messages:
        print(
            f"{_when(msg.created_at_ms)}  {msg.member_no}  {msg.phone}  [{msg.purpose}]  {msg.text}"
        )
    return 0


def _admin_token(backend: Backend, args: argparse.Namespace) -> int:
    with backend.db.write() as conn:
        token = keys.rotate_admin_token(conn) if args.rotate else keys.admin_token(conn)
    print(token)
    return 0


Command = Callable[[Backend, argparse.Namespace], int]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scanpay-backend",
        description="The ScanPay backend: payment codes, trades, points ledger, PINs, enrolment.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--data",
            type=Path,
            default=Path("data"),
            metavar="DIR",
            help="data directory; SQLite lives in DIR/scanpay.db (default ./data)",
        )
        p.add_argument(
            "--database-url",
            default=None,
            metavar="URL",
            help="use this database instead, e.g. postgresql+psycopg://user@host/db "
            "(also SCANPAY_DATABASE_URL)",
        )
        p.set_defaults(func=func)
        return p

    serve = command("serve", _serve, "run the HTTP server (and its sweeper)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8700, help="port (default 8700)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="server processes sharing the port and the database (default 1; about one per "
        "core); the background jobs run in one of them",
    )
    serve.add_argument("--listen-fd", type=int, default=None, help=argparse.SUPPRESS)
    serve.add_argument("--jobs-lock", type=Path, default=None, help=argparse.SUPPRESS)
    serve.add_argument("--parent-pid", type=int, default=0, help=argparse.SUPPRESS)
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--access-log", action="store_true", help="log every request (method, route, status, code)"
    )
    serve.add_argument(
        "--no-lane",
        action="store_true",
        help="answer the terminal routes through FastAPI's routing and middleware, not the "
        "lane ahead of it (slower; for comparisons)",
    )
    serve.add_argument(
        "--log-format",
        default="json",
        choices=["json", "text"],
        help="log lines as JSON objects (default) or plain text; secrets are masked either way",
    )
    serve.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-For/-Proto from --forwarded-allow-ips (behind a reverse proxy)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        metavar="IPS",
        help="proxies whose X-Forwarded-* headers are trusted (default 127.0.0.1)",
    )
    serve.add_argument(
        "--clock-offset-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="tests and drills only: add the seconds written in PATH to the clock, read again "
        "whenever the file changes (off by default)",
    )
    serve.add_argument(
        "--commit-drill-file",
        type=Path,
        default=None,
        metavar="PATH",
        help="tests and drills only: hold a shared SQLite commit when PATH says so, "
        "to kill the server there (storage.group_commit.CommitDrill; off by default)",
    )
    add_setting_flags(serve)

    seed_demo = command(
        "seed-demo", _seed_demo, "create a demo store, activation codes and members"
    )
    seed_demo.add_argument("--json", action="store_true", help="print what was made as JSON")

    command(
        "verify", _verify, "recompute every balance from the ledger; exit 1 on any disagreement"
    )

    backup = command(
        "backup", _backup, "copy the SQLite database to DEST while the server runs (online)"
    )
    backup.add_argument("dest", type=Path, metavar="DEST", help="file (or directory) to write")

    code = command("activation-code", _activation_code, "make a one-time terminal activation code")
    code.add_argument("--store", default=None, help="store id (default: the first store)")
    code.add_argument("--kind", default="pos", choices=[k.value for k in TerminalKind])
    code.add_argument(
        "--ttl-s", type=int, default=None, help="seconds it stays valid (default 1 day)"
    )
    code.add_argument("--json", action="store_true", help="print as JSON")

    outbox = command("sms-outbox", _sms_outbox, "list the SMS outbox, newest first")
    outbox.add_argument("--member", default=None, help="only this member number")
    outbox.add_argument("--limit", type=int, default=20, help="how many (default 20)")

    token = command("admin-token", _admin_token, "print the operator API's bearer token")
    token.add_argument("--rotate", action="store_true", help="replace it with a new one first")
    cli_routing.add_commands(command)
    add_cod_commands(command)
    add_fleet_commands(command)
    return parser


def _clock(args: argparse.Namespace) -> Clock:
    offset_file: Path | None = getattr(args, "clock_offset_file", None)
    if offset_file is None:
        return SystemClock()
    clock = OffsetFileClock(offset_file)
    log.warning("the clock is moved by %s (%+d ms now): tests only", offset_file, clock.offset_ms)
    return clock


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.argv = argv  # serve --workers starts itself again with these
    if getattr(args, "workers", 1) < 1:
        print("scanpay-backend: --workers must be 1 or more", file=sys.stderr)
        return 2
    configure_logging(getattr(args, "log_level", "info"), getattr(args, "log_format", "text"))
    if getattr(args, "log_level", "info") != "debug":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        print(f"scanpay-backend: {exc}", file=sys.stderr)
        return 2
    url = args.database_url or os.environ.get("SCANPAY_DATABASE_URL") or None
    try:
        clock = _clock(args)
    except BadClockOffset as exc:
        print(f"scanpay-backend: --clock-offset-file: {exc}", file=sys.stderr)
        return 2
    try:
        drill_file: Path | None = getattr(args, "commit_drill_file", None)
        drill = CommitDrill(drill_file) if drill_file is not None else None
        backend = open_backend(args.data, url, settings, clock, drill)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"scanpay-backend: cannot open the database: {reason}", file=sys.stderr)
        return 2
    try:
        func: Command = args.func
        return func(backend, args)
    finally:
        backend.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
