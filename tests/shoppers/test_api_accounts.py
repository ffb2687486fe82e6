"""Shopper sign-up, login by phone + password, one-time codes, addresses."""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from lst.phones import phone_e164
from shoppers.models import OneTimeCode, ShopperProfile
from tests.shoppers.conftest import url
from tests.shoppers.factories import ShopperAddressFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


def _bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.mark.smoke
def test_signup_then_login_by_phone(anon) -> None:  # type: ignore[no-untyped-def]
    r = anon.post(
        url("shopper/signup/"),
        {"phone": "139 0000 0099", "password": PASSWORD, "display_name": "小王"},
    )
    assert r.status_code == 201, r.data
    assert (r.data["phone"], r.data["created"]) == ("+8613900000099", True)
    assert ShopperProfile.objects.filter(user_id=r.data["user_id"]).exists()
    assert _bearer(r.data["access"]).get(url("shopper/orders/")).status_code == 200
    login = anon.post(url("auth/token/"), {"login": "13900000099", "password": PASSWORD})
    assert login.status_code == 200
    again = anon.post(url("shopper/signup/"), {"phone": "13900000099", "password": PASSWORD})
    assert (again.status_code, again.data["code"]) == (400, "phone_taken")


def test_signup_validation(anon) -> None:  # type: ignore[no-untyped-def]
    r = anon.post(url("shopper/signup/"), {"phone": "abc", "password": PASSWORD})
    assert (r.status_code, list(r.data["fields"])) == (400, ["phone"])
    r = anon.post(url("shopper/signup/"), {"phone": "13900000098", "password": "123"})
    assert (r.status_code, list(r.data["fields"])) == (400, ["password"])


def _request_code(anon, phone: str, caplog) -> str:  # type: ignore[no-untyped-def]
    # Development's SMS backend (`log`) writes the text message to the log.
    with caplog.at_level(logging.INFO, logger="lst.sms"):
        r = anon.post(url("shopper/otp/request/"), {"phone": phone})
    assert (r.status_code, r.data["expires_in"]) == (202, 300)
    e164 = re.escape(phone_e164(phone) or phone)
    return re.findall(rf"to {e164}: \D*(\d{{6}})", caplog.text)[-1]


def test_one_time_code_creates_an_account_and_logs_in(anon, caplog) -> None:  # type: ignore[no-untyped-def]
    code = _request_code(anon, "13900000077", caplog)
    row = OneTimeCode.objects.get(phone="+8613900000077")
    assert code not in row.code_hash  # only a keyed hash is stored
    r = anon.post(url("shopper/otp/verify/"), {"phone": "13900000077", "code": code})
    assert (r.status_code, r.data["created"]) == (200, True)
    assert _bearer(r.data["access"]).get(url("shopper/addresses/")).status_code == 200
    reuse = anon.post(url("shopper/otp/verify/"), {"phone": "13900000077", "code": code})
    assert (reuse.status_code, reuse.data["code"]) == (400, "invalid_code")
    # Next time: the same account.
    code = _request_code(anon, "13900000077", caplog)
    r = anon.post(url("shopper/otp/verify/"), {"phone": "13900000077", "code": code})
    assert (r.status_code, r.data["created"]) == (200, False)


def test_wrong_guesses_kill_the_code(anon, caplog, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login": "100/min",
        },
    }
    code = _request_code(anon, "13900000066", caplog)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        r = anon.post(url("shopper/otp/verify/"), {"phone": "13900000066", "code": wrong})
        assert r.data["code"] == "invalid_code"
    assert OneTimeCode.objects.get(phone="+8613900000066").attempts == 5
    r = anon.post(url("shopper/otp/verify/"), {"phone": "13900000066", "code": code})
    assert (r.status_code, r.data["code"]) == (400, "invalid_code")


def test_an_expired_or_replaced_code_is_refused(anon, caplog) -> None:  # type: ignore[no-untyped-def]
    old = _request_code(anon, "13900000055", caplog)
    new = _request_code(anon, "13900000055", caplog)
    if old != new:
        r = anon.post(url("shopper/otp/verify/"), {"phone": "13900000055", "code": old})
        assert r.status_code == 400
    OneTimeCode.objects.filter(phone="+8613900000055").update(
        expires_at=OneTimeCode.objects.get(used_at__isnull=True).created_at
        - dt.timedelta(seconds=1)
    )
    r = anon.post(url("shopper/otp/verify/"), {"phone": "13900000055", "code": new})
    assert (r.status_code, r.data["code"]) == (400, "invalid_code")


def test_code_requests_are_throttled_per_number(anon, caplog) -> None:  # type: ignore[no-untyped-def]
    codes = [
        anon.post(url("shopper/otp/request/"), {"phone": "13900000044"}).status_code
        for _ in range(6)
    ]
    assert codes == [202] * 5 + [429]
    assert anon.post(url("shopper/otp/verify/"), {"phone": "x", "code": "12"}).status_code == 400


def test_addresses_crud_and_isolation(sam, tess) -> None:  # type: ignore[no-untyped-def]
    r = sam.client.post(
        url("shopper/addresses/"),
        {
            "label": "公司",
            "address": "黄龙路1号",
            "latitude": "30.270000",
            "longitude": "120.130000",
        },
    )
    assert r.status_code == 201, r.data
    pk = r.data["id"]
    r = sam.client.patch(url(f"shopper/addresses/{pk}/"), {"label": "Office"})
    assert (r.status_code, r.data["label"], r.data["latitude"]) == (200, "Office", "30.270000")
    listed = sam.client.get(url("shopper/addresses/")).data
    assert {a["id"] for a in listed["results"]} == {pk, sam.address.pk}
    assert tess.client.get(url(f"shopper/addresses/{pk}/")).status_code == 404
    assert tess.client.patch(url(f"shopper/addresses/{pk}/"), {"label": "x"}).status_code == 404
    assert tess.client.delete(url(f"shopper/addresses/{pk}/")).status_code == 404
    bad = sam.client.post(
        url("shopper/addresses/"), {"address": "x", "latitude": "91", "longitude": "0"}
    )
    assert (bad.status_code, list(bad.data["fields"])) == (400, ["latitude"])
    assert sam.client.delete(url(f"shopper/addresses/{pk}/")).status_code == 204


def test_deleting_an_address_keeps_the_orders_copy(shop, stocked, sam) -> None:  # type: ignore[no-untyped-def]
    from tests.shoppers.helpers import place

    address = ShopperAddressFactory.create(
        shopper=sam.user, address="保留路9号", latitude=Decimal("30.28")
    )
    sam.address = address
    order = place(sam, shop, (stocked(price="30.00"), 1), fulfilment="delivery")
    sam.client.delete(url(f"shopper/addresses/{address.pk}/"))
    r = sam.client.get(url(f"shopper/orders/{order.pk}/"))
    assert r.data["delivery_address"] == "保留路9号"
