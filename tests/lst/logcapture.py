"""The project's own LOGGING, writing into a buffer, so tests read the lines production writes."""

from __future__ import annotations

import copy
import io
import json
import logging.config
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings


@contextmanager
def project_logs(fmt: str = "json", level: str = "INFO") -> Iterator[io.StringIO]:
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = fmt
    config["handlers"]["console"]["stream"] = buffer = io.StringIO()
    config["root"]["level"] = level
    logging.config.dictConfig(config)
    try:
        yield buffer
    finally:
        logging.config.dictConfig(settings.LOGGING)


def json_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    """Every line parsed; a line that is not one JSON object fails the test."""
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
