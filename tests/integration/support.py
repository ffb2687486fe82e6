"""Helpers for the integration tests and fault drills: polling with a deadline, free loopback
ports, a private Redis server that can be stopped and started again on the same port, a TCP
proxy that can refuse the database, an HTTP client for a server in a subprocess."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def wait_for(
    what: str, check: Callable[[], bool], seconds: float = 600, every: float = 0.2
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def celery_worker_command(*, concurrency: int, loglevel: str = "WARNING") -> list[str]:
    """A real Celery worker of the project: one message at a time per process."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "lst",
        "worker",
        "--concurrency",
        str(concurrency),
        "--prefetch-multiplier",
        "1",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        loglevel,
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url(port: int | None = None) -> str:
    """The test database as a DATABASE_URL, optionally reached through another port (a proxy)."""
    from django.db import connection

    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}@{host}:{port or db['PORT'] or 5432}/{db['NAME']}"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server of the test's own on a free loopback port, without persistence: stopping
    it loses every message it held, as a restarted broker without a disk would."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(f"redis-server on port {self.port}", lambda: _answers(self.port), 20)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


class TcpProxy:
    """Forwards loopback connections to `target`; `refuse()` drops the live connections and
    resets new ones (the database went away), `accept()` forwards again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.accepting = True
        self._live: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="db-proxy", daemon=True)
        self._thread.start()

    @property
    def live(self) -> int:
        """Connections forwarded now (each counts its two sockets once)."""
        with self._lock:
            return len(self._live) // 2

    def refuse(self) -> None:
        self.accepting = False
        with self._lock:
            live, self._live = self._live, set()
        for sock in live:
            _reset(sock)

    def accept(self) -> None:
        self.accepting = True

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self.listener.close()
        self.refuse()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.accepting:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._live.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with self._lock:
                    self._live.discard(sock)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)  # wakes the pump reading the other way
                with contextlib.suppress(OSError):
                    sock.close()


def _reset(sock: socket.socket) -> None:
    """Close with RST, as a server that went away does. `shutdown` first: a plain `close` leaves
    the connection open while another thread is blocked reading it."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http(
    url: str,
    *,
    method: str = "GET",
    token: str | None = None,
    data: dict[str, Any] | None = None,
    cookies: str | None = None,
) -> Reply:
    headers = {"Accept": "application/json", "Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookies:
        headers["Cookie"] = cookies
    body = None
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback only
            return Reply(resp.status, dict(resp.headers), resp.read())
    except urllib.error.HTTPError as err:
        return Reply(err.code, dict(err.headers), err.read())


def assert_one_set_per_active_store(run_id: int) -> None:
    """Every active store has exactly one suggestion set, from this run: none missing, no rows
    of another run left pending, no (product, kind) twice."""
    from recommendations.data import active_store_ids
    from recommendations.models import PurchaseSuggestion, SuggestionStatus

    stores = active_store_ids()
    assert stores
    for store_id in stores:
        rows = PurchaseSuggestion.objects.filter(store_id=store_id, status=SuggestionStatus.PENDING)
        assert rows.exists(), f"no suggestions for store {store_id}"
        assert set(rows.values_list("run_id", flat=True)) == {run_id}, f"store {store_id}"
        assert rows.values("for_date").distinct().count() == 1
        pairs = list(rows.values_list("product_id", "kind"))
        assert len(pairs) == len(set(pairs)), f"duplicated suggestions for store {store_id}"
