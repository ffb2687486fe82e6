"""In a real browser: the dashboard's planograms carry a visible label, current or recommended,
in the page's language; the store form takes opening hours per weekday (issue 22)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from recommendations.models import ShelfPlan, ShelfPlanItem
from stores.models import Store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context_page(browser: Any, language: str) -> Any:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900},
        locale="zh-CN" if language == "zh-hans" else "en-US",
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def _plans(world: Any) -> tuple[ShelfPlan, ShelfPlan]:
    from tests.catalog.factories import ProductFactory

    recommended = world.home.objects["recommendations.shelfplan"]
    recommended.expected_daily_profit = Decimal("18.60")
    recommended.save()
    current = ShelfPlan.objects.create(
        store=world.home.store, fixture=recommended.fixture, source=ShelfPlan.Source.CURRENT
    )
    tea = ProductFactory(name="绿茶")
    for plan, facings in ((current, (1, 1)), (recommended, (3, 2))):
        for pos, (product, n) in enumerate(zip((world.product, tea), facings, strict=True)):
            ShelfPlanItem.objects.create(
                plan=plan, product=product, level=2, position=pos, facings=n
            )
    return current, recommended


@pytest.mark.parametrize(
    ("language", "current_label", "recommended_label"),
    [("zh-hans", "当前陈列", "推荐陈列"), ("en", "Current layout", "Recommended layout")],
)
def test_dashboard_labels_each_planogram(
    browser, live_server, world, shots, language, current_label, recommended_label
) -> None:  # type: ignore[no-untyped-def]
    current, recommended = _plans(world)
    page = _context_page(browser, language)
    try:
        _login(page, live_server.url, world.agent.username)
        page.goto(f"{live_server.url}/admin/stores/store/{world.home.store.pk}/dashboard/")
        for plan, label in ((current, current_label), (recommended, recommended_label)):
            figure = page.locator(f"#plan-{plan.pk}")
            tag = figure.locator(".lst-plan-label .lst-tag")
            assert tag.is_visible()
            assert tag.inner_text().strip() == label
            # the label sits above its own planogram, not over it
            tag_box, svg_box = tag.bounding_box(), figure.locator("svg").bounding_box()
            assert tag_box and svg_box
            assert tag_box["y"] + tag_box["height"] <= svg_box["y"] + 0.5
            assert figure.locator("svg g[data-product-id]").count() == 2
        # current on the left, the recommendation beside it
        left = page.locator(f"#plan-{current.pk}").bounding_box()
        right = page.locator(f"#plan-{recommended.pk}").bounding_box()
        assert left and right and left["x"] + left["width"] <= right["x"]
        assert "18.60" in page.inner_text(f"#plan-{recommended.pk} .lst-plan-label")
        page.locator("#shelf-plans").screenshot(path=str(shots / f"dashboard-plans-{language}.png"))
    finally:
        page.context.close()


def test_store_form_takes_opening_hours_per_weekday(browser, live_server, world, shots) -> None:  # type: ignore[no-untyped-def]
    store = world.home.store
    page = _context_page(browser, "zh-hans")
    try:
        _login(page, live_server.url, world.agent.username)
        page.goto(f"{live_server.url}/admin/stores/store/{store.pk}/change/")
        assert page.inner_text("label[for=id_opening_hours_0]") == "星期一"
        assert page.get_attribute("#id_opening_hours_2", "placeholder") == "休息"
        page.fill("#id_opening_hours_0", "25:00-26:00")
        page.click("input[name=_continue]")
        error = page.inner_text(".field-opening_hours .errorlist")
        assert error.startswith("星期一 “25:00-26:00”：")
        page.fill("#id_opening_hours_0", "7:00-23:00")
        page.fill("#id_opening_hours_5", "08:00-12:00, 14:00-22:00")
        page.check("#id_accepts_online_orders")
        page.fill("#id_delivery_radius_km", "2.5")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist .success")
        assert page.input_value("#id_opening_hours_5") == "08:00-12:00, 14:00-22:00"
        page.screenshot(path=str(shots / "store-form.png"), full_page=True)
    finally:
        page.context.close()
    store = Store.objects.get(pk=store.pk)
    assert store.opening_hours == {"mon": ["07:00-23:00"], "sat": ["08:00-12:00", "14:00-22:00"]}
    assert (store.accepts_online_orders, store.delivery_radius_km) == (True, Decimal("2.50"))
