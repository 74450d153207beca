from tests.conftest import GUILD_ID, MOD_ID
from tests.web.conftest import Visitor


async def test_smoke(visitor: Visitor) -> None:
    r = await visitor.get("/")
    assert r.status == 200, visitor.pages[-1]
    r = await visitor.login(MOD_ID)
    assert r.status == 303, visitor.pages[-1]
    for section in ["server", "welcome", "shoutouts", "collabs", "quizzes", "checkins"]:
        r = await visitor.get(f"/g/{GUILD_ID}/{section}")
        assert r.status == 200, (section, visitor.pages[-1][:3000])
    r = await visitor.get("/")
    assert "Creator Fam" in visitor.pages[-1]
