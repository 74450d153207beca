#!/usr/bin/env python3
"""The project's runner, needing nothing but Python 3.11+ (make is optional: see Makefile).

python3 dev.py demo    create .venv, install, and run the demo: a simulated Discord server with
                       the real bot and a fam, in your browser (no account, no token)
python3 dev.py run     create .venv, install, migrate and start the bot
python3 dev.py test    create .venv, install, run the tests (SQLite and PostgreSQL)
python3 dev.py lint    ruff (lint + format check), mypy (strict on core, services, models),
                       the import contract (import-linter: the layers) and the catalogs'
                       check (python3 dev.py i18n check)
python3 dev.py bench   every benchmark in bench/, one table
python3 dev.py i18n    extract | update | compile | check  the gettext catalogs (Babel):
                       extract the English strings of each domain to locales/<domain>.pot,
                       update every language's .po from them, compile .po to .mo, and
                       check that no shipped catalog has an untranslated or fuzzy string
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".mutuals-installed"


def _digest() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """(Re)install when the venv is missing or pyproject.toml changed since the last install."""
    if STAMP.exists() and STAMP.read_text() == _digest() and PY.exists():
        return
    if not PY.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    quiet = ["-q"] if os.environ.get("CI") else []
    subprocess.run([PY, "-m", "pip", "install", *quiet, "--upgrade", "pip"], check=True)
    subprocess.run([PY, "-m", "pip", "install", *quiet, "-e", ".[dev]"], check=True, cwd=ROOT)
    STAMP.write_text(_digest())


#: the dashboard's pulse page speaks the pulse's catalog (its words are the pulse's)
PULSE_WEB = ["web/pages/pulse.py", "web/templates/pulse.html"]
#: each catalog domain and the code its strings are extracted from (see core/i18n.py);
#: "commands" holds the slash commands' names and descriptions, written from the command tree
I18N_DOMAINS: dict[str, list[str]] = {
    "core": ["core", "bot.py"],
    "shared": [
        "cogs/_common.py",
        "cogs/about.py",
        "cogs/admin.py",
        "cogs/directory.py",
        "cogs/profile.py",
        "services/profiles.py",
        "services/niches.py",
        "services/guild_config.py",
        "services/directory.py",
        "services/schedules.py",
        "services/languages.py",
    ],
    "welcome": ["cogs/welcome", "services/welcome"],
    "shoutouts": ["cogs/shoutouts", "services/shoutouts"],
    "collabs": ["cogs/collabs", "services/collabs"],
    "quizzes": ["cogs/quizzes", "services/quizzes"],
    "checkins": ["cogs/checkins", "services/checkins"],
    "safety": ["cogs/safety", "services/safety"],
    "pulse": ["cogs/pulse", "services/pulse", *PULSE_WEB],
    "web": sorted(
        str(p.relative_to(ROOT))
        for pattern in ("web/*.py", "web/pages/*.py", "web/templates/*.html")
        for p in ROOT.glob(pattern)
        if str(p.relative_to(ROOT)) not in PULSE_WEB
    ),
}
I18N_LANGUAGES = ["es", "pt_BR", "ja", "ko"]
I18N_KEYWORDS = ["_", "N_", "ngettext:1,2", "pgettext:1c,2"]


def i18n(step: str, domains: list[str]) -> int:
    locales = ROOT / "locales"
    pybabel = BIN / "pybabel"
    chosen = domains or list(I18N_DOMAINS)
    status = 0
    for domain in chosen:
        pot = locales / f"{domain}.pot"
        if step == "extract" and domain == "commands":
            status |= run(PY, "bot.py", "--write-command-catalog", pot)
        elif step == "extract":
            paths = [p for p in I18N_DOMAINS.get(domain, []) if (ROOT / p).exists()]
            if not paths:
                continue
            keywords = [arg for k in I18N_KEYWORDS for arg in ("-k", k)]
            status |= run(
                pybabel, "extract", "-F", locales / "babel.cfg", "--no-location",
                "--sort-output", "--omit-header", "--no-default-keywords", *keywords,
                "-o", pot, *paths,
            )  # fmt: skip
        elif step == "update":
            if not pot.exists():
                continue
            for lang in I18N_LANGUAGES:
                po = locales / lang / "LC_MESSAGES" / f"{domain}.po"
                verb = "update" if po.exists() else "init"
                extra = ["--no-fuzzy-matching", "--omit-header"] if verb == "update" else []
                status |= run(
                    pybabel, verb, "-i", pot, "-d", locales, "-D", domain, "-l", lang, *extra
                )
        elif step == "compile":
            for lang in I18N_LANGUAGES:
                po = locales / lang / "LC_MESSAGES" / f"{domain}.po"
                if po.exists():
                    # -f: a catalog without a header counts as fuzzy to Babel and was skipped
                    # (read from its .po at start-up instead); the check keeps fuzzy messages
                    # out of shipped catalogs
                    status |= run(pybabel, "compile", "-f", "-d", locales, "-D", domain, "-l", lang)
        elif step == "check":
            status |= run(PY, "-m", "core.i18n_check", *chosen)
            break
        else:
            print("usage: python3 dev.py i18n extract|update|compile|check [domain…]")
            return 2
    return status


def run(*args: str | Path) -> int:
    return subprocess.run([str(a) for a in args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    rest = argv[1:]
    if command == "demo":
        ensure_venv()
        return run(PY, "-m", "demo", *rest)
    if command == "run":
        ensure_venv()
        return run(PY, "bot.py", *rest)
    if command == "test":
        ensure_venv()
        return run(PY, "-m", "pytest", *rest)
    if command == "lint":
        ensure_venv()
        steps = [
            (BIN / "ruff", "check", "."),
            (BIN / "ruff", "format", "--check", "."),
            (BIN / "mypy",),
            (BIN / "lint-imports",),
            (PY, "-m", "core.i18n_check"),  # an untranslated string fails CI
        ]
        return max(run(*step) for step in steps)
    if command == "bench":
        ensure_venv()
        i18n("compile", [])  # as the image ships them: the bot reads no .po at start-up
        return run(PY, "-m", "bench.run", *rest)
    if command == "i18n":
        ensure_venv()
        return i18n(rest[0] if rest else "", rest[1:])
    if command == "install":
        ensure_venv()
        return i18n("compile", [])
    print(__doc__)
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
