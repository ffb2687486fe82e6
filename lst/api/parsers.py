"""REST framework's JSON parser on the project's one JSON reader (lst/json_documents.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from lst.api.renderers import JSONRenderer
from lst.json_documents import MAX_DEPTH, JSONDocumentError, json_document_loads

__all__ = ["MAX_DEPTH", "JSONDocumentError", "JSONParser", "json_document_loads"]


class JSONParser(parsers.JSONParser):
    """REST framework's JSON parser on `json_document_loads`. It stays a subclass of REST
    framework's own, so the request body is still read through `HttpRequest.body`, which
    enforces the size cap (DATA_UPLOAD_MAX_MEMORY_SIZE: 413 `payload_too_large`)."""

    renderer_class = JSONRenderer

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        # REST framework's own check (text codecs only); the stubs do not know it yet.
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        raw = stream.read()
        try:
            if encoding.lower().replace("-", "").replace("_", "") != "utf8":
                raw = raw.decode(encoding)
            return json_document_loads(raw)
        except UnicodeDecodeError as exc:
            raise ParseError(
                _("The body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from exc
        except JSONDocumentError as exc:
            raise ParseError(_("JSON parse error - %(reason)s") % {"reason": exc}) from exc
