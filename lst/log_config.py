"""The LOGGING dict: plain lines for people in development, one JSON object per line for log
collectors in production. Every record carries the request id, task id and task name (see
`lst.request_context`)."""

from __future__ import annotations

from typing import Any

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(task_id)s] %(message)s"
# Fields every JSON line has; extra fields a call passes (the access log's) are added to them.
JSON_FIELDS = (
    "%(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s %(task_name)s %(process)d"
)


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
