"""What the security tests look for: database changes, and data that must never be in an answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Model, Q

# The project's own apps: every row a request could touch.
APPS = ("lst", "catalog", "stores", "replenishment", "recommendations", "shoppers")


def _models() -> list[type[Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in APPS]


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of the project's tables (the test databases are small)."""
    return {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in _models()}


def owned_rows(**owners: Model) -> dict[str, list[dict[str, Any]]]:
    """The rows that belong to the given owners (a store, a user, a warehouse...): the owner's
    own row, rows pointing at it, and rows pointing at those (an order's lines and events)."""
    targets: dict[Any, Model] = {type(obj): obj for obj in owners.values()}
    out: dict[str, list[dict[str, Any]]] = {}
    for model in _models():
        q = Q(pk=targets[model].pk) if model in targets else Q()
        for field in model._meta.concrete_fields:
            rel: Any = field.related_model if field.is_relation else None
            if rel is None or rel is model:
                continue
            if rel in targets:
                q |= Q(**{field.name: targets[rel]})
                continue
            for hop in rel._meta.concrete_fields:
                if hop.is_relation and hop.related_model in targets:
                    q |= Q(**{f"{field.name}__{hop.name}": targets[hop.related_model]})
        if q:
            ids = model._default_manager.filter(q).values("pk")
            rows = model._default_manager.filter(pk__in=ids).order_by("pk").values()
            out[model._meta.label] = list(rows)
    return out


def diff(before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]) -> str:
    """'' when nothing changed, else which tables changed and how many rows."""
    changed = []
    for label in sorted(set(before) | set(after)):
        old = {r["id"]: r for r in before.get(label, [])}
        new = {r["id"]: r for r in after.get(label, [])}
        added, gone = new.keys() - old.keys(), old.keys() - new.keys()
        edited = [k for k in old.keys() & new.keys() if old[k] != new[k]]
        if added or gone or edited:
            changed.append(f"{label}: +{len(added)} -{len(gone)} ~{len(edited)}")
    return "; ".join(changed)


# --- sensitive data ------------------------------------------------------------------------------

# Keys that name secrets. `code` is the error code and stays allowed; `access`/`refresh` are
# checked separately (only the login routes answer tokens).
SENSITIVE_KEY = re.compile(
    r"passw|secret|otp|one_time|code_hash|_hash$|^hash$|api_?key|private_key|session|salt"
    r"|^token$|_token$|^tokens$",
    re.IGNORECASE,
)
TOKEN_KEYS = {"access", "refresh"}
# A stored password as Django writes it: "<algorithm>$<iterations/salt>$<hash>".
PASSWORD_HASH = re.compile(
    r"\b(pbkdf2_sha256|pbkdf2_sha1|argon2|bcrypt_sha256|bcrypt|scrypt|md5|sha1|unsalted_md5|"
    r"unsalted_sha1|crypt)\$\S+"
)
JWT = re.compile(r"eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]+")


def _walk(value: Any, path: str = "$") -> Iterator[tuple[str, str | None, Any]]:
    """(path, key, value) for every value in a JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield f"{path}.{k}", str(k), v
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield f"{path}[{i}]", None, v
            yield from _walk(v, f"{path}[{i}]")


def sensitive_findings(body: Any, *, tokens_allowed: bool = False) -> list[str]:
    """What in an answer (parsed JSON, or text) must not be there."""
    found = []
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, default=str)
    if settings.SECRET_KEY in text:
        found.append("the SECRET_KEY")
    if PASSWORD_HASH.search(text):
        found.append(f"a password hash: {PASSWORD_HASH.search(text).group(0)[:20]}…")  # type: ignore[union-attr]
    if not tokens_allowed and JWT.search(text):
        found.append("a JWT")
    if isinstance(body, str):
        return found
    for path, key, _value in _walk(body):
        if key is None:
            continue
        if SENSITIVE_KEY.search(key):
            found.append(f"a key named {key!r} at {path}")
        elif key in TOKEN_KEYS and not tokens_allowed:
            found.append(f"a token key {key!r} at {path}")
    return found


def body_of(response: Any) -> Any:
    """The parsed JSON of an answer, or its text (the SVG planogram), or None (204)."""
    if not response.content:
        return None
    if response.get("Content-Type", "").startswith("application/json"):
        return response.json()
    return response.content.decode("utf-8", "replace")
