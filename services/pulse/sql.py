"""Small SQL pieces the pulse's aggregate queries share (the same on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, case, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


def count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """How many rows of the group meet ``condition`` (0, never NULL, for an empty group)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def any_of(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """1 when some row of the group meets ``condition``, else 0."""
    return func.max(case((condition, 1), else_=0))


class day_number(FunctionElement[int]):
    """Days from 2000-01-01 to a DATE column, as an integer, so runs of days or weeks can be
    found with arithmetic in SQL (SQLite keeps dates as text, PostgreSQL as dates)."""

    type = Integer()
    inherit_cache = True


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return f"CAST(julianday({compiler.process(column, **kw)}) - 2451544.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _day_number_pg(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    return f"({compiler.process(column, **kw)} - DATE '2000-01-01')"
