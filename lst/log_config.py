"""The LOGGING dict: plain lines for people in development, one JSON object per line for log
collectors in production. Every record carries the request id, task id and task name (see
`lst.request_context`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(task_id)s] %(message)s"
# Fields every JSON line has; extra fields a call passes (the access log's) are added to them.
JSON_FIELDS = (
    "%(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s %(task_name)s %(process)d"
)

# Attributes some loggers attach that must not become JSON fields: Django's `request` (its repr
# carries the query string, where tokens may be) and runserver's `server_time`.
NOT_LOGGED = ["request", "server_time"]


def default_format(environ: Mapping[str, str] = os.environ) -> str:
    """LOG_FORMAT, else JSON in production and plain lines elsewhere."""
    production = environ.get("DJANGO_ENV", "development") == "production"
    return environ.get("LOG_FORMAT") or ("json" if production else "plain")


def logging_dict(*, level: str, fmt: str) -> dict[str, Any]:
    if fmt not in {"plain", "json"}:
        raise ValueError(f"LOG_FORMAT must be 'plain' or 'json', not {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "lst.request_context.RequestContextFilter"}},
        "formatters": {
            "plain": {"format": PLAIN_FORMAT},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": JSON_FIELDS,
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",  # ISO 8601, UTC
                "reserved_attrs": [*RESERVED_ATTRS, *NOT_LOGGED],
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler would print its records a second time in DEBUG.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.db.backends": {"level": "WARNING"},
        },
    }


def gunicorn_logging_dict(*, level: str, fmt: str) -> dict[str, Any]:
    """The same lines for gunicorn's own messages (worker boots, timeouts); its access log stays
    off because Django writes one line per request."""
    config = logging_dict(level=level, fmt=fmt)
    config["loggers"].update(
        {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        }
    )
    return config
