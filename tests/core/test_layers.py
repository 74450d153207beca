"""The layers are enforced, not hoped for: the import contract in pyproject.toml holds for the
project and fails on a violation (cogs | web -> services -> core -> models, web never importing
cogs; no Discord in the domain)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(where: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(where / "pyproject.toml"), "--no-cache"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_project_keeps_its_layers() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _package(root: Path, name: str, modules: dict[str, str]) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text("")
    for module, source in modules.items():
        (root / name / f"{module}.py").write_text(source)


def test_a_violation_is_caught(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    _package(tmp_path, "models", {"rows": "X = 1\n"})
    _package(tmp_path, "core", {"db": "import models.rows\n", "bad": "import services.deals\n"})
    _package(tmp_path, "services", {"deals": "import core.db\nimport discord\n"})
    _package(tmp_path, "cogs", {"deals": "import services.deals\n"})
    # the web dashboard sits beside cogs: it goes through services, never through a cog
    _package(tmp_path, "web", {"pages": "import services.deals\nimport cogs.deals\n"})
    _package(tmp_path, "fakediscord", {"server": "import aiohttp\n"})
    # the demo acts through the fake only, never on the bot's services
    _package(tmp_path, "demo", {"life": "import fakediscord.server\nimport services.deals\n"})
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "Layers: cogs | web -> services -> core -> models BROKEN" in result.stdout
    assert "web.pages -> cogs.deals" in result.stdout
    assert "core.bad -> services.deals" in result.stdout
    assert "The domain never imports Discord BROKEN" in result.stdout
    assert "services.deals -> discord" in result.stdout
    assert "demo.life -> services.deals" in result.stdout
