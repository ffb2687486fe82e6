"""The one JSON reader for what clients send: API request bodies and the admin's JSON imports.

orjson parses the text (in Rust: no Python recursion, however deep the input; nesting past 1024
levels, NaN / Infinity, numbers beyond the double range, lone surrogates and invalid UTF-8 are
refused there). Then the document is checked before any serializer sees it:

- at most `MAX_DEPTH` levels of arrays and objects, so no later walk over it (validation,
  error flattening, hashing, rendering) can run out of Python's recursion limit;
- no key twice in one object: `{"quantity": 1, "quantity": 100}` means one thing to one parser
  and another to the next (a proxy, a log pipeline, the app), so it means nothing here.

Integers beyond 64 bits, which orjson would turn into floats, are read again with the standard
library (the depth check has passed by then), so a huge id is still the exact integer a
serializer field refuses by name, as before.

Every refusal is a `JSONDocumentError` (a ValueError): the API answers it 400 `parse_error`
(lst/api/parsers.py), the admin's import form shows it (lst/import_formats.py). No REST
framework here: the settings load the import formats.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from django.utils.translation import gettext as _

#: Levels of arrays and objects a document may nest (the API's deepest body, a POS upload, has 5).
MAX_DEPTH = 64

# Every string of a valid JSON text, and whether a colon follows it (then it is a key). Only
# run on text orjson accepted, so the scan stays aligned on string boundaries: outside strings
# a valid text has no quote.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"(?:[ \t\n\r]*(:))?')
# orjson reads an integer beyond 64 bits as a float; such a float is at least this large
# (in magnitude: -2**63 - 1 rounds to -2**63).
_INEXACT = 2.0**63


class JSONDocumentError(ValueError):
    """The text is not a JSON document the project accepts (the message says why)."""


def json_document_loads(raw: bytes | str) -> Any:
    """The JSON document in `raw` (UTF-8 bytes or text), or `JSONDocumentError`."""
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise JSONDocumentError(_("The text is not valid UTF-8.")) from exc
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if str(exc).startswith("depth limit exceeded"):
            raise _too_deep() from exc
        raise JSONDocumentError(
            _("Not valid JSON at line %(line)d, column %(column)d.")
            % {"line": exc.lineno, "column": exc.colno}
        ) from exc
    if isinstance(document, dict | list):
        keys, inexact = _inspect(document)
        if keys and _count_keys(raw) != keys:
            raise JSONDocumentError(_("An object has the same key twice."))
    else:
        inexact = type(document) is float and _beyond_64_bits(document)
    if inexact:
        # Depth already checked: the standard library's recursive reader is safe here.
        document = json.loads(raw)
    return document


def _inspect(document: dict[str, Any] | list[Any]) -> tuple[int, bool]:
    """(keys in all objects, whether a number may have lost its exactness); refuses nesting
    deeper than MAX_DEPTH. Iterative, so depth costs no Python recursion."""
    keys, inexact = 0, False
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep()
        if type(node) is dict:
            keys += len(node)
            children = node.values()
        else:
            children = node
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is float and _beyond_64_bits(child):
                inexact = True
    return keys, inexact


def _beyond_64_bits(number: float) -> bool:
    return number <= -_INEXACT or number >= _INEXACT


def _too_deep() -> JSONDocumentError:
    return JSONDocumentError(
        _("The document is nested deeper than %(depth)d levels.") % {"depth": MAX_DEPTH}
    )


def _count_keys(raw: bytes) -> int:
    return _STRING.findall(raw).count(b":")
