"""Catalog: search active products by name (Chinese and Latin), brand, category; barcode lookup."""

from __future__ import annotations

import pytest

from tests.api.conftest import url
from tests.catalog.factories import CategoryFactory, ProductFactory, make_ean13

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):  # type: ignore[no-untyped-def]
    drinks = CategoryFactory(code="drinks", name="饮料")
    water = CategoryFactory(code="water", name="瓶装水", parent=drinks)
    snacks = CategoryFactory(code="snacks", name="零食")
    return {
        "drinks": drinks,
        "water": water,
        "snacks": snacks,
        "nongfu": ProductFactory(
            name="农夫山泉 550ml", name_en="Nongfu Spring", brand="农夫山泉", category=water
        ),
        "cola": ProductFactory(
            name="可口可乐 330ml", name_en="Coca-Cola", brand="可口可乐", category=drinks
        ),
        "chips": ProductFactory(
            name="乐事薯片", name_en="Lay's chips", brand="乐事", category=snacks
        ),
        "old": ProductFactory(
            name="老款可乐", name_en="Old cola", category=drinks, is_active=False
        ),
    }


def _names(r) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(p["name"] for p in r.data["results"])


@pytest.mark.smoke
def test_search_by_chinese_latin_brand_and_category(alice, catalog) -> None:  # type: ignore[no-untyped-def]
    c = alice.client
    assert _names(c.get(url("products/"), {"q": "可乐"})) == ["可口可乐 330ml"]
    assert _names(c.get(url("products/"), {"q": "COLA"})) == ["可口可乐 330ml"]
    assert _names(c.get(url("products/"), {"brand": "乐事"})) == ["乐事薯片"]
    drinks = c.get(url("products/"), {"category": catalog["drinks"].pk})
    assert _names(drinks) == ["农夫山泉 550ml", "可口可乐 330ml"]  # water is below drinks
    assert _names(c.get(url("products/"), {"q": catalog["chips"].barcode})) == ["乐事薯片"]
    assert c.get(url("products/")).data["count"] == 3  # the inactive one is hidden


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("kele", ["可口可乐 330ml"]),  # a syllable run of the full pinyin
        ("Ke Kou", ["可口可乐 330ml"]),  # spaces and case do not matter
        ("kkkl", ["可口可乐 330ml"]),  # initials
        ("nfsq", ["农夫山泉 550ml"]),
        ("shupian", ["乐事薯片"]),
        ("le", ["乐事薯片", "可口可乐 330ml"]),
        ("xyzq", []),
    ],
)
def test_search_by_pinyin(alice, catalog, q: str, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert _names(alice.client.get(url("products/"), {"q": q})) == expected


def test_a_renamed_product_is_found_by_its_new_pinyin(alice, catalog) -> None:  # type: ignore[no-untyped-def]
    cola = catalog["cola"]
    cola.name = "雪碧 330ml"
    cola.save(update_fields=["name"])
    assert _names(alice.client.get(url("products/"), {"q": "xuebi"})) == ["雪碧 330ml"]
    assert _names(alice.client.get(url("products/"), {"q": "kele"})) == []


def test_list_has_constant_queries(alice, catalog, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(2):  # count + page (category joined)
        alice.client.get(url("products/"))
    ProductFactory.create_batch(25, category=catalog["snacks"])
    with django_assert_num_queries(2):
        r = alice.client.get(url("products/"), {"page_size": 20})
    assert len(r.data["results"]) == 20
    with django_assert_num_queries(3):  # + the category tree
        alice.client.get(url("products/"), {"category": catalog["drinks"].pk})


def test_page_size_is_capped(alice, catalog, settings) -> None:  # type: ignore[no-untyped-def]
    ProductFactory.create_batch(5)
    r = alice.client.get(url("products/"), {"page_size": 100000})
    assert r.status_code == 200
    assert len(r.data["results"]) == 8


def test_list_validation(alice) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.get(url("products/"), {"category": "drinks"})
    assert (r.status_code, r.data["code"]) == (400, "validation_error")
    assert "category" in r.data["fields"]


def test_barcode_lookup(alice, catalog) -> None:  # type: ignore[no-untyped-def]
    p = catalog["nongfu"]
    r = alice.client.get(url(f"products/barcode/{p.barcode}/"))
    assert (r.status_code, r.data["id"], r.data["category"]["code"]) == (200, p.pk, "water")
    missing = alice.client.get(url(f"products/barcode/{make_ean13(999999)}/"))
    assert (missing.status_code, missing.data["code"]) == (404, "product_not_found")
    inactive = alice.client.get(url(f"products/barcode/{catalog['old'].barcode}/"))
    assert inactive.status_code == 404
    bad = alice.client.get(url("products/barcode/6900000000001/"))  # wrong check digit
    assert (bad.status_code, bad.data["code"]) == (400, "invalid_barcode")


def test_product_detail(alice, catalog) -> None:  # type: ignore[no-untyped-def]
    assert alice.client.get(url(f"products/{catalog['cola'].pk}/")).status_code == 200
    assert alice.client.get(url(f"products/{catalog['old'].pk}/")).status_code == 404


def test_categories_list(alice, catalog) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.get(url("categories/"))
    assert [c["code"] for c in r.data["results"]] == ["drinks", "snacks", "water"]


def test_catalog_needs_authentication(anon) -> None:  # type: ignore[no-untyped-def]
    assert anon.get(url("products/")).status_code == 401
