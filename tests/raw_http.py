"""HTTP/1.1 over a plain socket, for what httpx will not do: send a head and hold the body back, or drip it.

h11 (the HTTP/1.1 state machine under uvicorn and httpx) writes the request and reads
the answer; the test decides when each byte of the body leaves.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import h11
import httpx


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float  # from the request's head being sent to the answer's last byte

    def json(self) -> Any:
        return json.loads(self.body)


class RawClient:
    """One connection; ``head`` sends the request line and headers, ``send`` pieces of the body, ``answer`` reads."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        url = urlsplit(base_url)
        self.host = url.netloc
        self.sock = socket.create_connection((url.hostname, url.port), timeout=timeout)
        self.conn = h11.Connection(h11.CLIENT)
        self.started = time.perf_counter()

    def head(self, method: str, path: str, headers: dict[str, str]) -> None:
        request = h11.Request(method=method, target=path, headers=[("host", self.host), *headers.items()])
        self.sock.sendall(self.conn.send(request))
        self.started = time.perf_counter()

    def send(self, piece: bytes) -> None:
        self.sock.sendall(self.conn.send(h11.Data(data=piece)))

    def end(self) -> None:
        """The body is all sent (a chunked body's last chunk); after the answer, the connection may carry another request."""
        self.sock.sendall(self.conn.send(h11.EndOfMessage()) or b"")

    def answered(self, wait: float) -> bool:
        """Whether the server has begun answering (or closed) within ``wait`` seconds."""
        self.sock.settimeout(wait)
        try:
            self.sock.recv(1, socket.MSG_PEEK)  # a byte of the answer, or b"" once closed
            return True
        except TimeoutError:
            return False
        finally:
            self.sock.settimeout(30.0)

    def answer(self) -> Answer:
        """Read the whole answer (raises TimeoutError if none comes within the socket's timeout)."""
        status, headers, body = 0, {}, b""
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(self.sock.recv(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
                headers = {name.decode().lower(): value.decode() for name, value in event.headers}
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
                    self.conn.start_next_cycle()
                return Answer(status, headers, body, time.perf_counter() - self.started)

    def closed_by_server(self, wait: float = 10.0) -> bool:
        """Whether the server closes the connection within ``wait`` seconds (nothing more to read but the end)."""
        self.sock.settimeout(wait)
        try:
            return self.sock.recv(65536) == b""
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


@contextmanager
def raw_client(base_url: str) -> Iterator[RawClient]:
    client = RawClient(base_url)
    try:
        yield client
    finally:
        client.close()


@dataclass
class HealthWatch:
    """How long ``GET /health`` took, asked again and again from another thread."""

    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def slowest(self) -> float:
        return max(self.seconds, default=0.0)


@contextmanager
def watching_health(base_url: str) -> Iterator[HealthWatch]:
    """Poll /health every 20 ms while the block runs; the caller asserts on ``slowest``."""
    watch, stop = HealthWatch(), threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            while not stop.is_set():
                started = time.perf_counter()
                response = http.get("/health")
                watch.seconds.append(time.perf_counter() - started)
                if response.status_code != 200:
                    watch.failures.append(f"{response.status_code} {response.text[:200]}")
                stop.wait(0.02)

    thread = threading.Thread(target=poll, name="health-watch", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not watch.seconds and time.monotonic() < deadline:  # polling before the block starts
        time.sleep(0.01)
    try:
        yield watch
    finally:
        stop.set()
        thread.join(120)
