"""The client's TLS with the store's own CA, the OS keyring path, and trade records."""

from __future__ import annotations

import asyncio
import datetime
import http.server
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from keyring.backend import KeyringBackend

from protocol.errors import ErrorCode, OutcomeUnknown, ServiceUnavailable
from protocol.signing import sign
from terminal_sdk.client import ScanPayClient, enrol
from terminal_sdk.credentials import Credentials, CredentialStore

from .scripted_backend import SECRET


def _cert(subject: str, issuer_key, public_key, issuer: str, *, ca: bool, ip: str | None = None):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def store_tls(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """An HTTPS echo backend whose certificate is signed by the store's own CA."""
    tmp = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("Demo Mart CA", ca_key, ca_key.public_key(), "Demo Mart CA", ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert("backend", ca_key, key.public_key(), "Demo Mart CA", ca=False, ip="127.0.0.1")
    (tmp / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            answer = {"code": "OK", "message": "", "nonce": body["nonce"], "timestamp": 1}
            answer["sign"] = sign(answer, SECRET)
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", tmp / "ca.pem"
    server.shutdown()


async def test_the_store_ca_is_trusted_and_nothing_else(store_tls):
    url, ca_file = store_tls
    creds = Credentials("T1", SECRET)
    async with ScanPayClient(url, creds, ca_file=str(ca_file)) as client:
        await client.echo()  # verified against the store's CA
    async with ScanPayClient(url, creds) as client:  # the system CAs do not know it
        with pytest.raises((ServiceUnavailable, OutcomeUnknown)) as info:
            await client.echo()
    assert info.value.code in (ErrorCode.BACKEND_UNREACHABLE, ErrorCode.NETWORK_ERROR)


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in memory: the OS keyring's stand-in."""

    priority = -1  # never chosen by keyring's own discovery; only set_keyring() uses it

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


def test_credentials_go_to_the_os_keyring_when_there_is_one(tmp_path):
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        store = CredentialStore(tmp_path / "creds.json", account="till-2")
        where = store.save(Credentials("T2", "s3cret"))
        assert "OS keyring" in where and not (tmp_path / "creds.json").exists()
        assert ("scanpay-terminal", "till-2") in ring.items
        assert CredentialStore(tmp_path / "creds.json", account="till-2").load().secret == "s3cret"
        store.delete()
        assert ring.items == {}
    finally:
        keyring.set_keyring(previous)


async def test_trade_records_newest_first_in_pages(backend_sqlite):
    member = backend_sqlite.member(points=10_000)
    creds = await enrol(backend_sqlite.url, backend_sqlite.operator.activation_code("pos"))
    async with ScanPayClient(backend_sqlite.url, creds) as client:
        numbers = []
        for i in range(5):
            code = await asyncio.to_thread(member.code)
            number = f"REC{i:03d}{creds.terminal_id[-6:]}"
            await client.pay(out_trade_no=number, payment_code=code, amount_fen=100 + i)
            numbers.append(number)
        first = await client.trades(limit=3)
        rest = await client.trades(cursor=first.next_cursor, limit=3)
    seen = [t.out_trade_no for t in first.items + rest.items]
    assert seen == list(reversed(numbers))
    assert rest.next_cursor is None
