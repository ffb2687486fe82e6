"""Shared by the HTTP benches (api_ratio.py, soak.py): a PostgreSQL database holding the demo
chain with purchase suggestions and orders, gunicorn on a loopback port, real JWTs, and the
workers' memory read from /proc.

Nothing here is imported by the project; the benches put the project root on sys.path.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lst_bench"
DEMO_PASSWORD = "lst-demo-2026"  # noqa: S105  # seed_demo's published demo password


def machine_line() -> str:
    """CPU count and load average, printed with every result: the machine is shared."""
    load = os.getloadavg()
    return (
        f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"(1/5/15 min), python {sys.version.split()[0]}"
    )


def database_url(cli_value: str | None) -> str:
    url = cli_value or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the benches measure PostgreSQL: give a postgres:// URL")
    return url


def ensure_database(url: str) -> None:
    """Create the database named in `url` when it does not exist (never drops anything)."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def server_env(url: str, *, settings_module: str = "lst.settings") -> dict[str, str]:
    """The environment of the server and of the in-process preparation: development settings
    with DEBUG off, rate limits out of the way (the throttles still run, they just never
    refuse), tasks in-process (no broker), quiet logs."""
    env = dict(os.environ)
    env.pop("CELERY_BROKER_URL", None)
    env.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DJANGO_ENV": "development",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "THROTTLE_USER": "10000000/min",
            "THROTTLE_ANON": "10000000/min",
            "THROTTLE_LOGIN": "10000/min",
            "THROTTLE_NEARBY": "10000000/min",
            "OMP_NUM_THREADS": "1",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


@dataclass(frozen=True)
class Chain:
    store_ids: list[int]  # stores with pending suggestions, most lines first
    owners: dict[int, str]  # store id -> owner username
    lines: dict[int, int]  # store id -> pending suggestion lines
    product_id: int  # a product for the nearby lookup
    search: str  # a catalog search term that matches
    lat: float
    lon: float


def prepare_chain(url: str, *, stores: int, products: int, days: int) -> Chain:
    """Migrate, seed the demo chain if the database is empty, run the recommender pipeline if no
    store has pending suggestions, give the benched stores a few orders. Runs in this process
    (Django set up against `url`); idempotent, so a second run reuses the data."""
    os.environ.update(server_env(url))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from recommendations.models import PurchaseSuggestion, SuggestionStatus
    from stores.models import Store, StoreMembership

    call_command("migrate", verbosity=0)
    if not Store.objects.exists():
        print(f"seeding the demo chain: {stores} stores, {products} products, {days} days ...")
        call_command(
            "seed_demo", stores=stores, products=products, days=days, verbosity=0, stdout=_Null()
        )
    pending = PurchaseSuggestion.objects.filter(status=SuggestionStatus.PENDING)
    if not pending.exists():
        print("no pending purchase suggestions: running the recommender pipeline ...")
        started = time.monotonic()
        call_command("run_pipeline", stdout=_Null())
        print(f"pipeline done in {time.monotonic() - started:.0f}s")
    from django.db.models import Count

    counts = dict(pending.values("store_id").annotate(n=Count("id")).values_list("store_id", "n"))
    if not counts:
        raise SystemExit("the pipeline wrote no purchase suggestions; nothing to measure")
    ranked = sorted(counts, key=lambda sid: (-counts[sid], sid))
    owners = dict(
        StoreMembership.objects.filter(
            store_id__in=ranked, role=StoreMembership.Role.OWNER
        ).values_list("store_id", "user__username")
    )
    ranked = [sid for sid in ranked if sid in owners]
    for sid in ranked[:5]:
        _ensure_orders(Store.objects.select_related("warehouse").get(pk=sid))
    first = Store.objects.get(pk=ranked[0])
    chain = Chain(
        store_ids=ranked,
        owners=owners,
        lines=counts,
        product_id=_stocked_product(first.pk),
        search=_search_term(),
        lat=float(first.latitude),
        lon=float(first.longitude),
    )
    connections.close_all()
    return chain


def _ensure_orders(store: object, count: int = 12) -> None:
    """A dozen draft orders of eight lines each, so the order list has rows to render."""
    from replenishment.models import ReplenishmentOrder
    from replenishment.services import order_create_draft

    have = ReplenishmentOrder.objects.filter(store=store).count()
    pids = list(
        store.warehouse.stock.filter(product__is_active=True)  # type: ignore[attr-defined]
        .order_by("product_id")
        .values_list("product_id", "product__case_pack")
    )
    for k in range(have, count):
        chosen = pids[(k * 8) % len(pids) :][:8] or pids[:8]
        order_create_draft(
            store=store, lines=[(pid, pack * (1 + k % 3)) for pid, pack in chosen], note="bench"
        )


def _stocked_product(store_id: int) -> int:
    from stores.models import StockLevel

    level = StockLevel.objects.filter(store_id=store_id, on_hand__gt=5).order_by("product_id")
    row = level.values_list("product_id", flat=True).first()
    return int(row or StockLevel.objects.filter(store_id=store_id).values_list("product_id")[0][0])


def _search_term() -> str:
    from catalog.models import Product

    name = Product.objects.order_by("pk").values_list("name", flat=True).first() or "水"
    return name.split()[0][:2]


class _Null:
    def write(self, *_args: object) -> None:
        pass

    def flush(self) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gunicorn:
    """gunicorn serving the project on 127.0.0.1 with N workers, as a child of this process."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 2,
        worker_class: str = "sync",
        threads: int = 1,
    ) -> None:
        self.port = free_port()
        # Open for the server's lifetime; closed in stop().
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="bench-gunicorn-", suffix=".log", delete=False
        )
        gunicorn = Path(sys.executable).with_name("gunicorn")
        cmd = [
            str(gunicorn),
            "lst.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                status, _body, _size = request(self.port, "GET", "/healthz", timeout=2)
                if status == 200 and len(self.worker_pids()) == self.workers:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn not ready after {timeout:.0f}s; see {self.log.name}")

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return sorted(int(p) for p in path.read_text().split())
        except OSError:
            return []

    def rss_mib(self) -> dict[int, float]:
        """Resident memory of each worker (MiB), from /proc/<pid>/status."""
        out = {}
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out[pid] = int(line.split()[1]) / 1024
            except OSError:
                continue
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: object | None = None,
    token: str | None = None,
    timeout: float = 30,
) -> tuple[int, object, int]:
    """(status, body parsed as JSON when it is, body bytes) of one request to 127.0.0.1:port."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=payload, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    try:
        parsed: object = json.loads(raw)
    except ValueError:
        parsed = raw[:300].decode(errors="replace")
    return resp.status, parsed, len(raw)


def login(port: int, username: str, password: str = DEMO_PASSWORD) -> str:
    """A real access token from the app's login endpoint."""
    status, body, _size = request(
        port, "POST", "/api/v1/auth/token/", body={"login": username, "password": password}
    )
    if status != 200 or not isinstance(body, dict):
        raise SystemExit(f"login as {username}: {status} {body!r}")
    return str(body["access"])
