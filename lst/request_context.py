"""The request and task a log line belongs to.

A request id comes in on `X-Request-ID` (or is made up), is put in a context variable for the
duration of the request, travels to Celery tasks queued from it as a message header, and a
`logging.Filter` on the handlers copies it, with the running task's id and name, onto every
record — so one grep finds a request's own lines and those of the tasks it started.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
#: Celery message header that carries the request id to the tasks a request queued.
TASK_HEADER = "lst_request_id"

# Short and printable only: it goes into log lines and a response header as given.
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id_var: ContextVar[str | None] = ContextVar("lst_request_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("lst_task_id", default=None)
task_name_var: ContextVar[str | None] = ContextVar("lst_task_name", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(raw: str | None) -> str | None:
    """The incoming id if it is short and made of safe characters, else None (make a new one)."""
    if raw and _VALID.fullmatch(raw):
        return raw
    return None


def current_request_id() -> str | None:
    return request_id_var.get()


class RequestContextFilter(logging.Filter):
    """Puts `request_id`, `task_id` and `task_name` on every record ("-" when there is none).

    Attach it to handlers, not loggers: a handler's filters see the records of every logger
    that propagates to it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        record.task_id = task_id_var.get() or "-"
        record.task_name = task_name_var.get() or "-"
        return True
