"""The API's JSON renderer: REST framework's output, written by orjson.

The bytes are REST framework's `JSONRenderer` bytes: compact separators, UTF-8 (no `\\u`
escapes), keys in insertion order, U+2028 / U+2029 escaped. Whatever orjson would write
differently goes through REST framework's own encoder rules (`rest_framework.utils.encoders`):
datetimes (`+00:00` as `Z`), dates and times, timedeltas, Decimals (strings come from the
serializers' DecimalFields, as before; a bare Decimal is a number, as before), lazy translation
strings, UUIDs, bytes, querysets. What orjson cannot write at all (keys that are not strings,
integers beyond 64 bits, nesting past 254 levels, an `indent` asked for in the Accept header)
is rendered by REST framework's renderer itself, so nothing renders differently or fails
where it did not before.

Two differences remain, both in numbers only: a float with an exponent may be written in
another notation of the same value (`0.00001` for `1e-05`), and a NaN or infinite float, which
REST framework refuses with a server error, is written as `null`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_LINE_SEPARATOR, _PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()
_encoder = JSONEncoder()


def _default(obj: Any) -> Any:
    # orjson would write aware datetimes with +00:00 and time zones on times; REST framework
    # writes Z and refuses aware times. Its encoder decides, for these and everything else.
    return _encoder.default(obj)


def render_json(data: Any) -> bytes:
    """`data` as REST framework's JSONRenderer writes it (compact, UTF-8)."""
    try:
        out = orjson.dumps(data, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return renderers.JSONRenderer().render(data)
    if _LINE_SEPARATOR in out or _PARAGRAPH_SEPARATOR in out:
        out = out.replace(_LINE_SEPARATOR, b"\\u2028").replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
    return out


class JSONRenderer(renderers.JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if indent is not None or self.ensure_ascii or not self.compact:
            return super().render(data, accepted_media_type, renderer_context)
        return render_json(data)
