"""Fault drill: the Redis that holds the cache and the broker is killed, then comes back empty.

The API under gunicorn with CACHE_URL and CELERY_BROKER_URL on a private redis-server. While it
is down: signed-in requests keep working from the database (the cache misses, the general
throttles let them through), the password and code logins answer 503 with Retry-After (their
brute-force limits cannot count), /readyz names the cache and the broker, /healthz stays up and
nothing answers 500. When Redis is back on the same port, everything recovers without a restart
and the login limit counts again.
"""

from __future__ import annotations

import shutil

import pytest

from stores.models import StoreMembership
from tests.integration.support import RedisServer, http, wait_for
from tests.stores.factories import MembershipFactory, StoreFactory, UserFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server"),
]

PASSWORD = "drill-pass-word-1"


@pytest.fixture
def broker_url(private_redis: RedisServer) -> str:
    return private_redis.url


def _login(api: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return http(
        f"{api}/api/v1/auth/token/",
        method="POST",
        data={"login": "drill-owner", "password": password},
    )


def test_redis_killed_and_restarted_under_the_cache_and_the_broker(
    private_redis: RedisServer, start_api
) -> None:  # type: ignore[no-untyped-def]
    owner = UserFactory.create(username="drill-owner", password=PASSWORD)
    store = StoreFactory.create()
    MembershipFactory.create(user=owner, store=store, role=StoreMembership.Role.OWNER)
    cache_url = private_redis.url.rsplit("/", 1)[0] + "/1"  # the broker keeps db 0
    api = start_api(CACHE_URL=cache_url, THROTTLE_LOGIN="5/min")

    login = _login(api)
    assert login.status == 200, login.body
    token = login.json()["access"]
    stock = f"{api}/api/v1/stores/{store.pk}/stock/"
    assert http(stock, token=token).status == 200
    ready = http(f"{api}/readyz")
    assert ready.status == 200 and ready.json()["checks"]["cache"] == "ok", ready.body

    private_redis.stop()
    for _ in range(3):
        assert http(stock, token=token).status == 200
        refused = _login(api)
        assert refused.status == 503, refused.body
        assert refused.json()["code"] == "service_unavailable"
        assert refused.headers["Retry-After"] == "5"
    code = http(f"{api}/api/v1/shopper/otp/request/", method="POST", data={"phone": "13900000777"})
    assert code.status == 503 and code.json()["code"] == "service_unavailable"
    ready = http(f"{api}/readyz")
    assert ready.status == 503
    checks = ready.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["cache"].startswith("error") and checks["broker"].startswith("error")
    assert http(f"{api}/healthz").status == 200

    private_redis.start()  # same port, empty
    wait_for("/readyz after Redis came back", lambda: http(f"{api}/readyz").status == 200, 60)
    assert _login(api).status == 200
    assert http(stock, token=token).status == 200
    # The login limit counts again (THROTTLE_LOGIN=5/min for this server; one login above).
    answers = [_login(api, "wrong").status for _ in range(5)]
    assert answers == [401] * 4 + [429]
