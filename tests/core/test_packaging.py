"""The image keeps runtime state apart from shipped content: a volume for state never hides the
quiz packs and copy, and an upgraded image serves its own content."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[2]


def test_docker_state_volume_is_apart_from_shipped_content() -> None:
    text = (ROOT / "Dockerfile").read_text()
    volumes = [PurePosixPath(v) for v in re.findall(r'VOLUME \["([^"]+)"\]', text)]
    assert volumes, "the image declares a volume for its state"
    workdir = PurePosixPath(re.findall(r"^WORKDIR (\S+)", text, re.M)[-1])
    content = workdir / "data"
    for volume in volumes:
        assert not (volume == content or content in volume.parents or volume in content.parents)
        assert volume != workdir and volume not in workdir.parents
    url = re.search(r"DATABASE_URL=sqlite\+aiosqlite:///(\S+)", text)
    assert url is not None
    db_file = PurePosixPath(url.group(1))
    assert any(v in db_file.parents for v in volumes), "the SQLite file is on the state volume"
    assert (ROOT / "data").is_dir() and any((ROOT / "data").iterdir())


def test_compose_runs_two_shards_on_one_postgres_with_health_checks() -> None:
    import yaml

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    bots = {name: svc for name, svc in services.items() if name.startswith("bot")}
    assert len(bots) == 2
    envs = [svc["environment"] for svc in bots.values()]
    assert {e["SHARD_COUNT"] for e in envs} == {"2"}
    assert sorted(e["SHARD_IDS"] for e in envs) == ["0", "1"]
    assert len({e["DATABASE_URL"] for e in envs}) == 1
    assert all(e["DATABASE_URL"].startswith("postgresql+asyncpg://") for e in envs)
    assert all("@postgres:" in e["DATABASE_URL"] for e in envs)
    assert all(
        svc["depends_on"]["postgres"]["condition"] == "service_healthy" for svc in bots.values()
    )
    assert all(e["HEALTH_PORT"] for e in envs)
    assert "healthcheck" in services["postgres"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
