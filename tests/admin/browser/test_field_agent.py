"""End to end in a real browser: a field agent's day in the admin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from stores.models import DailySales, Store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _history_and_model(world: Any, media: Path) -> None:
    from recommendations import data
    from recommendations.engine.forecast import ForecastParams, build_panel, fit
    from recommendations.services import registry
    from tests.catalog.factories import ProductFactory

    today = timezone.localdate()
    products = [world.product, *(ProductFactory() for _ in range(3))]
    rows = []
    for i, p in enumerate(products):
        for d in range(2, 120):
            day = today - dt.timedelta(days=d)
            units = (4 + i) * (1.6 if day.weekday() >= 5 else 1.0) + (d * 7 + i) % 3
            rows.append(
                DailySales(
                    store=world.home.store,
                    product=p,
                    date=day,
                    units=int(units),
                    revenue=Decimal(int(units) * 3),
                )
            )
    DailySales.objects.bulk_create(rows)
    sales = data.sales_frame(store_ids=None, start=today - dt.timedelta(days=200), end=today)
    model = fit(build_panel(sales, freq="D"), ForecastParams(horizon=14, method="seasonal_naive"))
    version = registry.model_register(
        kind="forecast", model=model, parameters={}, metrics={}, data_start=None, data_end=None
    )
    registry.model_promote(version=version)


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def test_field_agent_day(
    page, live_server, world, model_versions, shots, tmp_path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _history_and_model(world, tmp_path)
    base = live_server.url
    _login(page, base, world.agent.username)

    page.goto(f"{base}/admin/stores/store/")
    assert page.locator(".lst-checklist").count() == 1

    # Onboard a store.
    page.click("#onboard-link")
    page.fill("#id_code", "hz-a-onboarded")
    page.fill("#id_name", "新开便利店")
    page.select_option("#id_territory", str(world.hz_a.pk))
    page.select_option("#id_warehouse", str(world.warehouse.pk))
    page.fill("#id_address", "文三路 100 号")
    page.fill("#id_city", "杭州")
    page.fill("#id_district", "西湖区")
    page.fill("#id_latitude", "30.2800")
    page.fill("#id_longitude", "120.1300")
    page.select_option("#id_neighbourhood", "office")
    page.fill("#id_owner_username", "owner-onboarded")
    page.fill("#id_owner_phone", "13955550000")
    page.fill("#id_fixtures-0-name", "主货架")
    page.fill("#id_fixtures-0-width_cm", "120")
    page.click("#onboard-submit")
    otp = page.inner_text("#one-time-password")
    assert len(otp) == 10
    page.screenshot(path=str(shots / "onboarded.png"), full_page=True)
    assert Store.objects.filter(code="hz-a-onboarded", territory=world.hz_a).exists()

    # The store list shows each store's onboarding checklist.
    page.goto(f"{base}/admin/stores/store/")
    assert page.locator(".lst-checklist").count() == 2
    assert page.locator('.lst-checklist[data-done="2"]').count() == 1  # the new one: 2/5
    page.screenshot(path=str(shots / "store-list.png"), full_page=True)

    # Import a CSV with one bad row: the preview names the row and the column; nothing written.
    csv = tmp_path / "stores.csv"
    csv.write_text(
        "code,name,address,city,district,latitude,longitude,neighbourhood,territory,warehouse\n"
        "imp-ok,导入店,路1号,杭州,西湖区,30.1,120.1,residential,hz-a,wh-east\n"
        "imp-bad,坏行,路2号,杭州,西湖区,91,120.1,residential,hz-a,wh-east\n",
        encoding="utf-8",
    )
    page.goto(f"{base}/admin/stores/store/import/")
    page.select_option("#id_format", label="csv")
    page.set_input_files("#id_import_file", str(csv))
    page.click("input[type=submit]")
    page.wait_for_selector(".validation-error-count")
    assert page.locator(".validation-error-count").count() == 1  # one bad row
    page.hover(".validation-error-count")
    error = page.inner_text(".validation-error-container").lower()
    assert "latitude" in error and "90" in error
    page.screenshot(path=str(shots / "import-preview-error.png"), full_page=True)
    assert not Store.objects.filter(code__startswith="imp-").exists()

    # The dashboard shows the chart with the forecast band.
    page.goto(f"{base}/admin/stores/store/{world.home.store.pk}/dashboard/")
    assert page.locator("#sales-chart svg polyline.history").count() == 1
    assert page.locator("#sales-chart svg polygon.band").count() == 1
    page.screenshot(path=str(shots / "store-dashboard.png"), full_page=True)

    # The territory overview and the model versions.
    page.goto(f"{base}/admin/stores/store/overview/")
    assert page.locator("#overview tbody tr").count() == 2  # hz-a-1 and the onboarded one
    page.screenshot(path=str(shots / "territory-overview.png"), full_page=True)
    page.goto(f"{base}/admin/recommendations/modelversion/")
    page.screenshot(path=str(shots / "model-versions.png"), full_page=True)

    # Another territory's store is a 404, by URL as by link.
    response = page.goto(f"{base}/admin/stores/store/{world.foreign.store.pk}/change/")
    assert response.status == 404
    response = page.goto(f"{base}/admin/stores/store/{world.foreign.store.pk}/dashboard/")
    assert response.status == 404
