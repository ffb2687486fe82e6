"""The API's JSON reader (lst/api/parsers.py) and writer (lst/api/renderers.py).

The reader refuses what would hurt later (nesting, duplicate keys, NaN, lone surrogates) with
400 `parse_error` and reads what it accepts exactly as the standard library does; the writer
writes the bytes REST framework's renderer writes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer as RestFrameworkRenderer

from lst.api.parsers import MAX_DEPTH, JSONDocumentError, json_document_loads
from lst.api.renderers import JSONRenderer
from tests.api.conftest import url


@pytest.fixture(autouse=True)
def _english() -> Any:
    """The messages are checked in English (the catalogue translates them too)."""
    with translation.override("en"):
        yield


def nested(depth: int, leaf: str = "1") -> bytes:
    return ("[" * depth + leaf + "]" * depth).encode()


# --- the reader -------------------------------------------------------------------------------


def test_nesting_up_to_the_limit_is_read_and_one_level_more_is_refused() -> None:
    value = json_document_loads(nested(MAX_DEPTH))
    for _ in range(MAX_DEPTH):
        value = value[0]
    assert value == 1
    with pytest.raises(JSONDocumentError, match=f"deeper than {MAX_DEPTH}"):
        json_document_loads(nested(MAX_DEPTH + 1))
    deep_object = b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1)
    with pytest.raises(JSONDocumentError, match=f"deeper than {MAX_DEPTH}"):
        json_document_loads(deep_object)


def test_nesting_far_beyond_python_recursion_is_refused_with_the_same_message() -> None:
    with pytest.raises(JSONDocumentError, match=f"deeper than {MAX_DEPTH}"):
        json_document_loads(nested(100_000))


@pytest.mark.parametrize(
    "text",
    [
        b'{"quantity": 1, "quantity": 100}',
        b'{"lines": [{"product": 1, "product": 2}]}',
        b'[{"a": 1}, {"b": {"c": "x", "c": "y"}}]',
        b'{"a": 1, "\\u0061": 2}',  # the same key, spelled with an escape
    ],
)
def test_a_key_twice_in_one_object_is_refused(text: bytes) -> None:
    with pytest.raises(JSONDocumentError, match="same key twice"):
        json_document_loads(text)


def test_keys_and_colons_inside_strings_are_not_keys() -> None:
    text = b'{"a": "x\\": 1, \\"a\\":", "b": [":", "\\\\", {"a": "::"}], "c": {"a": 1}}'
    assert json_document_loads(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [b"[NaN]", b'{"x": Infinity}', b"[-Infinity]", b"[1e999]", b"[" + b"1" * 5000 + b"]"],
)
def test_non_finite_and_out_of_range_numbers_are_refused(text: bytes) -> None:
    with pytest.raises(JSONDocumentError):
        json_document_loads(text)


@pytest.mark.parametrize("text", [b'["\\ud800"]', b'{"\\udc00": 1}', b'["\xed\xa0\x80"]'])
def test_lone_surrogates_are_refused(text: bytes) -> None:
    with pytest.raises(JSONDocumentError):
        json_document_loads(text)


def test_integers_beyond_64_bits_stay_exact() -> None:
    huge = 2**64 + 1
    assert json_document_loads(f'{{"id": {huge}, "n": [-{huge}, 1.5]}}'.encode()) == {
        "id": huge,
        "n": [-huge, 1.5],
    }
    assert type(json_document_loads(b"[18446744073709551617]")[0]) is int
    assert json_document_loads(b"[-9223372036854775809]") == [-(2**63) - 1]
    assert json_document_loads(b"-18015369785282265088") == -18015369785282265088  # top level


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_what_is_accepted_reads_as_the_standard_library_reads_it(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    try:
        expected = json.loads(text)
    except ValueError:
        return
    try:
        got = json_document_loads(text)
    except JSONDocumentError:
        # Only for text with a lone surrogate (json.dumps writes whatever str holds).
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in text.decode("utf-8", "surrogatepass"))
        return
    assert got == expected
    assert json.dumps(got) == json.dumps(expected)  # same types too (1 vs 1.0)


# --- through the API --------------------------------------------------------------------------


def _post(client: Any, path: str, body: bytes, content_type: str = "application/json") -> Any:
    return client.generic("POST", path, body, content_type=content_type, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("body", "says"),
    [
        (nested(100_000), "deeper than"),
        (b'{"name": "A", "name": "B"}', "same key twice"),
        (b'{"name": NaN}', "JSON parse error"),
        (b'{"name": "\\ud800"}', "JSON parse error"),
        (b'{"name": ', "JSON parse error"),
    ],
)
def test_a_refused_body_is_400_parse_error_and_writes_nothing(alice, body, says) -> None:  # type: ignore[no-untyped-def]
    before = alice.store.fixtures.count()
    r = _post(alice.client, url(f"stores/{alice.store.pk}/fixtures/"), body)
    assert r.status_code == 400, r.content[:300]
    assert r.json()["code"] == "parse_error" and says in r.json()["message"]
    assert r.json()["fields"] == {}
    assert alice.store.fixtures.count() == before


def test_a_body_in_another_charset_is_read(alice) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"name": "新货架", "width_cm": 90}, ensure_ascii=False).encode("utf-16")
    r = _post(
        alice.client,
        url(f"stores/{alice.store.pk}/fixtures/"),
        body,
        "application/json; charset=utf-16",
    )
    assert r.status_code == 201, r.content
    assert r.json()["name"] == "新货架"


def test_login_with_a_deep_body_is_400_from_the_login_name_throttle(db) -> None:  # type: ignore[no-untyped-def]
    """The login-name throttle reads the body before the view: its parse error is the 400."""
    from rest_framework.test import APIClient

    r = _post(APIClient(), url("auth/token/"), nested(100_000))
    assert r.status_code == 400 and r.json()["code"] == "parse_error"


def test_a_get_with_a_body_is_400(alice) -> None:  # type: ignore[no-untyped-def]
    path = url(f"stores/{alice.store.pk}/fixtures/")
    r = alice.client.generic("GET", path, b"{}", content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"code": "parse_error", "message": r.json()["message"], "fields": {}}
    assert alice.client.get(path).status_code == 200  # without one, the same read answers


def test_the_body_size_cap_still_holds(alice, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "x" * 2000, "width_cm": 90}).encode()
    r = _post(alice.client, url(f"stores/{alice.store.pk}/fixtures/"), body)
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


# --- the writer -------------------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "data",
    [
        {"total": "12.50", "price": Decimal("3.10"), "n": 3, "ok": True, "none": None},
        {"at": dt.datetime(2026, 11, 11, 8, 30, 0, 123456, tzinfo=dt.UTC)},
        {"at": dt.datetime(2026, 1, 11, 8, 30, tzinfo=LONDON)},  # +00:00 but not UTC
        {"at": dt.datetime(2026, 11, 11, 8, 30, tzinfo=SHANGHAI), "day": dt.date(2026, 2, 1)},
        {"naive": dt.datetime(2026, 11, 11, 8, 30), "t": dt.time(9, 15, 1)},
        {"span": dt.timedelta(hours=1, microseconds=5)},
        {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
        {"msg": gettext_lazy("Not found."), "list": (1, 2, [3])},
        {"text": '行\u2028分\u2029段 "quoted" \\ \x00 \x1f é 😀'},
        {1: "int key", None: "none key", 2.5: "float key"},
        {"big": 2**70, "neg": -(2**64)},
        {"floats": [0.1, 1.5, -0.0, 123456.789, 1e15]},
        [],
        "plain",
    ],
)
def test_the_writer_writes_rest_frameworks_bytes(data: Any) -> None:
    assert JSONRenderer().render(data) == RestFrameworkRenderer().render(data)


def test_an_indent_asked_for_is_honoured() -> None:
    data = {"a": [1, 2]}
    expected = RestFrameworkRenderer().render(data, "application/json; indent=2")
    assert JSONRenderer().render(data, "application/json; indent=2") == expected
    assert b"\n  " in expected


def test_what_rest_framework_refuses_is_still_refused() -> None:
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": object()})
    with pytest.raises(ValueError):
        JSONRenderer().render({"t": dt.time(9, 0, tzinfo=dt.UTC)})


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_the_writer_matches_rest_framework_on_json_values(value: Any) -> None:
    try:
        expected = RestFrameworkRenderer().render(value)
    except UnicodeEncodeError:
        return  # a lone surrogate: REST framework cannot write it either
    got = JSONRenderer().render(value)
    if value is None:  # no body at all, for both
        assert got == expected == b""
        return
    # Floats may be written in another notation of the same value (1e-05 / 0.00001).
    assert json.loads(got) == json.loads(expected)
    if not _has_exponent_float(value):
        assert got == expected


def _has_exponent_float(value: Any) -> bool:
    if isinstance(value, float):
        return "e" in repr(value)
    if isinstance(value, dict):
        return any(_has_exponent_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_exponent_float(v) for v in value)
    return False


@pytest.mark.parametrize(
    "body",
    [b'{"name": ', b'{"name": NaN}', b'{"name": "\\ud800"}', nested(100_000), b'{"a": 1, "a": 2}'],
)
def test_a_parse_error_speaks_the_request_language_only(alice, body) -> None:  # type: ignore[no-untyped-def]
    """The reason in zh-hans answers is Chinese too (not the JSON reader's English)."""
    path = url(f"stores/{alice.store.pk}/fixtures/")
    r = alice.client.generic("POST", path, body, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "parse_error"
    message = r.json()["message"]
    assert not re.search(r"[A-Za-z]{3,}", message.replace("JSON", "").replace("UTF", "")), message
    assert re.search(r"[\u4e00-\u9fff]", message)


def test_a_body_that_is_not_its_charset_is_a_400_in_the_request_language(alice) -> None:  # type: ignore[no-untyped-def]
    path = url(f"stores/{alice.store.pk}/fixtures/")
    r = alice.client.generic(
        "POST", path, b'{"name": "\xff"}', content_type="application/json; charset=utf-16"
    )
    assert r.status_code == 400 and r.json()["code"] == "parse_error"
    assert "utf-16" in r.json()["message"] and re.search(r"[\u4e00-\u9fff]", r.json()["message"])
