"""Querysets compiled to SQL once and run many times with new parameter values.

On the store app's hottest reads, the ORM turning a queryset into SQL costs more than the
database running it: the tenant check's four-table `select_related` took ~2 ms to compile and
load against ~0.5 ms in PostgreSQL, on every request. A `PreparedQuery` builds its queryset once
per database connection with placeholder values for its parameters, keeps the SQL and the
compiler, and on each call runs that SQL with the real values, converting the columns and
building the model instances (`select_related` included) the way the queryset itself would.
The queries still go through the connection's cursor, so query logging, execute wrappers and
the tests' query counts see them.

What it supports, checked when the query is compiled: querysets yielding model instances or
`values()` dicts, with `select_related` and annotations, parameters that are integers compared
as themselves (ids). No prefetch_related, no known related objects, no other iterables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]  # not in the stubs
    ModelIterable,
    ValuesIterable,
    get_related_populators,
)

# Placeholder values for the parameters while compiling: integers no id takes.
_SENTINEL_BASE = -7_300_000_000_000_000_000


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (position in params, parameter name)
    converters: dict[int, Any]
    build_row: Callable[[list[Any]], Any]


class PreparedQuery:
    """`build(**placeholders)` returns the queryset; calling the PreparedQuery with the same
    keyword arguments (integers) returns the list the queryset would: model instances or dicts.
    """

    def __init__(self, build: Callable[..., QuerySet[Any]], *params: str, using: str = "default"):
        self._build = build
        self._params = params
        self._using = using
        # Per database alias and backend: the SQL depends on the backend only, and a thread's
        # connection object comes and goes (runserver opens one a request).
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def __call__(self, **values: int) -> list[Any]:
        if set(values) != set(self._params):
            raise TypeError(f"expected the parameters {sorted(self._params)}, got {sorted(values)}")
        for name, value in values.items():
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
        connection = connections[self._using]
        key = (connection.alias, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(connection)
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = values[name]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        build_row, converters = compiled.build_row, list(compiled.converters.items())
        out = []
        for fetched in rows:
            row = list(fetched)
            # As SQLCompiler.apply_converters, with the connection of this call.
            for position, (functions, expression) in converters:
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
            out.append(build_row(row))
        return out

    def _compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        sentinels = {_SENTINEL_BASE - k: name for k, name in enumerate(self._params)}
        queryset = self._build(**{name: value for value, name in sentinels.items()})
        if queryset._prefetch_related_lookups or queryset._known_related_objects:  # type: ignore[attr-defined]
            raise TypeError("a prepared query cannot prefetch or carry known related objects")
        query = queryset.query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = tuple(
            (i, sentinels[p]) for i, p in enumerate(params) if type(p) is int and p in sentinels
        )
        missing = set(self._params) - {name for _i, name in slots}
        if missing:
            raise ValueError(f"parameters {sorted(missing)} do not reach the SQL as themselves")
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)
        if compiler.has_composite_fields(fields):
            raise TypeError("a prepared query cannot select composite fields")
        iterable = queryset._iterable_class
        build_row: Callable[[list[Any]], Any]
        if iterable is ValuesIterable:
            names = (
                list(query.selected)
                if query.selected
                else [*query.extra_select, *query.values_select, *query.annotation_select]
            )
            build_row = _values_builder(names)
        elif iterable is ModelIterable:
            build_row = _model_builder(compiler, connection.alias)
        else:
            raise TypeError(f"a prepared query yields instances or dicts, not {iterable.__name__}")
        return _Compiled(sql, tuple(params), slots, converters, build_row)


def _values_builder(names: list[str]) -> Callable[[list[Any]], dict[str, Any]]:
    def build(row: list[Any]) -> dict[str, Any]:
        return dict(zip(names, row, strict=True))

    return build


def _model_builder(compiler: Any, db: str) -> Callable[[list[Any]], Any]:
    """As ModelIterable builds an instance from a row (django/db/models/query.py)."""
    select, klass_info, annotation_col_map = (
        compiler.select,
        compiler.klass_info,
        compiler.annotation_col_map,
    )
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    annotations = list(annotation_col_map.items()) if annotation_col_map else []

    def build(row: list[Any]) -> Any:
        obj = model_cls.from_db(db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for attr_name, col_pos in annotations:
            setattr(obj, attr_name, row[col_pos])
        return obj

    return build
