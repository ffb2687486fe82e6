"""Nearby availability: public, throttled, nearest active stores first, levels not counts."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from stores.models import Store
from stores.nearby import bounding_box, haversine_km
from tests.api.conftest import url
from tests.catalog.factories import ProductFactory
from tests.stores.factories import StockLevelFactory, StoreFactory

pytestmark = pytest.mark.django_db

# West Lake, Hangzhou
LAT, LON = 30.2741, 120.1551


def _store_at(km_north: float, km_east: float = 0.0, **kw):  # type: ignore[no-untyped-def]
    lat = LAT + km_north / 111.32
    lon = LON + km_east / (111.32 * math.cos(math.radians(LAT)))
    return StoreFactory.create(
        latitude=Decimal(f"{lat:.6f}"), longitude=Decimal(f"{lon:.6f}"), **kw
    )


@pytest.fixture
def street(db):  # type: ignore[no-untyped-def]
    water = ProductFactory.create(name="农夫山泉", name_en="Nongfu Spring")
    stores = {
        "near": _store_at(0.5, name="近店", opening_hours={"mon": ["07:00-23:00"]}),
        "mid": _store_at(0, 1.5, name="中店"),
        "far": _store_at(2.8, name="远店"),
        "outside": _store_at(2.4, 2.4, name="外店"),  # 3.4 km: in the 3 km box, not the circle
        "closed": _store_at(0.2, name="停业店", status=Store.Status.SUSPENDED),
        "empty": _store_at(0.1, name="空店"),
    }
    StockLevelFactory.create(store=stores["near"], product=water, on_hand=2)
    StockLevelFactory.create(store=stores["mid"], product=water, on_hand=30)
    StockLevelFactory.create(store=stores["far"], product=water, on_hand=5)
    StockLevelFactory.create(store=stores["outside"], product=water, on_hand=9)
    StockLevelFactory.create(store=stores["closed"], product=water, on_hand=9)
    StockLevelFactory.create(store=stores["empty"], product=water, on_hand=0)
    return water, stores


def _get(client, **params):  # type: ignore[no-untyped-def]
    return client.get(url("nearby/"), {"lat": LAT, "lon": LON, **params})


@pytest.mark.smoke
def test_nearest_active_stores_with_stock_first(anon, street) -> None:  # type: ignore[no-untyped-def]
    water, _ = street
    r = _get(anon, product=water.pk)
    assert r.status_code == 200, r.data
    rows = r.data["results"]
    assert [(s["name"], s["availability"]) for s in rows] == [
        ("近店", "low"),
        ("中店", "in_stock"),
        ("远店", "in_stock"),
    ]
    assert [s["distance_m"] for s in rows] == pytest.approx([500, 1500, 2800], abs=15)
    assert rows[0]["opening_hours"] == {"mon": ["07:00-23:00"]}
    assert r.data["product"]["name"] == "农夫山泉"
    assert "on_hand" not in str(r.data)  # never a count
    assert r.data["radius_km"] == 3.0


def test_by_barcode_and_wider_radius(anon, street) -> None:  # type: ignore[no-untyped-def]
    water, _ = street
    r = _get(anon, barcode=water.barcode, radius_km=5)
    assert [s["name"] for s in r.data["results"]] == ["近店", "中店", "远店", "外店"]
    r = _get(anon, product=water.pk, radius_km=1)
    assert [s["name"] for s in r.data["results"]] == ["近店"]


def test_threshold_is_configurable(anon, street, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NEARBY_IN_STOCK_MIN = 31
    water, _ = street
    r = _get(anon, product=water.pk)
    assert {s["availability"] for s in r.data["results"]} == {"low"}


def test_at_most_20_and_constant_queries(anon, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    water = ProductFactory.create()
    for i in range(25):
        StockLevelFactory.create(store=_store_at(0.05 * (i + 1)), product=water, on_hand=10)
    with django_assert_num_queries(3):  # the product, the candidates, the 20 stores
        r = _get(anon, product=water.pk)
    assert len(r.data["results"]) == 20
    distances = [s["distance_m"] for s in r.data["results"]]
    assert distances == sorted(distances)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"product": 1, "radius_km": 21}, "radius_km"),
        ({"product": 1, "lat": 91}, "lat"),
        ({"product": 1, "lon": "east"}, "lon"),
        ({}, "product"),
        ({"product": 1, "barcode": "6900000000019"}, "product"),
    ],
)
def test_validation(anon, params, field) -> None:  # type: ignore[no-untyped-def]
    r = anon.get(url("nearby/"), {"lat": LAT, "lon": LON, **params})
    assert (r.status_code, r.data["code"]) == (400, "validation_error")
    assert field in r.data["fields"]


def test_unknown_or_inactive_product_is_404(anon, db) -> None:  # type: ignore[no-untyped-def]
    gone = ProductFactory.create(is_active=False)
    assert _get(anon, product=999999).data["code"] == "product_not_found"
    assert _get(anon, product=gone.pk).status_code == 404
    assert _get(anon, barcode="6900000000001").data["code"] == "invalid_barcode"


def test_throttled_per_address(anon, street, settings) -> None:  # type: ignore[no-untyped-def]
    water, _ = street
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["nearby"].split("/")[0])
    for _ in range(limit):
        assert _get(anon, product=water.pk).status_code == 200
    r = _get(anon, product=water.pk)
    assert (r.status_code, r.data["code"]) == (429, "throttled")


def test_a_stale_token_does_not_break_the_public_lookup(street) -> None:  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer expired.token.here")
    water, _ = street
    assert _get(client, product=water.pk).status_code == 200


def test_geometry() -> None:
    # one degree of latitude ~ 111.2 km; the box always contains the circle
    assert haversine_km(30, 120, 31, 120) == pytest.approx(111.19, abs=0.05)
    min_lat, max_lat, min_lon, max_lon = bounding_box(30, 120, 10)
    for bearing in range(0, 360, 15):
        b = math.radians(bearing)
        lat = 30 + 9.99 / 111.32 * math.cos(b)
        lon = 120 + 9.99 / (111.32 * math.cos(math.radians(30))) * math.sin(b)
        assert min_lat <= lat <= max_lat and min_lon <= lon <= max_lon
        assert haversine_km(30, 120, lat, lon) <= 10.05
