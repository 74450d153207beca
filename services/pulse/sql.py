"""Small SQL pieces the pulse's aggregate queries share (the same on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func


def count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """How many rows of the group meet ``condition`` (0, never NULL, for an empty group)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def any_of(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """1 when some row of the group meets ``condition``, else 0."""
    return func.max(case((condition, 1), else_=0))
