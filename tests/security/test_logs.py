"""Nothing secret reaches the logs in production: not a password (right or wrong), not a token
(issued, refreshed or sent back in Authorization), not a one-time code."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rest_framework.test import APIClient

from shoppers import services as shopper_services
from tests.sms_gateway import Gateway

from .world import World

PASSWORD = "pass-word-123"  # tests/stores/factories.UserFactory's
WRONG = "Wr0ng-guess-XYZ"
SHOPPER_PASSWORD = "Sh0pper-pass-QRS"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
        # Structured handlers may log `extra` fields (a request's path, query, headers...).
        extras = [
            repr(v) for k, v in vars(record).items() if isinstance(v, str | dict | list | tuple)
        ]
        self.lines.append(" ".join([text, *extras]))


@contextmanager
def every_log_line() -> Iterator[list[str]]:
    """Everything any logger emits at DEBUG and above, also loggers that do not propagate."""
    collect = _Collect()
    loggers = [logging.getLogger()] + [
        lg
        for lg in logging.root.manager.loggerDict.values()
        if isinstance(lg, logging.Logger) and not lg.propagate
    ]
    root_level = logging.getLogger().level
    for lg in loggers:
        lg.addHandler(collect)
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        yield collect.lines
    finally:
        logging.getLogger().setLevel(root_level)
        for lg in loggers:
            lg.removeHandler(collect)


def _session(world: World, monkeypatch: Any) -> list[str]:
    """Log in (right and wrong), use and refresh the tokens, ask for and use a one-time code.
    Returns the secrets that went over the wire."""
    issued: list[str] = []
    real = shopper_services.otp_request

    def spy(**kwargs: Any) -> Any:
        row, code = real(**kwargs)
        if code is not None:  # None: no code for a store or staff account
            issued.append(code)
        return row, code

    monkeypatch.setattr(shopper_services, "otp_request", spy)
    anon = APIClient()
    login = anon.post(
        "/api/v1/auth/token/", {"login": "alice", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 200
    access, refresh = login.json()["access"], login.json()["refresh"]
    assert (
        anon.post(
            "/api/v1/auth/token/", {"login": "alice", "password": WRONG}, format="json"
        ).status_code
        == 401
    )
    me = anon.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert me.status_code == 200
    stale = anon.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}x")
    assert stale.status_code == 401
    new = anon.post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json").json()
    assert (
        anon.post(
            "/api/v1/shopper/otp/request/", {"phone": "13900000077"}, format="json"
        ).status_code
        == 202
    )
    assert (
        anon.post(
            "/api/v1/shopper/otp/verify/",
            {"phone": "13900000077", "code": "000000" if issued[0] != "000000" else "111111"},
            format="json",
        ).status_code
        == 400
    )
    verified = anon.post(
        "/api/v1/shopper/otp/verify/", {"phone": "13900000077", "code": issued[0]}, format="json"
    )
    assert verified.status_code == 200
    signup = anon.post(
        "/api/v1/shopper/signup/",
        {"phone": "13900000078", "password": SHOPPER_PASSWORD},
        format="json",
    )
    assert signup.status_code == 201
    return [
        PASSWORD,
        WRONG,
        SHOPPER_PASSWORD,
        access,
        refresh,
        new["access"],
        new["refresh"],
        verified.json()["access"],
        signup.json()["refresh"],
        issued[0],
    ]


def _found(secret: str, lines: list[str]) -> list[str]:
    # Whole tokens only: a six-digit code may sit inside a longer number by chance.
    pattern = re.compile(rf"(?<![\w-]){re.escape(secret)}(?![\w-])")
    return [line for line in lines if pattern.search(line)]


def test_production_logs_no_password_token_or_code(
    db: Any, world: World, settings: Any, monkeypatch: Any
) -> None:
    settings.PRODUCTION, settings.DEBUG = True, False
    # Production sends codes through a gateway (it refuses to start with SMS_BACKEND=log).
    gateway = Gateway()
    settings.SMS_BACKEND, settings.SMS_WEBHOOK_URL = "webhook", gateway.url
    try:
        with every_log_line() as lines:
            secrets = _session(world, monkeypatch)
    finally:
        gateway.close()
    assert gateway.last_code() == secrets[-1], "the code went out by text message"
    assert lines, "the session logs something (401s at least): the capture works"
    leaks = {s[:12]: _found(s, lines) for s in secrets if _found(s, lines)}
    assert not leaks, leaks


def test_development_logs_the_code_and_nothing_else(
    db: Any, world: World, settings: Any, monkeypatch: Any
) -> None:
    """Development's SMS backend (`log`) writes the text message, code included, to the log
    (docs/api.md). This is also the control that the capture sees the code when it is there."""
    settings.PRODUCTION = False
    with every_log_line() as lines:
        secrets = _session(world, monkeypatch)
    code = secrets[-1]
    assert _found(code, lines), "the development log carries the code"
    leaks = {s[:12]: _found(s, lines) for s in secrets[:-1] if _found(s, lines)}
    assert not leaks, leaks
