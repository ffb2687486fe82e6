"""Soak of the idempotency records: POS uploads sent with an Idempotency-Key every simulated
hour for some days, the way a till app retries; rows of `lst_idempotencyrecord` each hour with
the hourly purge (`lst.core.purge_idempotency_records`) against a baseline store whose records
are never purged, in the same run and database.

    .venv/bin/python bench/idempotency_soak.py                       # 6 days, 12 uploads/hour
    .venv/bin/python bench/idempotency_soak.py --days 3 --per-hour 4 # a quick look

The clock is simulated (`django.utils.timezone.now` advanced an hour at a time), so days pass in
seconds; the uploads go through the real view, middleware-free (DRF's APIClient, the owner
force-authenticated), the purge is the task's own function. The database is a scratch one
(default `lst_bench_idempotency`, created and migrated when missing; each run uses new users).
Expected: with the purge, rows level off at about TTL x uploads an hour (48 x 12 = 576) once
the first records expire; the baseline grows by `--per-hour` every hour.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serve

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lst_bench_idempotency"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", default=os.environ.get("BENCH_IDEMPOTENCY_DATABASE_URL"))
    ap.add_argument("--days", type=int, default=6)
    ap.add_argument("--per-hour", type=int, default=12, help="uploads per store per hour")
    ap.add_argument("--receipts", type=int, default=5, help="receipts per upload")
    args = ap.parse_args()

    url = args.database_url or DEFAULT_URL
    serve.ensure_database(url)
    os.environ.update({k: v for k, v in serve.server_env(url).items() if k != "PYTHONPATH"})
    sys.path.insert(0, str(serve.ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from lst.api.idempotency import records_purge
    from lst.models import IdempotencyRecord, User
    from stores.models import StockMovement, Store, StoreMembership
    from stores.services import MovementSpec, stock_apply

    print(serve.machine_line())
    call_command("migrate", verbosity=0)
    call_command(
        "seed_demo",
        if_empty=True,
        stores=2,
        products=20,
        days=14,
        verbosity=0,
        stdout=io.StringIO(),
    )
    stores = list(Store.objects.order_by("pk")[:2])
    product = stock_product(stores)
    tag = uuid.uuid4().hex[:6]
    real_now = timezone.now
    clock = [real_now()]
    arms = {}
    for name, store in zip(("purged", "baseline"), stores, strict=True):
        user = User.objects.create_user(username=f"soak-{name}-{tag}", password="x")  # noqa: S106
        StoreMembership.objects.create(user=user, store=store, role=StoreMembership.Role.OWNER)
        client = APIClient()
        client.force_authenticate(user=user)
        arms[name] = (user, store, client)

    def upload(name: str, k: int) -> None:
        _user, store, client = arms[name]
        at = clock[0] - dt.timedelta(minutes=1)
        receipts = [
            {
                "uuid": str(uuid.uuid4()),
                "occurred_at": at.isoformat(),
                "lines": [{"product": product, "quantity": 1, "unit_price": "3.50"}],
            }
            for _ in range(args.receipts)
        ]
        r = client.post(
            f"/api/v1/stores/{store.pk}/sales/receipts/",
            {"receipts": receipts},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"{name}-{tag}-{k}",
        )
        if r.status_code != 200:
            raise SystemExit(f"upload {k}: {r.status_code} {r.content[:200]!r}")
        stock_apply(  # keep the shelf stocked so every upload is a plain sale
            store=store,
            movements=[MovementSpec(product, StockMovement.Kind.RECEIPT, args.receipts)],
        )

    ttl = settings.IDEMPOTENCY_TTL_HOURS
    print(
        f"TTL {ttl} h; {args.per_hour} uploads/hour/store of {args.receipts} receipts, "
        f"{args.days} simulated days; purge hourly for store 'purged', never for 'baseline'"
    )
    print(f"{'hour':>5} {'purged rows':>12} {'baseline rows':>14} {'deleted':>8}")
    began = time.perf_counter()
    uploads = 0
    rows: dict[str, list[int]] = {"purged": [], "baseline": []}
    with mock.patch("django.utils.timezone.now", lambda: clock[0]):
        for hour in range(args.days * 24):
            for k in range(args.per_hour):
                for name in arms:
                    upload(name, hour * args.per_hour + k)
                    uploads += 1
                clock[0] += dt.timedelta(minutes=60 / args.per_hour)
            # The beat task, scoped to the purged arm's records (the baseline keeps its own).
            before = IdempotencyRecord.objects.filter(user=arms["purged"][0]).count()
            with mock.patch.object(
                IdempotencyRecord.objects,
                "filter",
                _scoped(IdempotencyRecord.objects.filter, arms["purged"][0]),
            ):
                deleted = records_purge()
            for name, (user, _s, _c) in arms.items():
                rows[name].append(IdempotencyRecord.objects.filter(user=user).count())
            assert rows["purged"][-1] == before - deleted
            if hour % 6 == 5 or hour == args.days * 24 - 1:
                print(
                    f"{hour + 1:>5} {rows['purged'][-1]:>12} {rows['baseline'][-1]:>14} "
                    f"{deleted:>8}"
                )
    seconds = time.perf_counter() - began
    steady = rows["purged"][ttl + 1 :] or rows["purged"]
    print(
        f"{uploads} uploads in {seconds:.0f} s; purged store after the first {ttl} h: "
        f"min {min(steady)}, max {max(steady)} rows (TTL x rate = {ttl * args.per_hour}); "
        f"baseline at the end {rows['baseline'][-1]}; "
        f"ratio purged/baseline at the end {rows['purged'][-1] / rows['baseline'][-1]:.2f}"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_size_pretty(pg_total_relation_size('lst_idempotencyrecord'))")
            print(f"lst_idempotencyrecord on disk (both stores, all runs): {cur.fetchone()[0]}")


def _scoped(real_filter, user):  # type: ignore[no-untyped-def]
    """`IdempotencyRecord.objects.filter` limited to one user's records."""

    def filter_(*args, **kwargs):  # type: ignore[no-untyped-def]
        return real_filter(*args, **kwargs).filter(user=user)

    return filter_


def stock_product(stores: list) -> int:  # type: ignore[type-arg]
    from catalog.models import Product
    from stores.models import StockMovement
    from stores.services import MovementSpec, stock_apply

    product = Product.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)[0]
    for store in stores:
        stock_apply(
            store=store, movements=[MovementSpec(product, StockMovement.Kind.RECEIPT, 1000)]
        )
    return int(product)


if __name__ == "__main__":
    main()
