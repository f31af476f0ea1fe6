"""A loopback HTTP proxy in front of the real backend that loses chosen answers.

The backend does the work; the proxy then drops the connection instead of
passing the answer on, as a network cut after the request arrived would.
That is the "unknown outcome" the till must query instead of guessing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

import httpx

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class LosingProxy:
    def __init__(self, target: str) -> None:
        self.target = target
        self.lose: Counter[str] = Counter()  # path -> answers still to lose
        self.seen: list[str] = []
        self._server: asyncio.Server | None = None
        self._client = httpx.AsyncClient(base_url=target, timeout=30)

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        await self._client.aclose()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                headers = dict(
                    line.split(": ", 1) for line in header_lines if line and ": " in line
                )
                length = int(headers.get("Content-Length") or headers.get("content-length") or 0)
                body = await reader.readexactly(length) if length else b""
                self.seen.append(path)
                forwarded = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
                answer = await self._client.request(method, path, content=body, headers=forwarded)
                if self.lose[path] > 0:
                    self.lose[path] -= 1
                    return  # the backend has done it; the till never hears back
                out = [f"HTTP/1.1 {answer.status_code} {answer.reason_phrase}"]
                out += [
                    f"{k}: {v}" for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP
                ]
                out.append(f"Content-Length: {len(answer.content)}")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + answer.content)
                await writer.drain()
        finally:
            writer.close()
