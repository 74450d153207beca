"""ORM models, one module per capability.

Every module in this package is imported by ``load_all()`` so that ``Base.metadata`` is complete
for Alembic and for the tests, without a hand-kept list to forget to update.
"""

from __future__ import annotations

import importlib
import pkgutil

from models.base import Base


def load_all() -> type[Base]:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return Base


__all__ = ["Base", "load_all"]
