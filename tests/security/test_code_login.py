"""The shoppers' one-time text code never opens an account with a store, warehouse or staff role
(issue 21, item 1), and one number is one account whatever way it is typed."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from lst.models import User
from shoppers.models import OneTimeCode, ShopperProfile
from stores.models import StoreMembership
from tests.replenishment.factories import WarehouseAccountFactory
from tests.stores.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _request(anon: APIClient, phone: str, caplog: Any) -> tuple[int, list[str]]:
    """Ask for a code; returns the status and the codes texted (the `log` SMS backend)."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="lst.sms"):
        r = anon.post("/api/v1/shopper/otp/request/", {"phone": phone})
    return r.status_code, re.findall(r"\(login_code\) to \S+: \D*(\d{6})", caplog.text)


def _verify(anon: APIClient, phone: str, code: str) -> Any:
    return anon.post("/api/v1/shopper/otp/verify/", {"phone": phone, "code": code})


def test_an_owners_number_gets_no_code_and_no_code_opens_the_store(
    anon: APIClient, alice: Any, caplog: Any
) -> None:
    """The attack of the issue: a code for Alice's number, then PATCH her store."""
    status, codes = _request(anon, alice.user.phone, caplog)
    assert (status, codes) == (202, [])  # the same answer as for any number, but no text
    assert not OneTimeCode.objects.exists()
    for guess in ("000000", "123456"):
        r = _verify(anon, alice.user.phone, guess)
        assert (r.status_code, r.data["code"]) == (400, "invalid_code")
    assert not ShopperProfile.objects.filter(user=alice.user).exists()


def test_a_warehouse_accounts_number_gets_no_code(anon: APIClient, caplog: Any) -> None:
    account = WarehouseAccountFactory.create()
    status, codes = _request(anon, account.user.phone, caplog)
    assert (status, codes) == (202, [])
    assert _verify(anon, account.user.phone, "000000").status_code == 400
    assert not ShopperProfile.objects.filter(user=account.user).exists()


@pytest.mark.parametrize("role", ["clerk", "staff", "superuser", "field agent"])
def test_no_code_for_clerks_staff_and_field_agents(
    anon: APIClient, alice: Any, caplog: Any, role: str
) -> None:
    user = UserFactory.create(phone="13700000123")
    if role == "clerk":
        MembershipFactory.create(user=user, store=alice.store, role=StoreMembership.Role.CLERK)
    elif role == "staff":
        User.objects.filter(pk=user.pk).update(is_staff=True)
    elif role == "superuser":
        User.objects.filter(pk=user.pk).update(is_superuser=True)
    else:
        alice.store.territory.field_agents.add(user)
    assert _request(anon, "+86 137 0000 0123", caplog) == (202, [])


def test_a_code_issued_before_the_account_became_an_owner_is_refused(
    anon: APIClient, alice: Any, caplog: Any
) -> None:
    """A shopper's code, then a field agent makes the shopper a store owner: the code is dead."""
    shopper = UserFactory.create(phone="13700000124")
    ShopperProfile.objects.create(user=shopper)
    status, codes = _request(anon, shopper.phone, caplog)
    assert status == 202 and len(codes) == 1
    MembershipFactory.create(user=shopper, store=alice.store, role=StoreMembership.Role.OWNER)
    r = _verify(anon, shopper.phone, codes[0])
    assert (r.status_code, r.data["code"]) == (400, "invalid_code")


