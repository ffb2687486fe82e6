"""Content-Security-Policy (issue 21): none for the API's JSON, same-origin for the admin and
own files for Swagger UI."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
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


def test_swagger_ui_is_served_from_this_origin_with_no_inline_script(alice: Any) -> None:
    """Swagger UI works offline: every file it loads is this project's (drf-spectacular-sidecar's
    static files), its start-up script too, so the page's policy allows this origin only."""
    r = alice.client.get("/api/docs/")
    assert r.status_code == 200
    policy = r["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    page = r.content.decode()
    assert "cdn." not in page and "https://" not in page
    assert not re.search(r"<script>\s*\S", page)  # no inline script body
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    bundle = next(x for x in sources if x.endswith("swagger-ui-bundle.js"))
    assert bundle.startswith("/static/drf_spectacular_sidecar/")
    assert finders.find(bundle.removeprefix("/static/")), bundle  # the file is installed
    script = next(x for x in sources if "script" in x and "docs" in x)
    answer = alice.client.get(script.replace("&amp;", "&"))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in answer.content.decode()
