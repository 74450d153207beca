#!/usr/bin/env python3
"""The project's runner, needing nothing but Python 3.11+ (make is optional: see Makefile).

python3 dev.py demo    create .venv, install, and run the demo: a simulated Discord server with
                       the real bot and a fam, in your browser (no account, no token)
python3 dev.py run     create .venv, install, migrate and start the bot
python3 dev.py test    create .venv, install, run the tests (SQLite and PostgreSQL)
python3 dev.py lint    ruff (lint + format check), mypy (strict on core, services, models)
                       and the import contract (import-linter: the layers)
python3 dev.py bench   every benchmark in bench/, one table
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
        ]
        return max(run(*step) for step in steps)
    if command == "bench":
        ensure_venv()
        return run(PY, "-m", "bench.run", *rest)
    if command == "install":
        ensure_venv()
        return 0
    print(__doc__)
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
