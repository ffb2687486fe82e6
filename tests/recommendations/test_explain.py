"""The owner-facing text module (`recommendations.explain`) and the typed purchase reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import translation

from recommendations.engine.shelf import (
    CategoryResponse,
    ChangeInstruction,
    FixturePlan,
    FixtureSpec,
    Placement,
    ProductSpec,
    ResponseParams,
    diff_plan,
)
from recommendations.explain import purchase_reason_text, shelf_change_text
from recommendations.models import PurchaseSuggestion
from recommendations.reasons import PurchaseReason
from tests.recommendations.factories import PurchaseSuggestionFactory


def _known_diff() -> dict[int | str, ChangeInstruction]:
    fx = FixtureSpec(1, 60, 4, 4)
    resp = ResponseParams(default=CategoryResponse(0.2, 0.2, 0.0))
    water = ProductSpec(10, "水", 6, 1.0, 3.0, 6, 3)
    tea = ProductSpec(11, "茶", 8, 0.5, 1.0, 6, 3)
    gum = ProductSpec(12, "糖", 5, 0.3, 0.2, 6, 3)
    current = [Placement(10, 2, 1, 2), Placement(11, 4, 1, 1), Placement(12, 3, 1, 2)]
    plan = FixturePlan(
        fx, (Placement(10, 4, 1, 3, category="水"), Placement(11, 4, 2, 2, category="茶"))
    )
    return {c.product_id: c for c in diff_plan(current, plan, [water, tea, gum], resp).instructions}


def test_the_change_list_in_both_languages() -> None:
    got = _known_diff()
    assert (
        shelf_change_text(got[10], name="农夫山泉 550ml", language="zh-hans")
        == "把 农夫山泉 550ml 移到视线高度（第4层），排面从2个增加到3个"
    )
    assert (
        shelf_change_text(got[10], name="Nongfu Spring 550ml", language="en")
        == "move Nongfu Spring 550ml to eye level (level 4), 3 facings instead of 2"
    )
    assert shelf_change_text(got[11], name="康师傅绿茶", language="en") == (
        "康师傅绿茶: 2 facings instead of 1"
    )
    assert shelf_change_text(got[11], name="康师傅绿茶", language="zh-hans") == (
        "康师傅绿茶 排面从1个增加到2个"
    )
    assert shelf_change_text(got[12], name="口香糖", language="zh-hans") == (
        "把 口香糖 从本货架撤下（原在第3层）"
    )
    assert shelf_change_text(got[12], name="gum", language="en") == (
        "take gum off this fixture (was on level 3)"
    )


@pytest.mark.parametrize(
    ("change", "zh", "en"),
    [
        (
            ChangeInstruction("add", 1, None, 2, None, 3, 0.5, to_eye_level=False),
            "把 可乐 上架到第2层，3个排面",
            "put Cola on level 2, 3 facings",
        ),
        (
            ChangeInstruction("add", 1, None, 4, None, 1, 0.5, to_eye_level=True),
            "把 可乐 上架到视线高度第4层，1个排面",
            "put Cola at eye level (level 4), 1 facing",
        ),
        (
            ChangeInstruction("move", 1, 4, 1, 3, 3, -0.2, to_eye_level=False),
            "把 可乐 从第4层移到第1层",
            "move Cola from level 4 to level 1",
        ),
        (
            ChangeInstruction("move", 1, 4, 2, 3, 1, -0.2, to_eye_level=False),
            "把 可乐 从第4层移到第2层，排面从3个减少到1个",
            "move Cola from level 4 to level 2, 1 facing instead of 3",
        ),
    ],
)
def test_each_kind_of_change(change: ChangeInstruction, zh: str, en: str) -> None:
    assert shelf_change_text(change, name="可乐", language="zh-hans") == zh
    assert shelf_change_text(change, name="Cola", language="en") == en
    assert shelf_change_text(change, name="可乐", language=None) == zh  # Chinese by default


def test_the_reason_round_trips_through_its_json_form() -> None:
    reason = PurchaseReason(
        weekly_units=14.0,
        on_hand=3,
        on_order=6,
        next_delivery=dt.date(2026, 11, 26),
        runs_out_on=None,
        protection_days=3,
        order_up_to=15,
        service_level=0.92,
        limited_by="capacity",
        budget_trimmed=True,
    )
    raw = reason.as_json()
    assert raw["next_delivery"] == "2026-11-26" and raw["runs_out_on"] is None
    assert PurchaseReason.from_json(json.loads(json.dumps(raw))) == reason
    # A hand-made row without numbers reads as zeros, not a KeyError.
    assert PurchaseReason.from_json({}) == PurchaseReason()
    with pytest.raises(TypeError):
        PurchaseReason.coerce("14 a week")


@pytest.mark.django_db
def test_the_field_stores_json_and_gives_back_a_typed_reason(alice) -> None:  # type: ignore[no-untyped-def]
    s = PurchaseSuggestionFactory.create(store=alice.store)  # the factory writes a dict
    assert isinstance(s.reason, PurchaseReason)
    assert s.reason.next_delivery == dt.date(2026, 11, 26)
    s.reason = PurchaseReason(weekly_units=3.5, on_hand=0, next_delivery=dt.date(2026, 11, 25))
    s.save(update_fields=["reason"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reason FROM recommendations_purchasesuggestion WHERE id = %s", [s.pk]
        )
        stored = cursor.fetchone()[0]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert (
        stored
        == PurchaseReason(
            weekly_units=3.5, on_hand=0, next_delivery=dt.date(2026, 11, 25)
        ).as_json()
    )
    again = PurchaseSuggestion.objects.get(pk=s.pk)
    assert again.reason == s.reason
    with translation.override("en"):
        assert purchase_reason_text(again) == (
            "sells ~3.5/week, 0 left, next delivery tomorrow: sold out now"
        )


@pytest.mark.parametrize(
    ("delivery", "runs_out", "en", "zh"),
    [
        # Within the week ahead a weekday is enough.
        (
            dt.date(2026, 12, 5),
            dt.date(2026, 12, 9),
            "next delivery Sat: runs out Wed",
            "下次到货星期六：预计星期三卖完",
        ),
        # Two weeks apart: both named with a date, or "Sat ... Sat" would read as one day.
        (
            dt.date(2026, 12, 5),
            dt.date(2026, 12, 19),
            "next delivery Sat: runs out Sat 12/19",
            "下次到货星期六：预计12月19日（星期六）卖完",
        ),
        (
            dt.date(2026, 12, 10),
            dt.date(2026, 12, 12),
            "next delivery Thu 12/10: runs out Sat 12/12",
            "下次到货12月10日（星期四）：预计12月12日（星期六）卖完",
        ),
    ],
)
def test_days_a_week_or_more_away_are_dated(delivery, runs_out, en: str, zh: str) -> None:  # type: ignore[no-untyped-def]
    s = PurchaseSuggestion(
        for_date=dt.date(2026, 12, 3),  # a Thursday
        reason=PurchaseReason(
            weekly_units=7, on_hand=9, next_delivery=delivery, runs_out_on=runs_out
        ),
    )
    with translation.override("en"):
        assert purchase_reason_text(s).endswith(en)
    with translation.override("zh-hans"):
        assert purchase_reason_text(s).endswith(zh)