def test_a_code_session_cannot_be_refreshed_once_the_account_has_a_role(
    anon: APIClient, alice: Any, caplog: Any
) -> None:
    _, codes = _request(anon, "13700000125", caplog)
    login = _verify(anon, "13700000125", codes[0])
    assert login.status_code == 200 and login.data["created"]
    shopper = User.objects.get(pk=login.data["user_id"])
    # A plain shopper refreshes as usual (the claim survives rotation).
    r = anon.post("/api/v1/auth/token/refresh/", {"refresh": login.data["refresh"]})
    assert r.status_code == 200, r.data
    MembershipFactory.create(user=shopper, store=alice.store, role=StoreMembership.Role.OWNER)
    refused = anon.post(
        "/api/v1/auth/token/refresh/", {"refresh": r.data["refresh"]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (refused.status_code, refused.data["code"]) == (401, "authentication_failed")
    assert "password" in refused.data["message"]
    # The password login is unaffected: a token from it opens the store.
    shopper.set_password("pass-word-123")
    shopper.save()
    pw = anon.post("/api/v1/auth/token/", {"login": shopper.phone, "password": "pass-word-123"})
    assert pw.status_code == 200
    store = f"/api/v1/stores/{alice.store.pk}/"
    assert _bearer(pw.data["access"]).get(store).status_code == 200


def test_a_shopper_code_token_does_not_open_a_store(
    anon: APIClient, alice: Any, caplog: Any
) -> None:
    _, codes = _request(anon, "13700000126", caplog)
    login = _verify(anon, "13700000126", codes[0])
    client = _bearer(login.data["access"])
    assert client.get("/api/v1/shopper/orders/").status_code == 200
    assert client.patch(f"/api/v1/stores/{alice.store.pk}/", {"name": "x"}).status_code == 404
    assert client.get("/api/v1/warehouse/orders/").status_code == 403


LAYOUTS = [
    "13900000321",
    "+86 139 0000 0321",
    "0086-139-0000-0321",
    "(139) 0000 0321",
    "１３９０００００３２１",  # full-width digits
    "١٣٩٠٠٠٠٠٣٢١",  # Arabic-Indic digits
]


def test_one_number_is_one_account_whatever_its_layout(anon: APIClient, monkeypatch: Any) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login", "100/min")
    first = anon.post("/api/v1/shopper/signup/", {"phone": LAYOUTS[0], "password": "pass-word-123"})
    assert (first.status_code, first.data["phone"]) == (201, "+8613900000321")
    for layout in LAYOUTS[1:]:
        again = anon.post("/api/v1/shopper/signup/", {"phone": layout, "password": "pass-word-9"})
        assert (again.status_code, again.data["code"]) == (400, "phone_taken"), layout
        login = anon.post("/api/v1/auth/token/", {"login": layout, "password": "pass-word-123"})
        assert login.status_code == 200, layout
    assert User.objects.filter(phone__contains="13900000321").count() == 1


def test_a_legacy_account_stored_as_bare_digits_is_found_by_code(
    anon: APIClient, caplog: Any
) -> None:
    """Accounts made before normalisation hold the digits as typed: still one account."""
    legacy = UserFactory.create(phone="13900000322")
    ShopperProfile.objects.create(user=legacy)
    _, codes = _request(anon, "+86 139 0000 0322", caplog)
    login = _verify(anon, "+8613900000322", codes[0])
    assert (login.status_code, login.data["user_id"], login.data["created"]) == (
        200,
        legacy.pk,
        False,
    )


def test_code_requests_share_one_bucket_per_number(
    anon: APIClient, caplog: Any, monkeypatch: Any
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "otp", "5/min")
    answers = [_request(anon, layout, caplog)[0] for layout in LAYOUTS]
    assert answers == [202] * 5 + [429]  # per number: the sixth layout is refused


def test_password_guesses_share_one_bucket_per_number(anon: APIClient, monkeypatch: Any) -> None:
    UserFactory.create(phone="13900000323")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login", "5/min")
    layouts = [layout.replace("321", "323").replace("３２１", "３２３") for layout in LAYOUTS]
    layouts[-1] = "١٣٩٠٠٠٠٠٣٢٣"
    answers = []
    for i, layout in enumerate(layouts):
        # A fresh address each time: only the per-name bucket can stop the sixth.
        r = anon.post(
            "/api/v1/auth/token/",
            {"login": layout, "password": "wrong"},
            REMOTE_ADDR=f"198.51.100.{i + 1}",
        )
        answers.append(r.status_code)
    assert answers == [401] * 5 + [429]


@pytest.mark.parametrize(
    "phone", ["+1 202 555 0143", "+44 7911 123456", "+86 10 6552 9988", "12345", "abc"]
)
def test_foreign_landline_and_junk_numbers_are_refused(anon: APIClient, phone: str) -> None:
    """Only mobile numbers of PHONE_REGIONS (CN): no codes texted abroad or to landlines."""
    r = anon.post("/api/v1/shopper/otp/request/", {"phone": phone})
    assert (r.status_code, list(r.data["fields"])) == (400, ["phone"])
    assert not OneTimeCode.objects.exists()


def test_other_regions_can_be_configured(anon: APIClient, settings: Any, caplog: Any) -> None:
    settings.PHONE_REGIONS = ["CN", "HK"]
    status, codes = _request(anon, "+852 5123 4567", caplog)
    assert status == 202 and len(codes) == 1
    assert OneTimeCode.objects.get().phone == "+85251234567"
