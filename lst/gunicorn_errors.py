"""gunicorn's own error answers in the API's error shape.

gunicorn refuses some requests before Django sees them: a request line over
`limit_request_line` (414), too many or too large headers (431), a malformed request line,
method, header or chunk (400), an unsupported transfer coding (501). Its built-in answer is an
HTML page. `install()` (called by lst/gunicorn.conf.py) makes those answers
`{"code", "message", "fields"}` JSON like every other API error. The URL of such a request is
often unknown (it could not be parsed), so every answer of this kind is JSON, the admin's
included; a browser never sends such requests.

No Django here: gunicorn's master loads this before any app is set up.
"""

from __future__ import annotations

import json
import socket
from typing import Any

from gunicorn import util

#: HTTP status -> the stable error code clients match on.
CODES = {
    400: "bad_request",
    403: "permission_denied",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "request_header_fields_too_large",
    500: "server_error",
    501: "not_implemented",
}

#: gunicorn's message names its parser's internals for some errors; these say what to fix.
MESSAGES = {
    414: "The request line (method, path and query string) is too long.",
    431: "Too many request headers, or a header is too long.",
    500: "A server error occurred.",
}


def error_answer(status_int: int, reason: str, mesg: str) -> bytes:
    """The whole HTTP/1.1 answer: status line, headers and the JSON body."""
    code = CODES.get(status_int, "bad_request" if 400 <= status_int < 500 else "server_error")
    message = MESSAGES.get(status_int) or (mesg.strip() or reason)
    body = json.dumps({"code": code, "message": message, "fields": {}}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode("latin1") + body


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for `gunicorn.util.write_error` (same arguments)."""
    util.write_nonblock(sock, error_answer(status_int, reason, mesg))


def install(module: Any = util) -> None:
    """gunicorn's workers call `util.write_error` for these answers: point it at the JSON one."""
    module.write_error = write_json_error
