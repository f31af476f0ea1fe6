"""The test harness: a real PostgreSQL, a real ``scanpay-backend serve``, and clients for both.

Used through the fixtures in ``tests/conftest.py``; usable directly too:

- :class:`PostgresServer` runs Debian's PostgreSQL (``/usr/lib/postgresql/*/bin``)
  from a temporary directory on a free loopback port. PostgreSQL refuses to run
  as root, so under root it runs as the ``postgres`` user (``runuser``). It runs
  with ``fsync=off``: the tests are about concurrency and correctness, and the
  durability of a throw-away cluster is not worth their time.
- :class:`BackendServer` starts ``python -m backend_stub serve`` as a subprocess
  on 127.0.0.1 (SQLite in a temporary data directory, or a PostgreSQL URL),
  waits until ``/healthz`` answers, and stops it (or kills it: ``kill()``,
  SIGKILL, and ``start()`` again on the same port). ``run_cli`` runs the
  other ``scanpay-backend`` commands against the same database.
- :class:`SignedClient` is a terminal: it signs every request like the
  protocol says and checks every answer's signature and nonce echo.
- :class:`Operator` holds the operator token (members, SMS outbox, freezing,
  activation codes); :class:`Member` signs in through the SMS outbox, sets a
  PIN and gets payment codes.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from protocol import replay, signing
from protocol.models import ApiResponse
from protocol.pin import seal_pin

__all__ = [
    "BackendServer",
    "Member",
    "Operator",
    "PostgresServer",
    "Reply",
    "SignedClient",
    "free_port",
    "issue_codes",
    "unique",
]

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unique(prefix: str = "T") -> str:
    """A fresh identifier for ``out_trade_no``, member numbers and the like."""
    return f"{prefix}{uuid.uuid4().hex[:20]}"


def _as_postgres_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PostgresServer:
    """A throw-away PostgreSQL cluster on 127.0.0.1."""

    def __init__(self, *, durable: bool = False) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("PostgreSQL is not installed (Debian package: postgresql)")
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="scanpay-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.durable = durable
        self._started = False

    def _run(self, *args: str) -> None:
        subprocess.run([*_as_postgres_user(), *args], check=True, capture_output=True, timeout=60)

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self._started = True
        self.start_server()
        return self

    def start_server(self) -> None:
        """Start the (initialised) cluster; also after :meth:`stop_server`."""
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop_server(self, mode: str = "immediate") -> None:
        """Stop the server only (``immediate``: as in a crash, connections cut; ``fast``)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def admin_dsn(self) -> str:
        """A psycopg connection string as the superuser, for tests that act on the server."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def stop(self) -> None:
        if self._started:
            with contextlib.suppress(subprocess.SubprocessError):
                self._run(
                    str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
                )
            self._started = False
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class BackendServer:
    """``scanpay-backend serve`` in a subprocess. ``settings`` become ``--flag value`` pairs."""

    data_dir: Path
    database_url: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)  # more of serve's flags, e.g. --access-log
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"serve-{self.port}.log"

    @property
    def db_args(self) -> list[str]:
        args = ["--data", str(self.data_dir)]
        return args + (["--database-url", self.database_url] if self.database_url else [])

    def run_cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``scanpay-backend <args...>`` on this server's database."""
        command, *rest = args
        return subprocess.run(
            [sys.executable, "-m", "backend_stub", command, *self.db_args, *rest],
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
            cwd=REPO,
        )

    def start(self, timeout_s: float = 60.0) -> BackendServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        flags: list[str] = []
        for name, value in self.settings.items():
            flag = "--" + name.replace("_", "-")
            flags += [flag] if value is True else [flag, str(value)]
        command = [
            sys.executable,
            "-m",
            "backend_stub",
            "serve",
            *self.db_args,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *flags,
            *self.flags,
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the backend exited early:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/readyz", timeout=1.0).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the backend did not become ready:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def kill(self) -> None:
        """SIGKILL, as when the machine's OOM killer or a power cut takes the process."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None


@dataclass
class Reply:
    status: int
    body: ApiResponse

    @property
    def code(self) -> str:
        return self.body.code

    @property
    def data(self) -> dict[str, Any]:
        return self.body.data or {}


def signed_request(
    terminal_id: str,
    secret: str,
    fields: dict[str, Any],
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """A terminal request body as the SDK sends it: ``fields`` (None dropped), identity, time,
    a fresh nonce, and the signature over all of it."""
    body = {k: v for k, v in fields.items() if v is not None}
    body.update(
        terminal_id=terminal_id,
        timestamp=replay.now_s() if timestamp is None else timestamp,
        nonce=nonce or replay.new_nonce(),
    )
    body["sign"] = signing.sign(body, secret)
    return body


class SignedClient:
    """A terminal: signs requests, and refuses answers that are not signed for it."""

    def __init__(self, base_url: str, terminal_id: str, secret: str, **extra: Any) -> None:
        self.base_url = base_url
        self.terminal_id = terminal_id
        self.secret = secret
        self.extra = extra  # the rest of the enrolment answer (pin key...)
        self.http = httpx.Client(base_url=base_url, timeout=30.0)

    @classmethod
    def enrol(cls, base_url: str, activation_code: str, kind: str = "pos") -> SignedClient:
        answer = httpx.post(
            base_url + "/v1/enrol",
            json={"activation_code": activation_code, "kind": kind, "device_name": "test"},
            timeout=30.0,
        ).json()
        assert answer["code"] == "OK", answer
        data = answer["data"]
        assert signing.verify(answer, data["secret"])
        return cls(base_url, **data)

    def signed_body(
        self, fields: dict[str, Any], *, timestamp: int | None = None, nonce: str | None = None
    ) -> dict[str, Any]:
        return signed_request(
            self.terminal_id, self.secret, fields, timestamp=timestamp, nonce=nonce
        )

    def post_raw(self, name: str, body: dict[str, Any] | bytes) -> httpx.Response:
        if isinstance(body, bytes):
            return self.http.post(
                f"/v1/{name}", content=body, headers={"content-type": "application/json"}
            )
        return self.http.post(f"/v1/{name}", json=body)

    def check(self, response: httpx.Response, nonce: str) -> Reply:
        """The answer, after checking it is signed with our secret and echoes our nonce."""
        raw = response.json()
        assert isinstance(raw, dict), raw
        if raw.get("sign"):
            assert signing.verify(raw, self.secret), f"badly signed answer: {raw}"
            assert raw.get("nonce") == nonce, f"answer for another request: {raw}"
        return Reply(response.status_code, ApiResponse.model_validate(raw))

    def call(self, name: str, **fields: Any) -> Reply:
        body = self.signed_body(fields)
        reply = self.check(self.post_raw(name, body), body["nonce"])
        assert reply.body.sign, f"unsigned answer from a known terminal: {reply.body}"
        return reply

    def ok(self, name: str, **fields: Any) -> dict[str, Any]:
        reply = self.call(name, **fields)
        assert reply.code == "OK" and reply.status == 200, reply
        return reply.data

    def pin_envelope(self, out_trade_no: str, pin: str) -> dict[str, str]:
        """A PIN sealed for this terminal's trade, as a PIN pad would send it."""
        reference = f"{self.terminal_id}:{out_trade_no}"
        return seal_pin(pin, reference, self.extra["pin_public_key"].encode("ascii")).to_dict()

    def pay(
        self, code: str, amount_fen: int, out_trade_no: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """``pay`` that must be answered OK; returns the TradeView."""
        return self.ok(
            "pay",
            out_trade_no=out_trade_no or unique(),
            payment_code=code,
            amount_fen=amount_fen,
            **fields,
        )

    def confirm_pin(self, out_trade_no: str, pin: str) -> dict[str, Any]:
        return self.ok(
            "confirm", out_trade_no=out_trade_no, pin_envelope=self.pin_envelope(out_trade_no, pin)
        )

    def close(self) -> None:
        self.http.close()


class Operator:
    """The operator API with the bearer token from ``scanpay-backend admin-token``."""

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base_url + "/admin/v1",
            timeout=30.0,
            headers={"authorization": f"Bearer {token}"},
        )

    def _ok(self, response: httpx.Response) -> Any:
        body = response.json()
        assert body["code"] == "OK", body
        return body["data"]

    def create_member(
        self,
        *,
        points: int = 0,
        card_fen: int = 0,
        member_no: str | None = None,
        phone: str | None = None,
    ) -> dict[str, Any]:
        member_no = member_no or unique("M")[:20]
        phone = phone or f"139{int(uuid.uuid4().int % 10**8):08d}"
        return dict(
            self._ok(
                self.http.post(
                    "/members",
                    json={
                        "member_no": member_no,
                        "phone": phone,
                        "name": "Test",
                        "points": points,
                        "card_fen": card_fen,
                    },
                )
            )
        )

    def member(self, member_no: str) -> dict[str, Any]:
        return dict(self._ok(self.http.get(f"/members/{member_no}")))

    def freeze(self, member_no: str, frozen: bool = True) -> dict[str, Any]:
        action = "freeze" if frozen else "unfreeze"
        return dict(self._ok(self.http.post(f"/members/{member_no}/{action}")))

    def outbox(self, member_no: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit}
        if member_no:
            params["member_no"] = member_no
        return list(self._ok(self.http.get("/sms-outbox", params=params)))

    def last_sms_code(self, member_no: str, purpose: str) -> str:
        for message in self.outbox(member_no, limit=50):
            if message["purpose"] == purpose:
                found = re.search(r"\b(\d{6})\b", message["text"])
                assert found, message
                return found.group(1)
        raise AssertionError(f"no {purpose} SMS for {member_no}")

    def activation_code(self, kind: str = "pos") -> str:
        return str(
            self._ok(self.http.post("/activation-codes", json={"kind": kind}))["activation_code"]
        )

    def verify(self) -> dict[str, Any]:
        return dict(self._ok(self.http.get("/verify")))

    def close(self) -> None:
        self.http.close()


class Member:
    """A member on the wallet side: signs in through the SMS outbox, sets a PIN, shows codes."""

    def __init__(self, base_url: str, operator: Operator, member_no: str) -> None:
        self.base_url = base_url
        self.operator = operator
        self.member_no = member_no
        self.http = httpx.Client(base_url=base_url + "/member/v1", timeout=30.0)
        self.token = ""

    def _ok(self, response: httpx.Response) -> Any:
        body = response.json()
        assert body["code"] == "OK", body
        return body["data"]

    def request_sms(self, purpose: str) -> str:
        self._ok(self.http.post("/sms", json={"member_no": self.member_no, "purpose": purpose}))
        return self.operator.last_sms_code(self.member_no, purpose)

    def login(self) -> Member:
        code = self.request_sms("login")
        data = self._ok(
            self.http.post("/login", json={"member_no": self.member_no, "sms_code": code})
        )
        self.token = data["token"]
        self.http.headers["authorization"] = f"Bearer {self.token}"
        return self

    def set_pin(self, pin: str) -> None:
        code = self.request_sms("reset")
        self._ok(self.http.post("/pin", json={"sms_code": code, "new_pin": pin}))

    def code(self, wallet: str = "points") -> str:
        return str(self._ok(self.http.post("/code", json={"wallet": wallet}))["code"])

    def account(self) -> dict[str, Any]:
        return dict(self._ok(self.http.get("/account")))

    def records(self, cursor: str | None = None, limit: int = 20) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return dict(self._ok(self.http.get("/records", params=params)))

    def set_limit(self, limit_fen: int) -> httpx.Response:
        return self.http.post("/limit", json={"no_pin_limit_fen": limit_fen})

    def close(self) -> None:
        self.http.close()


def seed_and_token(server: BackendServer) -> tuple[dict[str, Any], str]:
    """Run ``seed-demo --json`` and ``admin-token`` on the server's database."""
    seeded = json.loads(server.run_cli("seed-demo", "--json").stdout)
    token = server.run_cli("admin-token").stdout.strip().splitlines()[-1]
    return seeded, token


def issue_codes(
    database_url: str, count: int, *, per_member: int = 8, points: int = 100_000
) -> list[str]:
    """``count`` live points payment codes of fresh members, made in the database directly.

    For load tests and benchmarks: far faster than signing members in through
    the SMS outbox. Each member gets ``per_member`` codes (one per wallet slot,
    valid an hour), under the built-in risk rule of 10 no-PIN payments a day.
    """
    from backend_stub.payments import members, paycodes
    from backend_stub.storage.db import Database
    from protocol.paycode import Issuer

    db = Database(database_url)
    now = int(time.time() * 1000)
    codes: list[str] = []
    try:
        with db.write() as conn:
            while len(codes) < count:
                member = members.create_member(
                    conn,
                    member_no=unique("L")[:20],
                    phone="13900000000",
                    name="load",
                    now_ms=now,
                    points=points,
                )
                for slot in range(per_member):
                    issued = paycodes.issue(
                        conn, member.id, Issuer.POINTS, f"load{slot}", now, 3_600_000
                    )
                    codes.append(issued.code)
    finally:
        db.dispose()
    return codes[:count]
