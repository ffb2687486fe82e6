"""Settings come from the environment; production refuses to start half-configured."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.smoke


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_ENV",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_embedded_default_uses_sqlite_and_eager_celery() -> None:
    out = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG, "
        "s.TIME_ZONE, s.USE_TZ, [c for c, _ in s.LANGUAGES])",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[-2] == (
        "django.db.backends.sqlite3 True True Asia/Shanghai True ['zh-hans', 'en']"
    )


def test_database_and_broker_urls_switch_to_real_services() -> None:
    out = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)",
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        CELERY_BROKER_URL="redis://h:1/0",
    )
    assert out.stdout.split("\n")[-2] == "django.db.backends.postgresql False"


def test_production_refuses_to_start_without_secret_key_and_hosts() -> None:
    out = _manage("check", DJANGO_ENV="production")
    assert out.returncode != 0
    assert "SECRET_KEY, ALLOWED_HOSTS" in out.stderr


def test_production_settings_pass_the_deployment_checklist() -> None:
    out = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="lst.example.com",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_production_refuses_the_development_key() -> None:
    from lst.settings import DEV_SECRET_KEY

    out = _manage(
        "check", DJANGO_ENV="production", SECRET_KEY=DEV_SECRET_KEY, ALLOWED_HOSTS="lst.example.com"
    )
    assert out.returncode != 0
    assert "refuses the development SECRET_KEY" in out.stderr


def test_production_takes_every_secret_from_the_environment() -> None:
    key = secrets.token_urlsafe(50)
    out = _manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "from rest_framework_simplejwt.settings import api_settings as jwt; "
        "from rest_framework.settings import api_settings as drf; "
        "import os; k = os.environ['SECRET_KEY']; db = s.DATABASES['default']; "
        "print(s.SECRET_KEY == k, jwt.SIGNING_KEY == k, db['PASSWORD'], s.DEBUG, drf.NUM_PROXIES)",
        DJANGO_ENV="production",
        SECRET_KEY=key,
        ALLOWED_HOSTS="lst.example.com",
        DATABASE_URL="postgres://lst:from-the-env@db.example.com:5432/lst",
        NUM_PROXIES="1",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[-2] == "True True from-the-env False 1"
