"""Compare a TypedDict of rows with the Piccolo table it types: same keys, same value types, same nullability."""

from __future__ import annotations

import datetime as dt
import types
import typing
import uuid

from piccolo.columns import JSON, UUID, Boolean, Column, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

COLUMN_TYPES: dict[type[Column], type] = {
    UUID: uuid.UUID,
    ForeignKey: uuid.UUID,
    Varchar: str,
    Text: str,
    JSON: str,  # both engines return a JSON column's text
    Integer: int,
    Boolean: bool,
    Timestamptz: dt.datetime,
}


def _value_type(annotation: object) -> tuple[object, bool]:
    """(the value's type, whether None is allowed); a Literal of strings counts as str."""
    union = isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
    arguments = typing.get_args(annotation) if union else (annotation,)
    nullable = type(None) in arguments
    kinds = [a for a in arguments if a is not type(None)]
    if len(kinds) != 1:
        return tuple(kinds), nullable
    kind = kinds[0]
    if typing.get_origin(kind) is typing.Literal and all(isinstance(word, str) for word in typing.get_args(kind)):
        kind = str
    return kind, nullable


def row_type_differences(
    row_type: type, table: type[Table], extra: tuple[str, ...] = (), always_written: tuple[str, ...] = ()
) -> list[str]:
    """How the TypedDict `row_type` differs from `table`'s columns (plus the `extra` keys a query adds).

    `always_written`: foreign keys left at Piccolo's default `null=True` that the app always fills, which
    the row types as never None."""
    hints = typing.get_type_hints(row_type)
    columns = {column._meta.name: column for column in table._meta.columns}
    differences = [f"{name}: not a column of {table.__name__}" for name in hints if name not in columns]
    differences = [d for d in differences if d.split(":")[0] not in extra]
    differences += [f"{name}: column missing from {row_type.__name__}" for name in columns if name not in hints]
    differences += [f"{name}: {row_type.__name__} lacks this key the query adds" for name in extra if name not in hints]
    for name in always_written:
        column = columns.get(name)
        if not isinstance(column, ForeignKey) or not column._meta.null:
            differences.append(f"{name}: listed as an always-written foreign key, but is no nullable foreign key")
    for name, column in columns.items():
        if name not in hints:
            continue
        kind, nullable = _value_type(hints[name])
        expected = COLUMN_TYPES.get(type(column))
        if kind is not expected:
            differences.append(f"{name}: {kind} in {row_type.__name__}, {type(column).__name__} in the table")
        if nullable != column._meta.null and not (name in always_written and not nullable):
            differences.append(f"{name}: nullable {nullable} in {row_type.__name__}, {column._meta.null} in the table")
    return differences


def selected_names(query: typing.Any) -> tuple[str, ...]:
    """The keys a Piccolo select query's rows have beyond its table's own columns (its aliases)."""
    own = {column._meta.name for column in query.table._meta.columns}
    names = tuple(
        getattr(column, "_alias", None) or column._meta.name for column in query.columns_delegate.selected_columns
    )
    return tuple(name for name in names if name not in own)
