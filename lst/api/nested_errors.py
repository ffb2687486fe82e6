"""Flatten DRF's nested validation errors into one level of keys like `receipts[3].lines[1].product`,
so a client can point at the exact line of a batch."""

from __future__ import annotations

from typing import Any


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # ListField / DictField children are keyed by index
                path = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                path = prefix or key
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_errors(value, path))
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):  # ErrorDetail is a str
            if detail:
                out.setdefault(prefix or "non_field_errors", []).extend(str(d) for d in detail)
        else:
            for i, item in enumerate(detail):
                out.update(flatten_errors(item, f"{prefix}[{i}]"))
    elif detail:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out
