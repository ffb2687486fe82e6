"""The OpenAPI document validates as OpenAPI 3, has no generator warnings, and lists every
endpoint of the store app with its error responses."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/auth/token/refresh/": {"post"},
    "/api/v1/me/": {"get"},
    "/api/v1/categories/": {"get"},
    "/api/v1/products/": {"get"},
    "/api/v1/products/{product_id}/": {"get"},
    "/api/v1/products/barcode/{ean}/": {"get"},
    "/api/v1/stores/{store_id}/": {"get", "patch"},
    "/api/v1/stores/{store_id}/fixtures/": {"get", "post"},
    "/api/v1/stores/{store_id}/fixtures/{fixture_id}/": {"get", "patch", "delete"},
    "/api/v1/stores/{store_id}/stock/": {"get"},
    "/api/v1/stores/{store_id}/stock/{product_id}/movements/": {"get"},
    "/api/v1/stores/{store_id}/stock/counts/": {"post"},
    "/api/v1/stores/{store_id}/stock/waste/": {"post"},
    "/api/v1/stores/{store_id}/sales/receipts/": {"post"},
    "/api/v1/nearby/": {"get"},
}


@pytest.mark.smoke
def test_schema_validates_and_lists_every_endpoint(anon) -> None:  # type: ignore[no-untyped-def]
    r = anon.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    schema = json.loads(r.content)
    validate_schema(schema)  # raises on anything that is not valid OpenAPI 3
    assert schema["openapi"].startswith("3.")
    for path, methods in ENDPOINTS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), (path, methods)
        for method in methods:
            op = schema["paths"][path][method]
            errors = [code for code in op["responses"] if code.startswith(("4", "5"))]
            assert errors, f"{method} {path} documents no error response"
            for code in errors:
                ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ApiError"


def test_list_endpoints_document_the_page_envelope(anon) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(anon.get("/api/schema/", {"format": "json"}).content)
    for path in ("/api/v1/products/", "/api/v1/stores/{store_id}/stock/"):
        op = schema["paths"][path]["get"]
        assert {"page", "page_size"} <= {p["name"] for p in op["parameters"]}
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.startswith("#/components/schemas/Paginated")


def test_schema_generation_has_no_warnings() -> None:
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out)


def test_every_id_in_a_path_is_an_integer(anon) -> None:  # type: ignore[no-untyped-def]
    """One type per id everywhere: a client generated from the schema takes `store_id: int` on
    every path (orders included), as bodies and answers carry it."""
    schema = json.loads(anon.get("/api/schema/", {"format": "json"}).content)
    kinds: dict[str, set[str]] = {}
    for ops in schema["paths"].values():
        for op in ops.values():
            for param in op.get("parameters", []) if isinstance(op, dict) else []:
                if param["in"] == "path" and param["name"].endswith("_id"):
                    kinds.setdefault(param["name"], set()).add(param["schema"]["type"])
    assert {"store_id", "order_id", "product_id"} <= set(kinds)
    assert {name: types for name, types in kinds.items() if types != {"integer"}} == {}


def test_one_error_schema_for_every_error_response(anon) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(anon.get("/api/schema/", {"format": "json"}).content)
    error_like = {
        name
        for name, body in schema["components"]["schemas"].items()
        if {"code", "message"} <= set(body.get("properties", {}))
    }
    assert error_like == {"ApiError"}
    refs = set()
    for ops in schema["paths"].values():
        for op in ops.values():
            for status, answer in (op.get("responses", {}) if isinstance(op, dict) else {}).items():
                if status.startswith(("4", "5")):
                    for media in answer.get("content", {}).values():
                        refs.add(media["schema"].get("$ref"))
    assert refs == {"#/components/schemas/ApiError"}


def test_the_planogram_is_documented_as_svg_and_its_errors_as_json(anon) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(anon.get("/api/schema/", {"format": "json"}).content)
    answers = schema["paths"]["/api/v1/stores/{store_id}/shelf-plans/{fixture_id}/planogram.svg"][
        "get"
    ]["responses"]
    assert set(answers["200"]["content"]) == {"image/svg+xml"}
    for status in ("401", "404"):
        assert set(answers[status]["content"]) == {"application/json"}
