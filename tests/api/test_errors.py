"""The API answers its one error shape everywhere, as its schema says: for URLs no route matches,
for bodies in a media type it does not read, and for nested validation errors (findings of the
API fuzzer, tests/fuzz)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from lst.api.errors import exception_handler
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def _schema(client: Any) -> dict[str, Any]:
    return json.loads(client.get("/api/schema/", {"format": "json"}).content)


@pytest.mark.parametrize(
    "path",
    ["stores/abc/", "stores/-1/stock/", "products/null,null/", "no-such-endpoint/"],
)
def test_an_unmatched_api_url_answers_json_404(alice, path: str) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.get(url(path))
    assert r.status_code == 404
    assert r["Content-Type"] == "application/json"
    assert r.json() == {"code": "not_found", "message": r.json()["message"], "fields": {}}


def test_an_unmatched_url_outside_the_api_keeps_the_html_page(anon) -> None:  # type: ignore[no-untyped-def]
    r = anon.get("/no-such-page/")
    assert r.status_code == 404
    assert r["Content-Type"].startswith("text/html")


def test_a_body_in_another_media_type_is_415_and_documented(alice) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.post(
        url(f"stores/{alice.store.pk}/fixtures/"), "name=x", content_type="text/plain"
    )
    assert r.status_code == 415
    assert r.json()["code"] == "unsupported_media_type"
    schema = _schema(alice.client)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert "415" in operation["responses"], f"{method} {path}"


def test_every_paginated_list_documents_404_for_a_page_past_the_end(alice) -> None:  # type: ignore[no-untyped-def]
    r = alice.client.get(url("categories/"), {"page": 0})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    schema = _schema(alice.client)
    lists = [
        (path, operation)
        for path, item in schema["paths"].items()
        for operation in item.values()
        if any(p["name"] == "page" for p in operation.get("parameters", []))
    ]
    assert len(lists) > 10
    for path, operation in lists:
        assert "404" in operation["responses"], path
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["$ref"].startswith("#/components/schemas/Paginated"), path


class _Line(serializers.Serializer):
    product = serializers.IntegerField()


class _Batch(serializers.Serializer):
    items = _Line(many=True)


def test_nested_validation_errors_are_flattened_to_one_level_of_keys() -> None:
    batch = _Batch(data={"items": [{"product": 1}, {}]})
    assert not batch.is_valid()
    response = exception_handler(ValidationError(batch.errors), {})
    assert response is not None
    assert response.data["fields"] == {"items[1].product": [batch.errors["items"][1]["product"][0]]}
    assert response.data["message"].startswith("items[1].product: ")


@pytest.mark.smoke
def test_ids_beyond_64_bits_are_404_in_a_path_and_400_in_a_body(alice) -> None:  # type: ignore[no-untyped-def]
    # On SQLite (the embedded default) such an id cannot even be bound to a query; on
    # PostgreSQL it finds nothing. Either way: the client's mistake, never a 500.
    huge = 2**64 + 1
    r = alice.client.get(url(f"stores/{huge}/fixtures/"))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = alice.client.post(
        url(f"stores/{alice.store.pk}/suggestions/accept/"),
        {"lines": [{"id": huge}]},
        format="json",
    )
    assert r.status_code == 400 and "lines[0].id" in r.json()["fields"]


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-endpoint/", "/api/nothing-here/", "/api/v1/stores/abc/"]
)
def test_unmatched_api_urls_answer_json_while_debug_is_on(anon, settings, path: str) -> None:  # type: ignore[no-untyped-def]
    """While DEBUG is on Django answers its technical HTML 404 page instead of handler404."""
    settings.DEBUG = True
    r = anon.get(path)
    assert r.status_code == 404
    assert r["Content-Type"] == "application/json"
    assert r.json()["code"] == "not_found" and r.json()["fields"] == {}
    assert r.json()["message"].encode() in r.content  # UTF-8, not \u escapes


@pytest.mark.parametrize("debug", [False, True])
def test_a_host_not_allowed_answers_json_under_the_api(anon, settings, debug: bool) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = debug
    r = anon.get("/api/v1/products/", HTTP_HOST="evil.example")
    assert r.status_code == 400
    assert r["Content-Type"] == "application/json"
    assert r.json()["code"] == "bad_request"
    page = anon.get("/admin/login/", HTTP_HOST="evil.example")  # the admin keeps its page
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_the_api_root_answers_json_with_where_to_go_next(anon) -> None:  # type: ignore[no-untyped-def]
    r = anon.get("/api/v1/")
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == "v1"
    assert body["schema"] == "http://testserver/api/schema/"
    assert body["docs"] == "http://testserver/api/docs/"
    assert anon.get(body["login"].removeprefix("http://testserver")).status_code == 405  # POST only
