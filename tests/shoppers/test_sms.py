"""Login codes leave by text message: through a real HTTP gateway (the webhook backend), and a
gateway that fails or is missing answers 503 `sms_unavailable` and changes nothing."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from tests.api.conftest import url
from tests.sms_gateway import Gateway

PHONE = "13900000033"


@pytest.fixture
def gateway(settings) -> Iterator[Gateway]:  # type: ignore[no-untyped-def]
    gw = Gateway()
    settings.SMS_BACKEND = "webhook"
    settings.SMS_WEBHOOK_URL = gw.url
    settings.SMS_WEBHOOK_TOKEN = "gw-token"
    settings.SMS_TIMEOUT_SECONDS = 2.0
    yield gw
    gw.close()


def _request(anon, language: str = "en"):  # type: ignore[no-untyped-def]
    return anon.post(url("shopper/otp/request/"), {"phone": PHONE}, HTTP_ACCEPT_LANGUAGE=language)


def _verify(anon, code: str):  # type: ignore[no-untyped-def]
    return anon.post(url("shopper/otp/verify/"), {"phone": PHONE, "code": code})


def test_the_code_goes_to_the_gateway_and_logs_in(db, anon, gateway, caplog) -> None:  # type: ignore[no-untyped-def]
    r = _request(anon)
    assert r.status_code == 202
    headers, body = gateway.received[-1]
    assert headers["Authorization"] == "Bearer gw-token"
    assert body["to"] == "+86" + PHONE and body["purpose"] == "login_code"  # E.164
    assert re.fullmatch(r"Your LST login code is \d{6}, valid for 5 minutes\.", body["text"])
    code = gateway.last_code()
    assert code not in caplog.text  # the code is not in any log line
    assert _verify(anon, code).status_code == 200
    # The shopper's language: the text is in Chinese for zh-hans.
    assert _request(anon, "zh-hans").status_code == 202
    assert "验证码" in gateway.received[-1][1]["text"]


@pytest.mark.parametrize("failure", ["answers 500", "unreachable", "off"])
def test_a_failed_text_is_503_and_the_previous_code_stays_live(  # type: ignore[no-untyped-def]
    db, anon, gateway, settings, failure
) -> None:
    assert _request(anon).status_code == 202
    first = gateway.last_code()
    if failure == "answers 500":
        gateway.status = 500
    elif failure == "unreachable":
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            settings.SMS_WEBHOOK_URL = f"http://127.0.0.1:{s.getsockname()[1]}/sms"
    else:
        settings.SMS_BACKEND = "off"
    r = _request(anon)
    assert r.status_code == 503
    assert r.json()["code"] == "sms_unavailable" and "password" in r.json()["message"]
    assert r.headers["Retry-After"]
    # Nothing changed: the code the shopper already has still logs in.
    assert _verify(anon, first).status_code == 200
