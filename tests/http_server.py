"""A real HTTP server on 127.0.0.1 for skill tests: recorded answers from files, plus errors and slow answers on demand.

    from tests.http_server import RecordedServer, http_server  # noqa: F401  (the fixture)

    def test_x(http_server):
        http_server.serve("/v1/search", "openmeteo/geocoding_boston.json", query={"name": "Boston"})
        http_server.serve("/v1/forecast", status=500, body=b"oops")
        requests.get(http_server.url("/v1/search"), params={"name": "boston"})

Routes are matched on the path and a subset of the query (values compared case-insensitively); the route
registered last wins, so a test can override a default. Every request is recorded for assertions (caching).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
"""Folder that relative fixture file names are read from."""

CONTENT_TYPES = {
    ".json": "application/json; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


@dataclass
class Answer:
    """One recorded answer and the requests it is for."""

    path: str
    """URL path it answers, e.g. "/v1/search"."""
    body: bytes = b""
    """Response body."""
    status: int = 200
    """HTTP status code."""
    content_type: str = "application/json; charset=utf-8"
    """Content-Type header."""
    query: dict[str, str] = field(default_factory=dict)
    """Query parameters that must be present with these values (case-insensitive); others are ignored."""
    delay_s: float = 0.0
    """Seconds to wait before answering (a slow server)."""
    hang_up: bool = False
    """Close the connection without answering (a dropped connection)."""

    def fits(self, path: str, query: dict[str, str]) -> bool:
        """True when this answer is for the given request."""
        return path == self.path and all(query.get(k, "").lower() == v.lower() for k, v in self.query.items())


@dataclass(frozen=True)
class Request:
    """A request the server received."""

    path: str
    """URL path."""
    query: dict[str, str]
    """Query parameters (last value wins)."""
    headers: dict[str, str]
    """Request headers."""
    body: bytes = b""
    """Request body (POST)."""
    method: str = "GET"
    """HTTP method."""


class RecordedServer:
    """ThreadingHTTPServer on a random port of 127.0.0.1, serving Answers; use as a context manager."""

    def __init__(self, fixtures: Path = FIXTURES) -> None:
        self.fixtures = fixtures
        self.answers: list[Answer] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # slow handlers must not hold up the test's teardown
        # A short poll interval: shutdown() waits up to one interval, and every test tears a server down.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="recorded-http", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._httpd.server_address[1])

    def url(self, path: str = "") -> str:
        """Absolute URL for path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(
        self,
        path: str,
        file: str | Path | None = None,
        *,
        body: bytes | str | None = None,
        status: int = 200,
        content_type: str | None = None,
        query: dict[str, str] | None = None,
        delay_s: float = 0.0,
        hang_up: bool = False,
    ) -> None:
        """Answer requests for path (and query) with a fixture file or a body; the latest call wins."""
        if file is not None:
            source = Path(file) if Path(file).is_absolute() else self.fixtures / file
            data = source.read_bytes()
            kind = content_type or CONTENT_TYPES.get(source.suffix, "application/octet-stream")
        else:
            data = body.encode("utf-8") if isinstance(body, str) else (body or b"")
            kind = content_type or "application/json; charset=utf-8"
        answer = Answer(path, data, status, kind, dict(query or {}), delay_s, hang_up)
        with self._lock:
            self.answers.insert(0, answer)

    def count(self, path: str, **query: str) -> int:
        """How many requests for path (with these query values) arrived."""
        probe = Answer(path, query={k: str(v) for k, v in query.items()})
        with self._lock:
            return sum(probe.fits(r.path, r.query) for r in self.requests)

    def _find(self, path: str, query: dict[str, str]) -> Answer | None:
        with self._lock:
            return next((a for a in self.answers if a.fits(path, query)), None)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                # Same answers as GET; the body is recorded (JSON APIs such as llama-server's /completion).
                self.do_GET(self.rfile.read(int(self.headers.get("Content-Length") or 0)), "POST")

            def do_GET(self, body: bytes = b"", method: str = "GET") -> None:  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                with server._lock:
                    server.requests.append(Request(parts.path, query, dict(self.headers.items()), body, method))
                answer = server._find(parts.path, query)
                if answer is None:
                    answer = Answer(parts.path, b'{"error": true, "reason": "no recorded answer"}', 404)
                if answer.delay_s:
                    server._stop.wait(answer.delay_s)
                if answer.hang_up:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                # The client may have given up waiting (timeout tests): then there is nothing left to do.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(answer.body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature of the base class)
                pass  # keep test output clean; requests are recorded in server.requests instead

        return Handler

    def close(self) -> None:
        """Stop serving and release the port; slow answers in progress are cut short."""
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RecordedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def closed_port_url(path: str = "") -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused, like a network that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@pytest.fixture
def http_server() -> Iterator[RecordedServer]:
    """A fresh RecordedServer for one test."""
    with RecordedServer() as server:
        yield server
