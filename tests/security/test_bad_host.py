"""A Host not in ALLOWED_HOSTS (issue 21): 400 in the API's error shape under /api/, Django's
plain page elsewhere."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/stores/1/", "/api/nowhere"])
def test_an_unknown_host_answers_json_under_api(path: str) -> None:
    r = Client().get(path, HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert r["Content-Type"] == "application/json"
    assert r.json() == {"code": "bad_request", "message": "Bad request.", "fields": {}}


def test_an_unknown_host_gets_a_plain_page_elsewhere() -> None:
    r = Client().get("/admin/", HTTP_HOST="evil.example")
    assert r.status_code == 400
    assert r["Content-Type"].startswith("text/html")
