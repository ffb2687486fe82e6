"""Fast bulk inserts for seeding and imports: PostgreSQL COPY when available, bulk_create else."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import pandas as pd
from django.db import connection, models


def bulk_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    chunk: int = 20000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert plain value rows (in `fields` order, column names as attnames) and return the count.

    No model logic runs (no auto_now, no save()): callers pass every column they need.
    """
    total = 0
    buffer: list[Sequence[Any]] = []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= chunk:
            total += _flush(model, fields, buffer)
            if progress:
                progress(len(buffer))
            buffer = []
    if buffer:
        total += _flush(model, fields, buffer)
        if progress:
            progress(len(buffer))
    return total


def _column_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The field behind column `name`: rows hold column values, so it is a concrete field."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _flush(model: type[models.Model], fields: Sequence[str], rows: list[Sequence[Any]]) -> int:
    if connection.vendor == "postgresql":
        out = io.StringIO()
        writer = csv.writer(out)
        for row in rows:
            writer.writerow(["\\N" if v is None else v for v in row])
        out.seek(0)
        columns = ", ".join(_column_field(model, f).column for f in fields)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {model._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                out,
            )
        return len(rows)
    # Other backends (SQLite): one executemany with values prepared as the fields would.
    # Seed and import columns repeat a lot (ids, dates, timestamps), so each distinct value is
    # prepared once per chunk.
    model_fields = [_column_field(model, f) for f in fields]
    caches: list[dict[Any, Any]] = [{} for _ in fields]

    def prep(i: int, value: Any) -> Any:
        cache = caches[i]
        if value not in cache:
            cache[value] = model_fields[i].get_db_prep_save(value, connection)
        return cache[value]

    prepared = [tuple(None if v is None else prep(i, v) for i, v in enumerate(row)) for row in rows]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model_fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        # Table and column names come from model metadata, never from input.
        table = connection.ops.quote_name(model._meta.db_table)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        cursor.executemany(sql, prepared)
    return len(rows)


def bulk_insert_frame(
    model: type[models.Model],
    frame: pd.DataFrame,
    *,
    chunk: int = 500_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert a frame whose columns are the model's attnames (values already in their final
    form: Decimal-safe strings or numbers, dates, aware datetimes); returns the row count.

    On PostgreSQL each chunk is written as CSV by pandas (vectorised) and sent with one COPY,
    which is what makes seeding tens of millions of rows practical; elsewhere rows go through
    :func:`bulk_insert`.
    """
    fields = list(frame.columns)
    if connection.vendor != "postgresql":
        return bulk_insert(
            model, fields, frame.itertuples(index=False, name=None), progress=progress
        )
    columns = ", ".join(_column_field(model, f).column for f in fields)
    sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    total = 0
    with connection.cursor() as cursor:
        for i in range(0, len(frame), chunk):
            part = frame.iloc[i : i + chunk]
            out = io.StringIO()
            part.to_csv(out, header=False, index=False, na_rep="\\N")
            out.seek(0)
            cursor.copy_expert(sql, out)
            total += len(part)
            if progress:
                progress(len(part))
    return total


def bulk_update_values(
    objs: Sequence[models.Model], fields: Sequence[str], *, chunk: int = 1000
) -> int:
    """Write `fields` of saved objects, each row its own values, and return the count.

    On PostgreSQL: one `UPDATE … FROM (VALUES …)` per chunk, joined on the primary key. Django's
    `bulk_update` builds a `CASE WHEN pk = … THEN …` expression per row and field, and resolving
    those in Python costs more than the database's work on a POS upload's thousand rows. Other
    backends use `bulk_update`. Like it, no model logic runs: callers set `updated_at`.
    """
    if not objs:
        return 0
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_update(objs, fields)
    meta = model._meta
    columns = [cast("models.Field[Any, Any]", meta.pk)]
    columns += [cast("models.Field[Any, Any]", meta.get_field(f)) for f in fields]
    quote = connection.ops.quote_name
    # Column and type names come from model metadata, values are bound parameters.
    sets = ", ".join(
        f"{quote(f.column)} = CAST(v.c{i} AS {f.db_type(connection)})"
        for i, f in enumerate(columns)
        if i
    )
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    table = quote(meta.db_table)
    done = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), chunk):
            part = objs[start : start + chunk]
            params = [
                f.get_db_prep_save(getattr(obj, f.attname), connection)
                for obj in part
                for f in columns
            ]
            values = ", ".join([row_marks] * len(part))
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v({aliases}) "  # noqa: S608
                f"WHERE {table}.{quote(columns[0].column)} = "
                f"CAST(v.c0 AS {columns[0].db_type(connection)})",
                params,
            )
            done += cursor.rowcount
    return done
