"""The store dashboard says which planogram is which, and counts purchase and assortment
decisions apart (issue 22)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from recommendations.models import ShelfPlan, ShelfPlanItem, SuggestionFeedback
from tests.stores.factories import FixtureFactory

from .conftest import login


def _layouts(world: Any) -> tuple[Any, Any, Any]:
    """The home store's first fixture with its recommendation (from the world) and a current
    layout; a second fixture with a current layout only."""
    store = world.home.store
    recommended = world.home.objects["recommendations.shelfplan"]
    recommended.expected_daily_profit = Decimal("12.40")
    recommended.save()
    ShelfPlanItem.objects.create(
        plan=recommended, product=world.product, level=2, position=0, facings=3
    )
    current = ShelfPlan.objects.create(
        store=store, fixture=recommended.fixture, source=ShelfPlan.Source.CURRENT
    )
    ShelfPlanItem.objects.create(
        plan=current, product=world.product, level=1, position=0, facings=1
    )
    cooler = FixtureFactory.create(store=store, name="cooler-hz-a-1")
    cooler_current = ShelfPlan.objects.create(
        store=store, fixture=cooler, source=ShelfPlan.Source.CURRENT
    )
    return recommended, current, cooler_current


def _figures(html: str) -> list[tuple[str, str, str]]:
    """(data-source, id, caption text) of each planogram figure, in page order."""
    out = []
    for m in re.finditer(
        r'<figure class="lst-plan[^"]*" data-source="(\w+)"(?: id="([\w-]+)")?>\s*'
        r"<figcaption[^>]*>(.*?)</figcaption>",
        html,
        re.S,
    ):
        caption = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m[3])).strip()
        out.append((m[1], m[2] or "", caption))
    return out


def test_dashboard_labels_current_and_recommended_layouts_in_chinese(world) -> None:  # type: ignore[no-untyped-def]
    recommended, current, cooler_current = _layouts(world)
    page = login(world.agent).get(
        reverse("admin:lst_store_dashboard", args=[world.home.store.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 200
    figures = _figures(page.content.decode())
    # Fixtures by name (cooler- before shelf-), the current layout first, then the recommendation.
    assert figures == [
        ("current", f"plan-{cooler_current.pk}", "当前陈列"),
        ("recommended", "", "推荐陈列"),
        ("current", f"plan-{current.pk}", "当前陈列"),
        ("recommended", f"plan-{recommended.pk}", "推荐陈列 预计每天毛利 ¥12.40"),
    ]
    html = page.content.decode()
    assert "此货架暂无推荐陈列。" in html  # the cooler has no recommendation
    # each labelled figure holds its own planogram
    shelf = html[html.index(f'id="plan-{current.pk}"') : html.index(f'id="plan-{recommended.pk}"')]
    assert shelf.count("<svg") == 1
    assert "Recommended layout" not in html and "Current layout" not in html


def test_dashboard_labels_layouts_in_english(world) -> None:  # type: ignore[no-untyped-def]
    _layouts(world)
    page = login(world.agent).get(
        reverse("admin:lst_store_dashboard", args=[world.home.store.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    captions = [c for _s, _i, c in _figures(page.content.decode())]
    assert captions == [
        "Current layout",
        "Recommended layout",
        "Current layout",
        "Recommended layout expected gross profit ¥12.40 a day",
    ]


def test_a_fixture_with_only_a_recommendation_says_no_current_layout(world) -> None:  # type: ignore[no-untyped-def]
    page = login(world.agent).get(
        reverse("admin:lst_store_dashboard", args=[world.home.store.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = page.content.decode()
    plan = world.home.objects["recommendations.shelfplan"]
    assert [(s, i) for s, i, _c in _figures(html)] == [
        ("current", ""),
        ("recommended", f"plan-{plan.pk}"),
    ]
    assert "No current layout recorded for this fixture." in html


def _feedback(store: Any, product: Any, source: str, *actions: str) -> None:
    for action in actions:
        SuggestionFeedback.objects.create(
            store=store,
            product=product,
            source=source,
            for_date=timezone.localdate(),
            action=action,
            suggested_quantity=6,
            final_quantity=0 if action == "dismissed" else 6,
        )


def test_purchase_acceptance_leaves_assortment_feedback_out(world) -> None:  # type: ignore[no-untyped-def]
    store = world.home.store
    # Purchase: 2 of 3 accepted (one with another quantity). Assortment: 1 of 4 carried.
    # Mixed together they would read 3 of 7 (43%).
    _feedback(store, world.product, "purchase", "accepted", "edited", "dismissed")
    _feedback(store, world.product, "assortment", "accepted", "dismissed", "dismissed", "dismissed")
    # older than the 28-day window: not counted
    old = SuggestionFeedback.objects.create(
        store=store, product=world.product, for_date=timezone.localdate(), action="dismissed"
    )
    SuggestionFeedback.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=40)
    )
    client = login(world.agent)
    page = client.get(
        reverse("admin:lst_store_dashboard", args=[store.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    dash = page.context["dash"]
    assert (dash.acceptance, dash.feedback_count) == (2 / 3, 3)
    assert (dash.assortment_acceptance, dash.assortment_feedback_count) == (0.25, 4)
    html = page.content.decode()
    assert re.search(r"补货建议采纳率（近 28 天）:\s*<strong id=\"acceptance\">67%</strong>", html)
    assert re.search(
        r"选品建议采纳率（近 28 天）:\s*<strong id=\"assortment-acceptance\">25%</strong>", html
    )

    overview = client.get(reverse("admin:lst_territory_overview") + "?sort=acceptance")
    by_code = {r.code: r.acceptance for r in overview.context["rows"]}
    assert by_code == {"hz-a-1": 2 / 3}


def test_no_assortment_figure_without_assortment_feedback(world) -> None:  # type: ignore[no-untyped-def]
    _feedback(world.home.store, world.product, "purchase", "accepted")
    page = login(world.agent).get(reverse("admin:lst_store_dashboard", args=[world.home.store.pk]))
    html = page.content.decode()
    assert page.context["dash"].assortment_acceptance is None
    assert 'id="acceptance">100%<' in html
    assert 'id="assortment-acceptance"' not in html
