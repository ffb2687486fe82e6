"""Operations settings come from the environment: the log format, who may read /metrics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lst.log_config import default_format, logging_dict

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.smoke
PRINT = (
    "import json; from django.conf import settings as s; from django.test import Client; "
    "print(json.dumps([s.LOG_FORMAT, s.LOGGING['handlers']['console']['formatter'], "
    "s.METRICS_ALLOWED_NETWORKS, bool(s.METRICS_TOKEN), "
    "[Client().get(p, HTTP_HOST='localhost').status_code for p in ('/healthz', '/api/v1/me/')]]))"
)
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k" * 50,
    "ALLOWED_HOSTS": "lst.example,localhost",
}


def _settings(**env: str) -> subprocess.CompletedProcess[str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LOG_", "METRICS_", "PYTEST"))
        and k not in {"SECRET_KEY", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT],
        cwd=ROOT,
        env={**keep, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _values(**env: str) -> list:
    out = _settings(**env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_development_logs_plain_lines_and_trusts_loopback_for_metrics() -> None:
    assert _values() == ["plain", "plain", ["127.0.0.0/8", "::1/128"], False, [200, 401]]


def test_production_logs_json_trusts_no_network_and_lets_probes_use_http() -> None:
    # Plain HTTP: the API is redirected to HTTPS, the health check answers as it is.
    assert _values(**PRODUCTION) == ["json", "json", [], False, [200, 301]]


def test_log_format_can_be_chosen_either_way() -> None:
    assert default_format({}) == "plain"
    assert default_format({"DJANGO_ENV": "production"}) == "json"
    assert default_format({"LOG_FORMAT": "json"}) == "json"
    assert default_format({"DJANGO_ENV": "production", "LOG_FORMAT": "plain"}) == "plain"
    with pytest.raises(ValueError, match="LOG_FORMAT must be 'plain' or 'json'"):
        logging_dict(level="INFO", fmt="xml")


def test_a_network_that_is_not_one_stops_the_start() -> None:
    out = _settings(METRICS_ALLOWED_NETWORKS="10.0.0.0/8,10.0.0.0/33")
    assert out.returncode != 0
    assert "METRICS_ALLOWED_NETWORKS" in out.stderr


def test_sms_settings_are_checked_at_start() -> None:
    # Production never writes login codes to its logs; a webhook needs its address.
    out = _settings(**PRODUCTION, SMS_BACKEND="log")
    assert out.returncode != 0 and "SMS_BACKEND=log" in out.stderr
    out = _settings(SMS_BACKEND="webhook")
    assert out.returncode != 0 and "SMS_WEBHOOK_URL" in out.stderr
    out = _settings(SMS_BACKEND="pigeon")
    assert out.returncode != 0 and "SMS_BACKEND must be" in out.stderr
