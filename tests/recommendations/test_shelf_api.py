"""Shelf-plan endpoints: list, detail with change list (zh-hans / en), SVG, current layout."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from recommendations.models import ShelfPlan
from recommendations.services import shelf
from recommendations.tasks import weekly_shelf
from tests.stores.factories import FixtureFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def planned(chain, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    shelf.shelf_layouts_seed(store_ids=[chain.stores[0].pk])
    with django_capture_on_commit_callbacks(execute=True):
        weekly_shelf(store_ids=[s.pk for s in chain.stores[:2]])
    return chain


def url(store_id: int, tail: str = "") -> str:
    return f"/api/v1/stores/{store_id}/shelf-plans/{tail}"


def test_list(alice, planned, django_assert_num_queries):
    with django_assert_num_queries(3):  # membership, count, page
        r = alice.client.get(url(alice.store.pk))
    assert r.status_code == 200, r.json()
    rows = r.json()["results"]
    assert {row["fixture"]["id"] for row in rows} == {planned.shelf.pk, planned.cooler.pk}
    row = next(x for x in rows if x["fixture"]["id"] == planned.shelf.pk)
    assert row["items_count"] > 0 and float(row["expected_daily_profit"]) > 0
    # More fixtures do not mean more queries.
    FixtureFactory(store=alice.store, name="货架Z")
    with django_assert_num_queries(3):
        alice.client.get(url(alice.store.pk))
    r = alice.client.get(url(alice.store.pk), {"kind": "cooler"})
    assert [x["fixture"]["kind"] for x in r.json()["results"]] == ["cooler"]


def test_list_validation_error(alice, planned):
    r = alice.client.get(url(alice.store.pk), {"kind": "rocket"})
    assert r.status_code == 400
    assert r.json()["code"] == "validation_error" and "kind" in r.json()["fields"]


def test_clerk_reads(carol, planned):
    assert carol.client.get(url(carol.store.pk)).status_code == 200
    assert carol.client.get(url(carol.store.pk, f"{planned.shelf.pk}/")).status_code == 200


def test_other_owner_gets_404_everywhere(bob, alice, planned):
    fid = planned.shelf.pk
    for path in ("", f"{fid}/", f"{fid}/planogram.svg", f"{fid}/current-layout/"):
        r = bob.client.get(url(alice.store.pk, path))
        assert r.status_code == 404, path
        assert r.json()["code"] == "not_found"
    # Bob's own store with Alice's fixture id: not found either.
    assert bob.client.get(url(bob.store.pk, f"{fid}/")).status_code == 404
    r = bob.client.put(url(alice.store.pk, f"{fid}/current-layout/"), {"items": []}, format="json")
    assert r.status_code == 404


def test_detail_changes_in_request_language(alice, planned):
    fid = planned.shelf.pk
    zh = alice.client.get(url(alice.store.pk, f"{fid}/"), HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = alice.client.get(url(alice.store.pk, f"{fid}/"), HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["has_current_layout"] and zh["items"] and zh["current_items"]
    assert zh["changes"], "a naive layout always leaves something to improve"
    assert len(zh["changes"]) == len(en["changes"])
    assert any("层" in c["text"] or "排面" in c["text"] for c in zh["changes"])
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in c["text"]) for c in en["changes"])
    assert en["items"][0]["product_name"].startswith("Product ")
    assert zh["planogram_url"].endswith(f"/shelf-plans/{fid}/planogram.svg")


def test_detail_without_plan_is_404(alice, chain):
    r = alice.client.get(url(alice.store.pk, f"{chain.shelf.pk}/"))
    assert r.status_code == 404


def test_planogram_svg(alice, planned):
    r = alice.client.get(url(alice.store.pk, f"{planned.shelf.pk}/planogram.svg"))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(r.content)  # noqa: S314 - our own output
    blocks = root.findall("{http://www.w3.org/2000/svg}g[@class='product']")
    plan = ShelfPlan.objects.get(fixture=planned.shelf, source="recommended")
    assert len(blocks) == plan.items.count() > 0
    # Errors still speak JSON, even to a client that asked for SVG.
    r = alice.client.get(url(alice.store.pk, "999999/planogram.svg"), HTTP_ACCEPT="image/svg+xml")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def _layout(chain, facings: int = 1):  # type: ignore[no-untyped-def]
    dry = list(chain.products[:5])
    return {
        "items": [
            {"product": p.pk, "level": 1 + i % 3, "facings": facings} for i, p in enumerate(dry)
        ]
    }


def test_record_layout(alice, planned):
    fid = planned.shelf.pk
    r = alice.client.put(
        url(alice.store.pk, f"{fid}/current-layout/"), _layout(planned), format="json"
    )
    assert r.status_code == 200, r.json()
    assert len(r.json()["items"]) == 5
    got = alice.client.get(url(alice.store.pk, f"{fid}/current-layout/")).json()
    assert got["id"] == r.json()["id"]
    detail = alice.client.get(url(alice.store.pk, f"{fid}/")).json()
    assert {i["product_id"] for i in detail["current_items"]} == {
        p.pk for p in planned.products[:5]
    }


def test_record_layout_validation(alice, planned):
    fid = planned.shelf.pk
    r = alice.client.put(
        url(alice.store.pk, f"{fid}/current-layout/"),
        {"items": [{"product": planned.products[0].pk, "level": 9, "facings": 1}]},
        format="json",
    )
    assert r.status_code == 400
    assert "items[0].level" in r.json()["fields"]
    r = alice.client.put(
        url(alice.store.pk, f"{fid}/current-layout/"),
        {"items": [{"product": planned.products[0].pk, "level": 1, "facings": 0}]},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


def test_record_layout_without_a_product_names_the_item(alice):  # type: ignore[no-untyped-def]
    """Fuzzer finding: a layout item missing its product gave nested `fields`
    ({"items": {"0": {...}}}), not the documented one level of keys."""
    fixture = FixtureFactory(store=alice.store)
    r = alice.client.put(
        url(alice.store.pk, f"{fixture.pk}/current-layout/"),
        {"items": [{"level": 1, "facings": 1, "position": 1}]},
        format="json",
    )
    assert r.status_code == 400
    assert list(r.json()["fields"]) == ["items[0].product"]
    assert all(isinstance(v, list) for v in r.json()["fields"].values())


def test_clerk_cannot_record_layout(carol, planned):
    r = carol.client.put(
        url(carol.store.pk, f"{planned.shelf.pk}/current-layout/"), _layout(planned), format="json"
    )
    assert r.status_code == 403 and r.json()["code"] == "owner_only"


def test_profit_changes_are_money_strings_in_list_detail_and_changes(alice, planned):
    """One type for `daily_profit_change` everywhere: a decimal string with 2 places, equal to
    expected minus current, in the list, the detail and each change."""
    money = re.compile(r"^-?\d+\.\d{2}$")
    fid = planned.shelf.pk
    row = next(
        x
        for x in alice.client.get(url(alice.store.pk)).json()["results"]
        if x["fixture"]["id"] == fid
    )
    detail = alice.client.get(url(alice.store.pk, f"{fid}/")).json()
    for body in (row, detail):
        assert isinstance(body["daily_profit_change"], str) and money.match(
            body["daily_profit_change"]
        )
        assert Decimal(body["daily_profit_change"]) == Decimal(
            body["expected_daily_profit"]
        ) - Decimal(body["current_daily_profit"])
    assert row["daily_profit_change"] == detail["daily_profit_change"]
    assert detail["changes"]
    for change in detail["changes"]:
        assert isinstance(change["daily_profit_change"], str)
        assert money.match(change["daily_profit_change"]), change


def test_the_schema_gives_every_daily_profit_change_one_type(anon):
    schema = anon.get("/api/schema/", {"format": "json"}).json()
    found = {
        name: props["daily_profit_change"]
        for name, body in schema["components"]["schemas"].items()
        if "daily_profit_change" in (props := body.get("properties", {}))
    }
    assert len(found) >= 3
    assert {(f["type"], f.get("format")) for f in found.values()} == {("string", "decimal")}


def test_a_layout_answer_names_every_bad_field_at_once(alice, planned):
    """Serializer errors (facings 0, a non-number) and the fixture's checks (a level the fixture
    lacks, an unknown product, a repeated one) come back together, each item on all its fields."""
    fid, p = planned.shelf.pk, planned.products
    levels = planned.shelf.levels
    items = [
        {"product": p[0].pk, "level": levels + 1, "facings": 1},  # fixture check: level
        {"product": p[1].pk, "level": 1, "facings": 0},  # serializer: facings
        {"product": 999999, "level": levels + 2, "facings": 1},  # fixture: product and level
        {"product": p[0].pk, "level": 1, "facings": 1},  # repeated product
        {"product": "x", "level": 1, "facings": 1},  # serializer: product
    ]
    before = list(ShelfPlan.objects.filter(fixture=planned.shelf).values_list("pk", "is_current"))
    r = alice.client.put(
        url(alice.store.pk, f"{fid}/current-layout/"),
        {"items": items},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400, r.json()
    fields = r.json()["fields"]
    assert list(fields) == [
        "items[0].level",
        "items[1].facings",
        "items[2].product",
        "items[2].level",
        "items[3].product",
        "items[4].product",
    ]
    assert fields["items[2].product"] == ["Unknown product."]
    assert fields["items[3].product"] == ["This product is already on another item."]
    assert r.json()["message"].startswith("items[0].level: Level must be between 1 and")
    after = ShelfPlan.objects.filter(fixture=planned.shelf).values_list("pk", "is_current")
    assert list(after) == before  # nothing written


def test_planogram_colours_do_not_change_with_the_language_and_skus_are_shown(alice, planned):
    ns = "{http://www.w3.org/2000/svg}"
    fills, legends = {}, {}
    for lang in ("zh-hans", "en"):
        r = alice.client.get(
            url(alice.store.pk, f"{planned.shelf.pk}/planogram.svg"), HTTP_ACCEPT_LANGUAGE=lang
        )
        root = ET.fromstring(r.content)  # noqa: S314 - our own output
        blocks = [g for g in root.iter(f"{ns}g") if g.get("class") == "product"]
        fills[lang] = {
            g.get("data-product-id"): next(
                x for x in g.iter(f"{ns}rect") if x.get("class") == "block"
            ).get("fill")
            for g in blocks
        }
        legends[lang] = [
            "".join(t.itertext())
            for g in root.iter(f"{ns}g")
            if g.get("class") == "legend-item"
            for t in g.iter(f"{ns}text")
        ]
        plan = ShelfPlan.objects.get(fixture=planned.shelf, source="recommended")
        skus = {str(it.product_id): it.product.sku for it in plan.items.select_related("product")}
        for g in blocks:
            sku = next(t for t in g.iter(f"{ns}text") if t.get("class") == "sku").text
            assert skus[g.get("data-product-id")].endswith(sku.lstrip("…"))
    assert fills["zh-hans"] == fills["en"] and fills["en"]
    cats = {it.product.category for it in plan.items.select_related("product__category")}
    # the chain's dry categories are named 零食 / Snacks and 方便面 / Noodles
    assert sorted(legends["zh-hans"]) == sorted(c.name for c in cats)
    assert sorted(legends["en"]) == sorted(c.name_en for c in cats)
    # one colour a category, different categories different colours
    by_cat = {}
    for it in plan.items.select_related("product"):
        by_cat.setdefault(it.product.category_id, set()).add(fills["en"][str(it.product_id)])
    assert all(len(v) == 1 for v in by_cat.values())
    assert len({next(iter(v)) for v in by_cat.values()}) == len(by_cat)
