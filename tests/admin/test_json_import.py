"""JSON uploads to the admin's import go through the API's JSON reader (lst/import_formats.py):
a hostile file is an error on the form, nothing imported; a plain one imports as before. The
uploads are products, imported by catalogue staff (field agents may only read the catalogue)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from catalog.models import Product
from lst.import_formats import JSON

from .conftest import catalogue_editor, login


def _format_index() -> str:
    return str(settings.IMPORT_FORMATS.index(JSON))


def _upload(client: Any, body: bytes) -> Any:
    upload = io.BytesIO(body)
    upload.name = "rows.json"
    return client.post(
        reverse("admin:catalog_product_import"),
        {"format": _format_index(), "import_file": upload},
    )


def _rows(world: Any, sku: str = "SKU-JSON") -> list[dict[str, Any]]:
    from tests.catalog.factories import make_ean13

    return [
        {
            "sku": sku,
            "barcode": make_ean13(4242),
            "name": "新品",
            "category": world.product.category.code,
            "case_pack": 6,
            "unit_cost": "1.50",
            "retail_price": "2.50",
        }
    ]


def test_a_plain_json_file_previews_its_rows(world) -> None:  # type: ignore[no-untyped-def]
    r = _upload(login(catalogue_editor()), json.dumps(_rows(world), ensure_ascii=False).encode())
    assert r.status_code == 200
    result = r.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["new"]


@pytest.mark.parametrize(
    "label",
    ["nested 100000 deep", "a key twice", "NaN", "a lone surrogate", "not a list", "too large"],
)
def test_a_hostile_json_file_is_a_form_error(world, label, settings) -> None:  # type: ignore[no-untyped-def]
    text = json.dumps(_rows(world), ensure_ascii=False)
    body = {
        "nested 100000 deep": ("[" * 100_000 + "]" * 100_000).encode(),
        "a key twice": text.replace('"sku": "SKU-JSON"', '"sku": "SKU-JSON", "sku": "X"').encode(),
        "NaN": text.replace('"case_pack": 6', '"case_pack": NaN').encode(),
        "a lone surrogate": text.replace("新品", "\\ud800").encode(),
        "not a list": b'{"sku": "SKU-JSON"}',
        "too large": text.encode(),
    }[label]
    if label == "too large":
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body) - 1
    before = Product.objects.count()
    r = _upload(login(catalogue_editor()), body)
    assert r.status_code == 200
    assert "import_file" in r.context["form"].errors, label
    assert "result" not in r.context or r.context["result"] is None
    assert Product.objects.count() == before


def test_yaml_and_html_imports_are_off(world) -> None:  # type: ignore[no-untyped-def]
    names = [f().get_title() for f in settings.IMPORT_FORMATS]
    assert names == ["csv", "xlsx", "tsv", "json"]
