"""A web of many virtual hosts served on loopback, reachable as an HTTP proxy.

The demo, the tests and the benchmarks point the crawler at it the way a real
deployment points a crawler at a forward proxy (`http_proxy`): the crawler
asks `GET http://blog.example.com/ HTTP/1.1` and this server answers for the
site named in the URL. No name is ever resolved and no packet leaves
127.0.0.1. Every request is logged with its arrival time, so tests can assert
on what the server saw.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_REASONS = {
    200: "OK", 202: "Accepted", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
    307: "Temporary Redirect", 308: "Permanent Redirect", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 410: "Gone",
    418: "I'm a teapot", 429: "Too Many Requests", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable", 999: "Request denied",
}


@dataclass
class Seen:
    """One request as the server saw it."""

    start: float
    method: str
    host: str
    target: str
    headers: dict[str, str]
    end: float | None = None
    status: int | None = None  # the status line's code (None for a raw reply)

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.target}"

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass
class Reply:
    """What a route answers. `chunks` streams a large body without holding it;
    `raw` replaces the whole response with exact bytes (for broken servers)."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = "text/html; charset=utf-8"
    delay: float = 0.0
    chunks: Iterable[bytes] | None = None
    raw: bytes | Iterable[bytes] | None = None


Handler = Reply | Callable[[Seen], "Reply | Awaitable[Reply]"]


def html(body: str, status: int = 200, **kwargs: object) -> Reply:
    return Reply(status=status, body=body.encode(), **kwargs)  # type: ignore[arg-type]


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status=status, headers=[("Location", location)], content_type=None)


NOT_FOUND = Reply(status=404, body=b"<html><body>Not found</body></html>")


class Site:
    """Routes of one host: exact target (path and query) first, then path."""

    def __init__(self, routes: dict[str, Handler] | None = None, fallback: Handler = NOT_FOUND):
        self.routes: dict[str, Handler] = dict(routes or {})
        self.fallback = fallback

    def __setitem__(self, target: str, handler: Handler) -> None:
        self.routes[target] = handler

    def handler(self, seen: Seen) -> Handler:
        routes = self.routes
        return routes.get(seen.target) or routes.get(seen.path) or self.fallback


class LocalWeb:
    """Serves `sites` (host name -> Site) on 127.0.0.1 in a background thread."""

    def __init__(self, sites: dict[str, Site], port: int = 0, keep_log: bool = True) -> None:
        self.sites = sites
        self.log: list[Seen] = []
        self.keep_log = keep_log
        self.connections = 0  # TCP connections accepted
        self._port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self, host: str | None = None) -> list[Seen]:
        return [s for s in list(self.log) if host is None or s.host == host]

    def start(self) -> LocalWeb:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", self._port, limit=1 << 20)
            )
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, name="localweb", daemon=True)
        self._thread.start()
        ready.wait()
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> LocalWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                seen = _parse_head(head)
                if seen is None:
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                    return
                length = int(seen.headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                if self.keep_log:
                    self.log.append(seen)
                keep_alive = await self._answer(seen, writer)
                seen.end = time.time()
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            try:
                writer.close()
            except RuntimeError:
                pass

    async def _answer(self, seen: Seen, writer: asyncio.StreamWriter) -> bool:
        site = self.sites.get(seen.host)
        if site is None:
            reply = Reply(status=502, body=b"unknown host", content_type="text/plain")
        else:
            handler = site.handler(seen)
            result = handler(seen) if callable(handler) else handler
            reply = await result if inspect.isawaitable(result) else result
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.raw is not None:
            for chunk in [reply.raw] if isinstance(reply.raw, bytes) else reply.raw:
                writer.write(chunk)
                await writer.drain()
            return False
        seen.status = reply.status
        headers = list(reply.headers)
        names = {name.lower() for name, _ in headers}
        if reply.content_type and "content-type" not in names:
            headers.append(("Content-Type", reply.content_type))
        if reply.chunks is None and "content-length" not in names:
            headers.append(("Content-Length", str(len(reply.body))))
        status_line = f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}\r\n"
        writer.write(
            (status_line + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode("latin-1")
        )
        if seen.method != "HEAD":
            if reply.chunks is not None:
                for chunk in reply.chunks:
                    writer.write(chunk)
                    await writer.drain()
            else:
                writer.write(reply.body)
        await writer.drain()
        return reply.chunks is None and seen.headers.get("connection", "").lower() != "close"


def _parse_head(head: bytes) -> Seen | None:
    start = time.time()
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            name = name.strip().lower()
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if target.startswith(("http://", "https://")):
        parts = urlsplit(target)
        host = parts.netloc
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
    else:
        host = headers.get("host", "")
    host = host.lower()
    if host.endswith(":80"):
        host = host[:-3]
    return Seen(start=start, method=method, host=host, target=target, headers=headers)
