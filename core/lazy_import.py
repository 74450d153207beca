"""Import a big library on first use instead of at start-up (``importlib.util.LazyLoader``): a
module that the bot only needs on some paths (numpy and rustworkx when a collab round is
matched) stays out of resident memory until then. ``import x`` elsewhere gets the same module."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, executed on its first attribute access (already loaded: as is)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as the import system does: ``import PIL.Image`` elsewhere then sees PIL.Image
        setattr(sys.modules[parent], child, module)
    return module
