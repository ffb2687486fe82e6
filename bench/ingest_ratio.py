"""POS sales ingest through the service against a raw PostgreSQL COPY of the same rows, side by
side in one process on one database.

    .venv/bin/python bench/ingest_ratio.py                    # 100,000 sale lines
    .venv/bin/python bench/ingest_ratio.py --lines 20000      # a quick look

Database: BENCH_INGEST_DATABASE_URL or --database-url (default lst_bench_ingest on the local
server); created and seeded with a small demo chain when empty. The bench deletes the receipts
and ledger rows of the store it writes to before it starts, so use a database of its own.

What is timed, for the same N sale lines (receipts of 1-7 lines of distinct products, sold over
the last 6 days, as a till sends them):

- `service, batches of 500`: `stores.services.sales_ingest` once per upload of 500 receipts (the
  API's cap, POS_MAX_RECEIPTS), each in its own transaction, as the app sends them. It validates,
  takes the store lock, checks duplicates, writes receipts, lines and the ledger, moves the stock
  levels and adds to the daily sales.
- `service, one batch`: the same in one call (the cap is lifted for this line only: the API
  itself refuses more than 500 receipts with 413).
- `service, resend`: every batch again: all duplicates, nothing written (idempotency's cost).
- `COPY`: the rows the service appends (receipts, receipt lines, ledger movements) written with
  PostgreSQL COPY (lst.bulk.bulk_insert) in one transaction, ids drawn from the sequences in one
  query; the CSV is built from the same Python rows inside the timing. No validation, no locks,
  no stock levels or daily sales: the floor for putting these rows in the database.
- `COPY, batches of 500`: the same, one transaction per 500 receipts.

Stock levels are set high before each service run, so no sale outruns the stock and the ledger
gets exactly one movement per line in every run. Target (issue 10): service <= 3x COPY.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serve

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lst_bench_ingest"
BATCH = 500


def make_receipts(n_lines: int, products: list[tuple[int, Decimal]], seed: int) -> list[dict]:
    """Receipts of 1-7 lines (distinct products) adding up to exactly n_lines, over 6 days."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    receipts: list[dict[str, Any]] = []
    left = n_lines
    while left:
        k = min(left, rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 7)))
        chosen = rng.sample(products, k)
        receipts.append(
            {
                "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                "occurred_at": now - dt.timedelta(seconds=rng.randint(600, 6 * 86400)),
                "lines": [
                    {"product": pid, "quantity": rng.choice((1, 1, 1, 2, 3)), "unit_price": price}
                    for pid, price in chosen
                ],
            }
        )
        left -= k
    receipts.sort(key=lambda r: r["occurred_at"])
    return receipts


