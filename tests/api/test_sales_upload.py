"""POS sales upload: idempotent per receipt, atomic per batch, consistent with stock and
daily sales."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lst.errors import PayloadTooLarge
from stores.models import (
    DailySales,
    PosReceipt,
    PosReceiptLine,
    StockLevel,
    StockMovement,
    StockOut,
)
from stores.services import MovementSpec, sales_ingest, stock_apply
from tests.api.conftest import url
from tests.api.sales_helpers import assert_consistent, receipt
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db
Kind = StockMovement.Kind


@pytest.fixture
def goods(alice):  # type: ignore[no-untyped-def]
    cola, chips = ProductFactory(name="可乐"), ProductFactory(name="薯片")
    stock_apply(
        store=alice.store,
        movements=[
            MovementSpec(cola.pk, Kind.RECEIPT, 24),
            MovementSpec(chips.pk, Kind.RECEIPT, 10),
        ],
    )
    return cola, chips


def _upload(tenant, receipts, **extra):  # type: ignore[no-untyped-def]
    return tenant.client.post(
        url(f"stores/{tenant.store.pk}/sales/receipts/"), {"receipts": receipts}, **extra
    )


def _nothing_written(store) -> None:  # type: ignore[no-untyped-def]
    assert not PosReceipt.objects.filter(store=store).exists()
    assert not DailySales.objects.filter(store=store).exists()
    assert not StockMovement.objects.filter(store=store, kind=Kind.SALE).exists()


@pytest.mark.smoke
def test_upload_records_receipts_stock_and_daily_sales(alice, goods) -> None:  # type: ignore[no-untyped-def]
    cola, chips = goods
    batch = [
        receipt((cola, 2, "3.50"), (chips, 1, "6.00")),
        receipt((cola, 1, "3.50"), (cola, 3, "3.00")),
    ]
    r = _upload(alice, batch)
    assert r.status_code == 200, r.data
    assert (r.data["accepted"], r.data["duplicates"]) == (2, 0)
    assert [x["status"] for x in r.data["receipts"]] == ["accepted", "accepted"]
    assert StockLevel.objects.get(store=alice.store, product=cola).on_hand == 24 - 6
    assert StockLevel.objects.get(store=alice.store, product=chips).on_hand == 9
    day = DailySales.objects.get(store=alice.store, product=cola)
    assert (day.units, day.revenue) == (6, Decimal("19.50"))
    first = PosReceipt.objects.get(uuid=batch[0]["uuid"])
    assert first.total == Decimal("13.00")
    # one sale movement per receipt and product, referencing the receipt
    sales = StockMovement.objects.filter(store=alice.store, kind=Kind.SALE, product=cola)
    assert sorted(sales.values_list("reference", "quantity")) == sorted(
        [(batch[0]["uuid"], -2), (batch[1]["uuid"], -4)]
    )
    assert_consistent(alice.store)


def test_the_same_batch_twice_is_counted_once(alice, goods) -> None:  # type: ignore[no-untyped-def]
    cola, chips = goods
    batch = [receipt((cola, 2, "3.50")), receipt((chips, 4, "6.00"))]
    assert _upload(alice, batch).data["accepted"] == 2
    again = _upload(alice, batch)
    assert again.status_code == 200
    assert (again.data["accepted"], again.data["duplicates"]) == (0, 2)
    assert [x["status"] for x in again.data["receipts"]] == ["duplicate", "duplicate"]
    # a retry that adds a new receipt: the old ones are duplicates, the new one counts
    more = _upload(alice, [*batch, receipt((cola, 1, "3.50"))])
    assert (more.data["accepted"], more.data["duplicates"]) == (1, 2)
    assert StockLevel.objects.get(store=alice.store, product=cola).on_hand == 24 - 3
    assert DailySales.objects.get(store=alice.store, product=cola).units == 3
    assert PosReceipt.objects.filter(store=alice.store).count() == 3
    assert_consistent(alice.store)


def test_idempotency_key_replays_the_first_answer(alice, goods) -> None:  # type: ignore[no-untyped-def]
    cola, _ = goods
    batch = [receipt((cola, 1, "3.50"))]
    first = _upload(alice, batch, HTTP_IDEMPOTENCY_KEY="up-1")
    again = _upload(alice, batch, HTTP_IDEMPOTENCY_KEY="up-1")
    assert again["Idempotent-Replayed"] == "true"
    assert again.data == first.data
    assert StockLevel.objects.get(store=alice.store, product=cola).on_hand == 23


def test_a_sale_beyond_stock_is_kept_as_a_shortfall(alice, goods) -> None:  # type: ignore[no-untyped-def]
    _, chips = goods
    r = _upload(alice, [receipt((chips, 7, "6.00")), receipt((chips, 5, "6.00"))])
    assert r.status_code == 200
    level = StockLevel.objects.get(store=alice.store, product=chips)
    assert (level.on_hand, level.needs_count) == (0, True)
    kinds = StockMovement.objects.filter(store=alice.store, product=chips).order_by("id")
    assert [(m.kind, m.quantity) for m in kinds] == [
        (Kind.RECEIPT, 10),
        (Kind.SALE, -7),
        (Kind.SALE, -5),
        (Kind.SHORTFALL, 2),
    ]
    assert DailySales.objects.get(store=alice.store, product=chips).units == 12
    assert_consistent(alice.store)


def test_daily_sales_use_the_store_local_date(alice, goods) -> None:  # type: ignore[no-untyped-def]
    cola, _ = goods
    alice.store.timezone = "Asia/Shanghai"
    alice.store.save()
    now = timezone.now()
    # 23:30 and 00:30 Shanghai time on either side of a local midnight within the window
    midnight = (now.astimezone(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    before, after = midnight - dt.timedelta(minutes=30), midnight + dt.timedelta(minutes=30)
    _upload(
        alice,
        [
            receipt((cola, 1, "3.50"), at=before.astimezone(dt.UTC)),
            receipt((cola, 2, "3.50"), at=after.astimezone(dt.UTC)),
        ],
    )
    days = dict(DailySales.objects.filter(store=alice.store).values_list("date", "units"))
    assert days == {before.date(): 1, after.date(): 2}
    assert before.date() != after.date()
    assert_consistent(alice.store)


def test_a_naive_time_is_read_in_the_store_timezone(alice, goods) -> None:  # type: ignore[no-untyped-def]
    cola, _ = goods
    alice.store.timezone = "America/New_York"
    alice.store.save()
    local = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=-5))) - dt.timedelta(hours=2)
    body = receipt((cola, 1, "3.50"))
    body["occurred_at"] = local.replace(tzinfo=None).isoformat()
    assert _upload(alice, [body]).status_code == 200
    stored = PosReceipt.objects.get(uuid=body["uuid"])
    ny = stored.occurred_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert ny.replace(tzinfo=None) == local.replace(tzinfo=None)
    assert stored.local_date == ny.date()


def test_one_bad_line_rejects_the_whole_batch(alice, goods) -> None:  # type: ignore[no-untyped-def]
    cola, chips = goods
    batch = [
        receipt((cola, 2, "3.50")),
        receipt((chips, 1, "6.00"), (999999, 1, "1.00")),
        receipt((cola, 1, "3.50")),
    ]
    r = _upload(alice, batch)
    assert (r.status_code, r.data["code"]) == (400, "validation_error")
    # the default language is Chinese (LANGUAGE_CODE zh-hans)
    assert r.data["fields"] == {"receipts[1].lines[1].product": ["未知商品。"]}
    assert r.data["message"] == "1 张小票有错误，本批次未记录任何内容。"
    english = _upload(alice, batch, HTTP_ACCEPT_LANGUAGE="en")
    assert english.data["fields"] == {"receipts[1].lines[1].product": ["Unknown product."]}
    assert english.data["message"] == "1 receipt has errors; nothing was recorded."
    _nothing_written(alice.store)
    assert StockLevel.objects.get(store=alice.store, product=cola).on_hand == 24


def _case(name, goods, bob_receipt_uuid):  # type: ignore[no-untyped-def]
    cola, _ = goods
    now = timezone.now()
    good = receipt((cola, 1, "3.50"))
    cases = {
        "quantity 0": ([good, receipt((cola, 0, "3.50"))], "receipts[1].lines[0].quantity"),
        "negative quantity": ([receipt((cola, -1, "3.50"))], "receipts[0].lines[0].quantity"),
        "negative price": ([good, receipt((cola, 1, "-0.01"))], "receipts[1].lines[0].unit_price"),
        "future": (
            [receipt((cola, 1, "3.50"), at=now + dt.timedelta(minutes=6))],
            "receipts[0].occurred_at",
        ),
        "too old": (
            [good, receipt((cola, 1, "3.50"), at=now - dt.timedelta(days=7, minutes=1))],
            "receipts[1].occurred_at",
        ),
        "other store's receipt": (
            [good, receipt((cola, 1, "3.50"), uid=bob_receipt_uuid)],
            "receipts[1].uuid",
        ),
        "uuid twice in a batch": ([good, dict(good)], "receipts[1].uuid"),
        "no lines": ([{**good, "lines": []}], "receipts[0].lines"),
        "bad uuid": ([{**good, "uuid": "nope"}], "receipts[0].uuid"),
        "missing price": (
            [{**good, "lines": [{"product": cola.pk, "quantity": 1}]}],
            "receipts[0].lines[0].unit_price",
        ),
        "no receipts": ([], "receipts"),
    }
    return cases[name]


@pytest.mark.parametrize(
    "name",
    [
        "quantity 0",
        "negative quantity",
        "negative price",
        "future",
        "too old",
        "other store's receipt",
        "uuid twice in a batch",
        "no lines",
        "bad uuid",
        "missing price",
        "no receipts",
    ],
)
def test_invalid_batches_are_rejected_whole(alice, bob, goods, name) -> None:  # type: ignore[no-untyped-def]
    cola, _ = goods
    theirs = receipt((cola, 1, "3.50"))
    assert _upload(bob, [theirs]).status_code == 200
    batch, field = _case(name, goods, theirs["uuid"])
    r = _upload(alice, batch)
    assert (r.status_code, r.data["code"]) == (400, "validation_error"), r.data
    assert field in r.data["fields"], r.data["fields"]
    _nothing_written(alice.store)


def test_the_time_window_edges_are_accepted(alice, goods) -> None:  # type: ignore[no-untyped-def]
    cola, _ = goods
    now = timezone.now()
    batch = [
        receipt((cola, 1, "3.50"), at=now + dt.timedelta(minutes=4)),
        receipt((cola, 1, "3.50"), at=now - dt.timedelta(days=6, hours=23)),
    ]
    assert _upload(alice, batch).status_code == 200


def test_more_than_500_receipts_is_413(alice, goods) -> None:  # type: ignore[no-untyped-def]
    cola, _ = goods
    r = _upload(alice, [receipt((cola, 1, "3.50")) for _ in range(501)])
    assert (r.status_code, r.data["code"]) == (413, "batch_too_large")
    assert "500" in r.data["message"]
    _nothing_written(alice.store)


def test_more_lines_than_pos_max_lines_is_413_before_any_line_is_read(
    alice, goods, settings
) -> None:  # type: ignore[no-untyped-def]
    """A 5 MiB body holds some 100,000 lines (17 s of CPU to validate and ingest one measured
    on a loaded machine): the batch is refused on its line count, all receipts together."""
    settings.POS_MAX_LINES = 5
    cola, chips = goods
    over = [receipt((cola, 1, "3.50"), (chips, 1, "5.00"), (cola, 1, "3.50")) for _ in range(2)]
    over[1]["lines"].append({"product": "not even checked", "quantity": -1})
    r = _upload(alice, over)
    assert (r.status_code, r.data["code"]) == (413, "batch_too_large")
    assert "7" in r.data["message"] and "receipts" in r.data["fields"]
    _nothing_written(alice.store)
    with pytest.raises(PayloadTooLarge):
        sales_ingest(store=alice.store, receipts=over)
    ok = [receipt((cola, 1, "3.50"), (chips, 1, "5.00")), receipt((cola, 1, "3.50"))]
    assert _upload(alice, ok).data["accepted"] == 2


def test_an_oversized_body_is_413_in_the_error_shape(alice, goods, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    cola, _ = goods
    body = json.dumps({"receipts": [receipt((cola, 1, "3.50")) for _ in range(30)]})
    for headers in ({}, {"HTTP_IDEMPOTENCY_KEY": "big"}):
        r = alice.client.post(
            url(f"stores/{alice.store.pk}/sales/receipts/"),
            body,
            content_type="application/json",
            **headers,
        )
        assert r.status_code == 413
        assert r.json()["code"] == "payload_too_large"
    _nothing_written(alice.store)


def test_another_owner_gets_404_and_a_clerk_may_upload(alice, bob, carol, goods) -> None:  # type: ignore[no-untyped-def]
    cola, _ = goods
    batch = [receipt((cola, 1, "3.50"))]
    r = bob.client.post(url(f"stores/{alice.store.pk}/sales/receipts/"), {"receipts": batch})
    assert (r.status_code, r.data["code"]) == (404, "not_found")
    _nothing_written(alice.store)
    assert _upload(carol, batch).data["accepted"] == 1


def test_upload_query_count_does_not_grow_with_the_batch(
    alice, goods, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    products = [*goods, *ProductFactory.create_batch(8)]
    rng = random.Random(3)

    def batch(n):  # type: ignore[no-untyped-def]
        return [
            receipt(*[(rng.choice(products), rng.randint(1, 3), "2.00") for _ in range(4)])
            for _ in range(n)
        ]

    def reads(ctx) -> list[str]:  # type: ignore[no-untyped-def]
        return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]

    with django_assert_max_num_queries(20) as small:
        assert _upload(alice, batch(1)).data["accepted"] == 1
    # 200 receipts x 4 lines: bulk inserts, split only by the backend's parameter limit
    with django_assert_max_num_queries(40) as big:
        assert _upload(alice, batch(200)).data["accepted"] == 200
    assert len(reads(big)) == len(reads(small))
    assert_consistent(alice.store)


def test_an_upload_that_empties_a_line_adds_one_insert_and_no_read(alice, goods) -> None:  # type: ignore[no-untyped-def]
    """Stock-out spells cost the POS path nothing unless a line runs out, then one INSERT."""
    cola, chips = goods
    with CaptureQueriesContext(connection) as plain:
        assert _upload(alice, [receipt((cola, 1, "3.50"))]).status_code == 200
    at = timezone.now() - dt.timedelta(minutes=5)
    with CaptureQueriesContext(connection) as emptying:
        assert _upload(alice, [receipt((chips, 10, "6.00"), at=at)]).status_code == 200
    assert len(emptying.captured_queries) == len(plain.captured_queries) + 1
    touching = [q["sql"] for q in emptying.captured_queries if "stockout" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")
    assert not any("stockout" in q["sql"] for q in plain.captured_queries)
    spell = StockOut.objects.get(store=alice.store)
    assert (spell.product_id, spell.started_at, spell.ended_at) == (chips.pk, at, None)
    assert_consistent(alice.store)


def test_random_batches_stay_consistent(alice, goods) -> None:  # type: ignore[no-untyped-def]
    products = [*goods, *ProductFactory.create_batch(5)]
    rng = random.Random(11)
    now = timezone.now()
    sent: list[dict] = []
    for _ in range(8):
        batch = [
            receipt(
                *[
                    (rng.choice(products), rng.randint(1, 4), f"{rng.randint(0, 999) / 100:.2f}")
                    for _ in range(rng.randint(1, 5))
                ],
                at=now - dt.timedelta(minutes=rng.randint(1, 6 * 24 * 60)),
            )
            for _ in range(rng.randint(1, 30))
        ]
        resend = rng.sample(sent, min(len(sent), 5))  # retries mixed into new batches
        r = _upload(alice, batch + resend)
        assert (r.data["accepted"], r.data["duplicates"]) == (len(batch), len(resend))
        sent.extend(batch)
    assert PosReceipt.objects.filter(store=alice.store).count() == len(sent)
    assert PosReceiptLine.objects.filter(receipt__store=alice.store).count() == sum(
        len(r["lines"]) for r in sent
    )
    assert_consistent(alice.store)


def test_service_can_be_called_without_the_api(alice, goods) -> None:  # type: ignore[no-untyped-def]
    cola, _ = goods
    result = sales_ingest(
        store=alice.store,
        receipts=[
            {
                "uuid": uuid.uuid4(),
                "occurred_at": timezone.now(),
                "lines": [{"product": cola.pk, "quantity": 2, "unit_price": Decimal("3.5")}],
            }
        ],
    )
    assert (result.accepted, result.duplicates) == (1, 0)
    assert_consistent(alice.store)


def test_every_bad_field_of_a_batch_is_named_in_one_answer(alice, goods) -> None:  # type: ignore[no-untyped-def]
    """Type errors, limits and unknown products together: the till fixes them in one go."""
    cola, _ = goods
    batch = [
        {
            "uuid": str(uuid.uuid4()),
            "occurred_at": timezone.now().isoformat(),
            "lines": [
                {"product": "abc", "quantity": 0, "unit_price": "-1"},
                {"product": 999999, "quantity": 2, "unit_price": "1.00"},
                {"product": cola.pk, "quantity": 1.5, "unit_price": "1.001"},
            ],
        },
        receipt((cola, 1, "3.50")),
        {"uuid": "nope", "occurred_at": "x", "lines": []},
    ]
    r = _upload(alice, batch, HTTP_ACCEPT_LANGUAGE="en")
    assert (r.status_code, r.data["code"]) == (400, "validation_error")
    assert list(r.data["fields"]) == [
        "receipts[0].lines[0].product",
        "receipts[0].lines[0].quantity",
        "receipts[0].lines[0].unit_price",
        "receipts[0].lines[1].product",
        "receipts[0].lines[2].quantity",
        "receipts[0].lines[2].unit_price",
        "receipts[2].uuid",
        "receipts[2].occurred_at",
        "receipts[2].lines",
    ]
    assert r.data["fields"]["receipts[0].lines[1].product"] == ["Unknown product."]
    assert r.data["message"] == "2 receipts have errors; nothing was recorded."
    _nothing_written(alice.store)
