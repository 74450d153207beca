"""The bot starts without the big libraries it needs only on some paths (issue 14's memory):
they load on first use, and then work as if imported normally."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: a module each big library's import always loads (a lazy one is registered, not executed)
LOADED_BY = {
    "numpy": "numpy.linalg",
    "rustworkx": "rustworkx.rustworkx",
    "Pillow": "PIL._imaging",
    "fontTools": "fontTools.ttLib",
    "matplotlib": "matplotlib",
    "Alembic": "alembic",
    "the dashboard (Jinja2)": "jinja2",
    "rapidfuzz": "rapidfuzz.process",
    "RE2": "re2",
    "PostgreSQL's dialect (on SQLite)": "sqlalchemy.dialects.postgresql.base",
    "aiohttp's server (no HEALTH_PORT)": "aiohttp.web",
}

PROBE = """
import json, sys
import bot, cogs.collabs, cogs.checkins, cogs.welcome, cogs.pulse
from core.i18n import LANGUAGES
from cogs.admin import LANGUAGE_CHOICES
before = {m: m in sys.modules for m in json.loads(sys.argv[1])}
import babel.localedata
locale_data = sorted(babel.localedata._cache)
from core.max_matching import rx
from services.imaging.fonts import Image
from services.quizzes.matching import matches
from services.safety.automod import compile_pattern
from services.profiles import postgresql
after = [rx.PyGraph().num_nodes(), Image.new("RGB", (2, 2)).size[0], matches("hearst", ["hearts"]),
         compile_pattern("a+") is not None, postgresql.insert.__name__]
import PIL.Image
print(json.dumps({"before": before, "locale_data": locale_data, "after": after,
                  "parent": PIL.Image is Image}))
"""


def test_the_bot_loads_big_libraries_on_first_use() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(LOADED_BY.values()))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    loaded = [name for name, module in LOADED_BY.items() if result["before"][module]]
    assert loaded == [], f"imported at start-up: {loaded}"
    assert result["locale_data"] == [], "the language choices loaded CLDR data"
    assert result["after"] == [0, 2, True, True, "insert"]  # used, they work
    assert result["parent"]  # and `import PIL.Image` elsewhere gets the same module
