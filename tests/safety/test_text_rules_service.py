"""The text-rules service on both databases: Discord's rules stored and replaced, events applied,
the moderators' words, the no-access notice told once, and checks from stored data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError
from models.delivery import OutboxMessage
from services.guild_config import GuildConfigService
from services.safety import NOTICE_PURPOSE, TextNotAllowed, TextRulesService, hold_to_rules

GUILD = 1_100_000_000_000_000_001
OWNER = 2_000_000_000_000_000_001
LOG = 3_000_000_000_000_000_009


def rule(rule_id: int, keywords: list[str], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(rule_id),
        "guild_id": str(GUILD),
        "name": f"Rule {rule_id}",
        "creator_id": str(OWNER),
        "event_type": 1,
        "trigger_type": 1,
        "trigger_metadata": {"keyword_filter": keywords, "regex_patterns": [], "allow_list": []},
        "actions": [{"type": 1, "metadata": {}}],
        "enabled": True,
        "exempt_roles": [],
        "exempt_channels": [],
    }
    data.update(overrides)
    return data


@pytest.fixture
def service(db: Database, clock: ManualClock) -> TextRulesService:
    return TextRulesService(db, clock)


async def notices(db: Database) -> list[OutboxMessage]:
    async with db.read() as s:
        rows = await s.scalars(select(OutboxMessage).where(OutboxMessage.purpose == NOTICE_PURPOSE))
        return list(rows)


async def test_rules_read_replace_what_was_stored(service: TextRulesService) -> None:
    assert (await service.rulebook(GUILD)).allows("anything goes")
    assert await service.rules_read(GUILD, [rule(1, ["spoiler*"]), rule(2, ["scam"])]) == 2
    book = await service.rulebook(GUILD)
    assert not book.allows("SPOILERS ahead") and not book.allows("a scam")
    # a later full read replaces the stored rules (rule 2 is gone on Discord)
    await service.rules_read(GUILD, [rule(1, ["spoiler*"]), rule(3, ["x"], trigger_type=3)])
    book = await service.rulebook(GUILD)
    assert book.allows("a scam") and not book.allows("spoiler")
    overview = await service.overview(GUILD)
    assert [r.rule_id for r in overview.rules] == [1] and overview.readable is True


async def test_events_update_the_stored_rules(service: TextRulesService) -> None:
    await service.rules_read(GUILD, [])
    await service.rule_changed(GUILD, rule(7, ["drama"]))
    assert not (await service.rulebook(GUILD)).allows("so much drama")
    await service.rule_changed(GUILD, rule(7, ["drama"], enabled=False))
    assert (await service.rulebook(GUILD)).allows("so much drama")
    await service.rule_changed(GUILD, rule(7, ["tea"]))
    assert not (await service.rulebook(GUILD)).allows("spill the tea")
    await service.rule_deleted(GUILD, 7)
    assert (await service.rulebook(GUILD)).allows("spill the tea")


async def test_hold_to_rules_names_the_field_and_masks_the_word(
    service: TextRulesService, db: Database
) -> None:
    await service.rules_read(GUILD, [rule(1, ["*scam*"])])
    async with db.read() as s:
        await hold_to_rules(s, GUILD, {"intro": "plant care in 30 seconds", "blurb": None})
        with pytest.raises(TextNotAllowed) as exc:
            await hold_to_rules(s, GUILD, {"intro": "fine", "blurb": "no scammers here"})
    assert exc.value.field == "blurb"
    assert exc.value.message == (
        "Your blurb has a word this server's rules don't allow: `s•••••••`. "
        "Reword your blurb and try again (nothing was posted). 💞"
    )
    assert "scammers" not in exc.value.message
    with pytest.raises(TextNotAllowed):
        await service.check(GUILD, {"content warning": "SCAM"})
    await service.check(GUILD + 1, {"intro": "scam"})  # another server, other rules


async def test_moderators_words(service: TextRulesService) -> None:
    added = await service.add_words(GUILD, " Cringe ,*SCAM*, cringe\n  free   nitro ")
    assert added.changed == ("cringe", "*scam*", "free nitro") and added.total == 3
    again = await service.add_words(GUILD, "cringe, yikes")
    assert again.changed == ("yikes",) and again.unchanged == ("cringe",) and again.total == 4
    book = await service.rulebook(GUILD)
    assert not book.allows("FREE NITRO") and not book.allows("scammy") and book.allows("cringey")
    assert await service.word_choices(GUILD, "SC") == ["*scam*"]
    removed = await service.remove_words(GUILD, "yikes, nope")
    assert removed.changed == ("yikes",) and removed.unchanged == ("nope",) and removed.total == 3
    with pytest.raises(DomainError, match="isn't on this server's list"):
        await service.remove_words(GUILD, "nope")
    for bad in ("", " , ", "*", "x" * 61):
        with pytest.raises(DomainError):
            await service.add_words(GUILD, bad)
    assert (await service.overview(GUILD)).words == ("*scam*", "cringe", "free nitro")


async def test_the_list_has_a_size(service: TextRulesService) -> None:
    await service.add_words(GUILD, ",".join(f"w{i}" for i in range(500)))
    with pytest.raises(DomainError, match="holds 500"):
        await service.add_words(GUILD, "one more")


async def test_no_access_is_told_once_then_again_after_access_came_back_and_went(
    service: TextRulesService, db: Database, clock: ManualClock
) -> None:
    await service.rules_read(GUILD, [rule(1, ["spoiler"])])
    await service.add_words(GUILD, "cringe")
    assert await service.rules_unreadable(GUILD, owner_id=OWNER)
    assert not await service.rules_unreadable(GUILD, owner_id=OWNER)  # once
    book = await service.rulebook(GUILD)
    assert book.allows("spoiler") and not book.allows("cringe")  # its own list still holds
    [dm] = await notices(db)
    assert (dm.kind, dm.target_id, dm.guild_id) == ("dm", OWNER, GUILD)
    assert "Manage Server" in dm.payload["content"]
    assert (await service.overview(GUILD)).readable is False
    # access comes back, then goes again: told again, in the log channel this time
    await service.rules_read(GUILD, [])
    await GuildConfigService(db, clock).update(GUILD, log_channel_id=LOG)
    clock.advance(seconds=60)
    assert await service.rules_unreadable(GUILD, owner_id=OWNER)
    assert [(n.kind, n.target_id) for n in await notices(db)] == [("dm", OWNER), ("channel", LOG)]


async def test_no_access_without_anyone_to_tell(service: TextRulesService, db: Database) -> None:
    assert not await service.rules_unreadable(GUILD, owner_id=None)
    assert await notices(db) == []
