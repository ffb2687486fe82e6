"""Text messages (today: shoppers' login codes), through the backend named by SMS_BACKEND.

- ``log``: the message is written to the log at INFO. The development default; refused in
  production, where codes must never reach the logs.
- ``webhook``: POST ``{"to", "text", "purpose"}`` as JSON to SMS_WEBHOOK_URL with
  ``Authorization: Bearer <SMS_WEBHOOK_TOKEN>``; any 2xx answer means sent. Provider-neutral: point
  it at the adapter or notification service in front of the SMS provider.
- ``off``: nothing can be sent; the production default until a gateway is configured. Features
  that need a text (login by code) answer 503 ``sms_unavailable`` and say what else to do.

Sending is synchronous, bounded by SMS_TIMEOUT_SECONDS: the message holds a secret, so it never
travels through the task broker, and the client learns at once when it could not be sent.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The message was not sent (no gateway configured, or the gateway failed)."""


def sms_send(*, to: str, text: str, purpose: str) -> None:
    """Send ``text`` to the phone number ``to``; raises SmsError when it was not sent."""
    backend = settings.SMS_BACKEND
    if backend == "log":
        logger.info("text message (%s) to %s: %s", purpose, to, text)
        return
    if backend == "webhook":
        _webhook(to=to, text=text, purpose=purpose)
        return
    raise SmsError("no SMS gateway is configured (SMS_BACKEND=off)")


def _webhook(*, to: str, text: str, purpose: str) -> None:
    body = json.dumps({"to": to, "text": text, "purpose": purpose}).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting (http/https)
        settings.SMS_WEBHOOK_URL,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.SMS_WEBHOOK_TOKEN}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT_SECONDS) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:  # refused, unreachable, timed out, bad URL
        logger.warning(
            "SMS gateway unreachable (%s) for a %s message", exc.__class__.__name__, purpose
        )
        raise SmsError(f"SMS gateway unreachable: {exc.__class__.__name__}") from exc
    if not 200 <= status < 300:
        logger.warning("SMS gateway answered %s for a %s message", status, purpose)
        raise SmsError(f"SMS gateway answered {status}")
