"""The store's change form: the shopper-order terms, and opening hours typed per weekday that
round-trip the JSON the API stores (issue 22)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from stores.admin_forms import OpeningHoursField, parse_day

from .conftest import login
from .forms import form_data

DAY_INPUTS = [f"opening_hours_{i}" for i in range(7)]


def _change(world, client, **overrides):  # type: ignore[no-untyped-def]
    url = reverse("admin:stores_store_change", args=[world.home.store.pk])
    data = form_data(client.get(url))
    data.update(overrides)
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_form_has_an_online_orders_and_delivery_fieldset(world) -> None:  # type: ignore[no-untyped-def]
    page = login(world.agent).get(
        reverse("admin:stores_store_change", args=[world.home.store.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    fieldsets = {str(name): opts["fields"] for name, opts in page.context["adminform"].fieldsets}
    assert fieldsets["线上订单与配送"] == (
        "accepts_online_orders",
        "delivery_radius_km",
        "delivery_fee",
        "min_basket_value",
    )
    assert fieldsets["营业时间"] == ("opening_hours", "timezone")
    html = page.content.decode()
    for name in ("accepts_online_orders", "delivery_radius_km", "delivery_fee", "min_basket_value"):
        assert f'name="{name}"' in html, name
    # one labelled input per weekday, no JSON textarea
    for i, day in enumerate(("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")):
        assert f'<label for="id_opening_hours_{i}">{day}</label>' in html
    assert '<textarea name="opening_hours"' not in html
    assert html.count('placeholder="休息"') == 7  # an empty day reads as closed


def test_stored_hours_are_shown_one_line_per_day(world) -> None:  # type: ignore[no-untyped-def]
    store = world.home.store
    store.opening_hours = {"mon": ["07:00-23:00"], "sat": ["08:00-12:00", "14:00-22:00"]}
    store.save()
    page = login(world.agent).get(reverse("admin:stores_store_change", args=[store.pk]))
    data = form_data(page)
    assert [data[k] for k in DAY_INPUTS] == [
        "07:00-23:00",
        "",
        "",
        "",
        "",
        "08:00-12:00, 14:00-22:00",
        "",
    ]


def test_agent_sets_delivery_terms_and_hours_and_the_api_serves_them(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    lines = {
        "opening_hours_0": "7:00 - 23:00",  # single-digit hour, spaces
        "opening_hours_1": "07:00-23:00",
        "opening_hours_4": "08:00-12:00，14:00-24:00",  # a full-width comma
        "opening_hours_5": "22:00-02:00",  # past midnight
        "opening_hours_6": "",  # closed
    }
    r = _change(
        world,
        client,
        accepts_online_orders="on",
        delivery_radius_km="3.50",
        delivery_fee="4.00",
        min_basket_value="29.90",
        **lines,
    )
    assert r.status_code == 302, r.context["adminform"].form.errors
    store = world.home.store
    store.refresh_from_db()
    assert store.opening_hours == {
        "mon": ["07:00-23:00"],
        "tue": ["07:00-23:00"],
        "fri": ["08:00-12:00", "14:00-24:00"],
        "sat": ["22:00-02:00"],
    }
    assert store.accepts_online_orders is True
    assert (store.delivery_radius_km, store.delivery_fee, store.min_basket_value) == (
        Decimal("3.50"),
        Decimal("4.00"),
        Decimal("29.90"),
    )
    api = APIClient()
    api.force_authenticate(world.home.objects["stores.storemembership"].user)
    body = api.get(f"/api/v1/stores/{store.pk}/").json()
    assert body["opening_hours"] == store.opening_hours
    # In week order, whatever order the database keeps the keys in (PostgreSQL's jsonb).
    assert list(body["opening_hours"]) == ["mon", "tue", "fri", "sat"]
    assert body["accepts_online_orders"] is True
    # and what the owner PATCHes through the API shows in the admin as typed lines
    patch = {"mon": ["06:30-22:00"], "sun": ["09:00-12:00", "13:00-21:00"]}
    assert (
        api.patch(
            f"/api/v1/stores/{store.pk}/", {"opening_hours": patch}, format="json"
        ).status_code
        == 200
    )
    data = form_data(client.get(reverse("admin:stores_store_change", args=[store.pk])))
    assert (data["opening_hours_0"], data["opening_hours_6"]) == (
        "06:30-22:00",
        "09:00-12:00, 13:00-21:00",
    )


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("delivery_fee", "-1", "Ensure this value is greater than or equal to 0."),
        ("min_basket_value", "-0.01", "Ensure this value is greater than or equal to 0."),
        ("delivery_radius_km", "-2", "Ensure this value is greater than or equal to 0."),
        ("delivery_radius_km", "50.01", "Ensure this value is less than or equal to 50."),
    ],
)
def test_delivery_terms_errors_name_the_field(world, field, value, error) -> None:  # type: ignore[no-untyped-def]
    """The API's limits (0 or more, a radius up to 50 km) as errors on the field, not a
    form-wide "constraint violated"."""
    client = login(world.agent)
    url = reverse("admin:stores_store_change", args=[world.home.store.pk])
    data = form_data(client.get(url))
    data[field] = value
    r = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    errors = r.context["adminform"].form.errors
    assert errors == {field: [error]}
    world.home.store.refresh_from_db()
    assert getattr(world.home.store, field) == Decimal("0")


def test_saving_unchanged_hours_keeps_the_stored_json(world) -> None:  # type: ignore[no-untyped-def]
    store = world.home.store
    hours = {"mon": ["07:00-23:00"], "sun": ["08:00-12:00", "14:00-22:00"]}
    store.opening_hours = hours
    store.save()
    r = _change(world, login(world.agent), name="改个名")
    assert r.status_code == 302
    store.refresh_from_db()
    assert (store.name, store.opening_hours) == ("改个名", hours)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ({"opening_hours_0": "25:00-26:00"}, "星期一 “25:00-26:00”：应为"),
        ({"opening_hours_2": "07:00-23:00, 9-18"}, "星期三 “9-18”：应为"),
        ({"opening_hours_6": "08:00-08:00"}, "星期日 “08:00-08:00”："),
        (
            {"opening_hours_3": "06:00-07:00, 08:00-09:00, 10:00-11:00, 12:00-13:00, 14:00-15:00"},
            "星期四：",
        ),
    ],
)
def test_a_bad_interval_is_an_error_naming_the_day(world, lines, message) -> None:  # type: ignore[no-untyped-def]
    store = world.home.store
    store.opening_hours = {"mon": ["07:00-23:00"]}
    store.save()
    r = _change(world, login(world.agent), **lines)
    assert r.status_code == 200
    errors = r.context["adminform"].form.errors["opening_hours"]
    assert len(errors) == 1 and errors[0].startswith(message), errors
    store.refresh_from_db()
    assert store.opening_hours == {"mon": ["07:00-23:00"]}


def test_errors_name_every_bad_day_in_week_order(db) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError
    from django.utils import translation

    field = OpeningHoursField()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        field.clean(["07:00-23:00", "", "", "", "", "bad", "10:00-10:00"])
    assert exc.value.messages == [
        'Saturday, “bad”: Expected "HH:MM-HH:MM", e.g. "07:00-23:00".',
        "Sunday, “10:00-10:00”: An interval cannot start and end at once.",
    ]


def test_the_form_uses_the_apis_validator(monkeypatch, db) -> None:  # type: ignore[no-untyped-def]
    """No second set of rules: the field hands the parsed days to opening_hours_validate."""
    from stores import admin_forms

    seen = []

    def spy(value):  # type: ignore[no-untyped-def]
        seen.append(value)
        return {"mon": ["00:00-24:00"]}

    monkeypatch.setattr(admin_forms, "opening_hours_validate", spy)
    assert OpeningHoursField().clean(["1:00-2:00", "", "", "", "", "", ""]) == {
        "mon": ["00:00-24:00"]
    }
    assert seen == [{"mon": ["01:00-02:00"]}]


@pytest.mark.parametrize(
    ("text", "intervals"),
    [
        ("", []),
        ("   ", []),
        ("07:00-23:00", ["07:00-23:00"]),
        ("7:00-9:30", ["07:00-09:30"]),
        ("08:00 – 12:00, 14:00 ~ 22:00", ["08:00-12:00", "14:00-22:00"]),
        ("08：00-12：00；14:00-22:00", ["08:00-12:00", "14:00-22:00"]),
        ("08:00-12:00 14:00-22:00", ["08:00-12:00", "14:00-22:00"]),
        ("8-12", ["8-12"]),  # left for the validator to refuse
    ],
)
def test_parse_day(text: str, intervals: list[str]) -> None:
    assert parse_day(text) == intervals
