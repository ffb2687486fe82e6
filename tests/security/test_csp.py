"""Content-Security-Policy (issue 21): none for the API's JSON, same-origin for the admin, the
CDN for Swagger UI only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_api_answers_forbid_everything(alice: Any) -> None:
    r = alice.client.get(f"/api/v1/stores/{alice.store.pk}/")
    assert r.status_code == 200
    assert r["Content-Security-Policy"].startswith("default-src 'none'")
    assert Client().get("/api/nowhere")["Content-Security-Policy"].startswith("default-src 'none'")


def test_the_admin_runs_own_origin_scripts_only() -> None:
    r = Client().get("/admin/login/")
    assert r.status_code == 200
    policy = r["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "<script>" not in r.content.decode()  # no inline script the policy would block


def test_swagger_ui_may_load_its_cdn(alice: Any) -> None:
    r = alice.client.get("/api/docs/")
    assert r.status_code == 200
    policy = r["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net" in policy
    assert "cdn.jsdelivr.net" in r.content.decode()