def batches(items: list[dict], size: int) -> list[list[dict]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--database-url", help="default: $BENCH_INGEST_DATABASE_URL or lst_bench_ingest"
    )
    ap.add_argument("--lines", type=int, default=100_000, help="sale lines per run")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    url = args.database_url or os.environ.get("BENCH_INGEST_DATABASE_URL") or DEFAULT_URL
    url = serve.database_url(url)
    print(serve.machine_line())
    serve.ensure_database(url)
    os.environ.update(serve.server_env(url))
    sys.path.insert(0, str(serve.ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from lst.bulk import bulk_insert
    from stores.localtime import store_zone
    from stores.models import (
        DailySales,
        PosReceipt,
        PosReceiptLine,
        StockLevel,
        StockMovement,
        Store,
        StoreMembership,
    )
    from stores.services import sales_ingest

    call_command("migrate", verbosity=0)
    if not Store.objects.exists():
        print("seeding a small demo chain (2 stores, 200 products, 7 days) ...")
        call_command("seed_demo", stores=2, products=200, days=7, verbosity=0, stdout=serve._Null())
    store = Store.objects.order_by("pk").first()
    assert store is not None
    owner = StoreMembership.objects.filter(store=store).select_related("user").first()
    user = owner.user if owner else None
    products = [
        (pid, price)
        for pid, price in StockLevel.objects.filter(store=store)
        .order_by("product_id")
        .values_list("product_id", "product__retail_price")
    ]
    zone = store_zone(store)

    def clean() -> None:
        PosReceipt.objects.filter(store=store).delete()
        StockMovement.objects.filter(store=store).delete()
        with connection.cursor() as cur:
            for model in (PosReceipt, PosReceiptLine, StockMovement, StockLevel, DailySales):
                cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")

    def stock_up() -> None:
        StockLevel.objects.filter(store=store).update(on_hand=1_000_000, needs_count=False)

    def copy_rows(receipts: list[dict]) -> None:
        now = timezone.now()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [PosReceipt._meta.db_table, len(receipts)],
            )
            ids = [row[0] for row in cur.fetchall()]
        bulk_insert(
            PosReceipt,
            ["id", "uuid", "store", "occurred_at", "local_date", "total", "created_at", "updated_at"],
            (
                (
                    rid, r["uuid"], store.pk, r["occurred_at"],
                    r["occurred_at"].astimezone(zone).date(),
                    sum((ln["unit_price"] * ln["quantity"] for ln in r["lines"]), Decimal("0")),
                    now, now,
                )
                for rid, r in zip(ids, receipts, strict=True)
            ),
        )  # fmt: skip
        bulk_insert(
            PosReceiptLine,
            ["receipt", "product", "quantity", "unit_price", "created_at", "updated_at"],
            (
                (rid, ln["product"], ln["quantity"], ln["unit_price"], now, now)
                for rid, r in zip(ids, receipts, strict=True)
                for ln in r["lines"]
            ),
        )
        bulk_insert(
            StockMovement,
            ["store", "product", "kind", "quantity", "occurred_at", "reference", "note",
             "created_by", "created_at", "updated_at"],
            (
                (store.pk, ln["product"], StockMovement.Kind.SALE, -ln["quantity"],
                 r["occurred_at"], str(r["uuid"]), "", user.pk if user else None, now, now)
                for r in receipts
                for ln in r["lines"]
            ),
        )  # fmt: skip

    def timed(label: str, fn: Callable[[], Any]) -> float:
        started = time.perf_counter()
        fn()
        seconds = time.perf_counter() - started
        print(f"  {label:<28} {seconds:8.2f} s  {args.lines / seconds:>9,.0f} lines/s")
        return seconds

    def counts() -> tuple[int, int, int]:
        return (
            PosReceipt.objects.filter(store=store).count(),
            PosReceiptLine.objects.filter(receipt__store=store).count(),
            StockMovement.objects.filter(store=store).count(),
        )

    clean()
    data = {name: make_receipts(args.lines, products, args.seed + k)
            for k, name in enumerate(("copy", "copy_batched", "service", "service_one"))}  # fmt: skip
    n_receipts = len(data["service"])
    print(
        f"store {store.code} ({store.pk}), {len(products)} products; {args.lines:,} sale lines in "
        f"{n_receipts:,} receipts per run ({len(batches(data['service'], BATCH))} uploads of "
        f"<= {BATCH} receipts); PostgreSQL {connection.pg_version // 10000}"
    )
    results: dict[str, float] = {}
    written: dict[str, tuple[int, int, int]] = {}

    def service_batched() -> None:
        for b in batches(data["service"], BATCH):
            result = sales_ingest(store=store, receipts=b, user=user)
            assert result.accepted == len(b), result

    def service_one() -> None:
        with override_settings(POS_MAX_RECEIPTS=len(data["service_one"])):
            result = sales_ingest(store=store, receipts=data["service_one"], user=user)
        assert result.accepted == len(data["service_one"])

    def resend() -> None:
        for b in batches(data["service"], BATCH):
            result = sales_ingest(store=store, receipts=b, user=user)
            assert result.accepted == 0 and result.duplicates == len(b), result

    def copy_once() -> None:
        with transaction.atomic():
            copy_rows(data["copy"])

    def copy_batched() -> None:
        for b in batches(data["copy_batched"], BATCH):
            with transaction.atomic():
                copy_rows(b)

    print("timings:")
    for label, key, fn, needs_stock in (
        ("COPY, one transaction", "copy", copy_once, False),
        ("service, batches of 500", "service", service_batched, True),
        ("COPY, batches of 500", "copy_batched", copy_batched, False),
        ("service, one batch", "service_one", service_one, True),
    ):
        if needs_stock:
            stock_up()
        before = counts()
        results[key] = timed(label, fn)
        after = counts()
        written[key] = tuple(a - b for a, b in zip(after, before, strict=True))  # type: ignore[assignment]
    before = counts()
    results["resend"] = timed("service, resend (duplicates)", resend)
    assert counts() == before, "a resend wrote rows"
    for key, (rec, lines, moves) in written.items():
        expect = (len(data[key]), args.lines, args.lines)
        assert (rec, lines, moves) == expect, (key, rec, lines, moves)
    print(
        f"each run wrote {n_receipts:,} receipts, {args.lines:,} receipt lines and "
        f"{args.lines:,} ledger movements (checked); the resend wrote nothing (checked)"
    )
    base = results["copy"]
    print("ratios to COPY in one transaction (target: service <= 3x):")
    for key, label in (
        ("service", "service, batches of 500"),
        ("service_one", "service, one batch"),
        ("copy_batched", "COPY, batches of 500"),
        ("resend", "service, resend"),
    ):
        ratio = results[key] / base
        mark = ""
        if key.startswith("service") and key != "resend":
            mark = "  (met)" if ratio <= 3 else "  (MISSED)"
        print(f"  {label:<28} {ratio:6.2f}x{mark}")
    print(
        f"  service, batches of 500 vs COPY, batches of 500: "
        f"{results['service'] / results['copy_batched']:.2f}x"
    )
    clean()
    print(serve.machine_line())


if __name__ == "__main__":
    main()
