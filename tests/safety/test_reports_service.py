"""Reports on a real database (SQLite and PostgreSQL): one open report per reporter and
target (also under a burst of double-clicks), the flood cap, where the moderators' notice goes
(never to the reported member), and what each moderator decision changes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError
from models.delivery import OutboxMessage
from services.collabs import CollabService
from services.guild_config import GuildConfigService
from services.niches import NicheService
from services.profiles import ProfileService
from services.safety import REPORT_PURPOSE, ReportDraft, ReportService, parse_message_link
from services.safety.reports import MAX_OPEN_PER_REPORTER, NO_MODERATOR

G = 42
MOD, MOD2, REPORTER, TARGET = 9001, 9002, 501, 502
LOG = 7777


@pytest.fixture
def collabs(db: Database, clock: ManualClock) -> CollabService:
    return CollabService(db, clock, NicheService(db))


@pytest.fixture
def svc(db: Database, clock: ManualClock, collabs: CollabService) -> ReportService:
    return ReportService(db, clock, collabs)


def draft(target: int = TARGET, reporter: int = REPORTER, **extra: Any) -> ReportDraft:
    values: dict[str, Any] = {
        "guild_id": G,
        "reporter_id": reporter,
        "target_id": target,
        "source": "shoutout",
        "category": "harassment",
        "details": "they keep DMing me",
        "channel_id": 111,
        "message_id": 222,
    }
    values.update(extra)
    return ReportDraft(**values)


async def notices(db: Database) -> list[OutboxMessage]:
    async with db.read() as s:
        rows = await s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.purpose == REPORT_PURPOSE)
            .order_by(OutboxMessage.id)
        )
        return list(rows.all())


async def test_one_open_report_per_reporter_and_target_even_under_a_burst(
    db: Database, svc: ReportService
) -> None:
    results = await asyncio.gather(
        *(svc.file(draft(), moderators=[MOD]) for _ in range(6)), return_exceptions=True
    )
    filed = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(filed) == 1 and len(refused) == 5, results
    assert all("already reported" in e.message for e in refused)
    assert len(await notices(db)) == 1  # one notice, to the one moderator
    assert await svc.open_report(G, REPORTER, TARGET) is not None
    # someone else may report the same member, and the reporter someone else
    await svc.file(draft(reporter=503), moderators=[MOD])
    await svc.file(draft(target=504), moderators=[MOD])
    # once a moderator handled it, a new report is welcome
    first = filed[0]
    assert not isinstance(first, BaseException)
    done = await svc.dismiss(first.report.id, MOD)
    assert done.changed and done.report.status == "dismissed"
    assert not (await svc.dismiss(first.report.id, MOD)).changed
    assert await svc.open_report(G, REPORTER, TARGET) is None
    again = await svc.file(draft(), moderators=[MOD])
    assert again.report.id != first.report.id


async def test_a_member_cannot_flood_the_moderators(svc: ReportService) -> None:
    for target in range(1000, 1000 + MAX_OPEN_PER_REPORTER):
        await svc.file(draft(target=target), moderators=[MOD])
    with pytest.raises(DomainError, match=f"{MAX_OPEN_PER_REPORTER} reports waiting"):
        await svc.file(draft(target=2000), moderators=[MOD])


async def test_bad_input_is_refused_and_nothing_is_stored(db: Database, svc: ReportService) -> None:
    with pytest.raises(DomainError, match="can't report yourself"):
        await svc.file(draft(target=REPORTER), moderators=[MOD])
    with pytest.raises(DomainError, match="Pick what happened"):
        await svc.file(draft(category="mean"), moderators=[MOD])
    with pytest.raises(DomainError, match="1000 or fewer"):
        await svc.file(draft(details="x" * 1001), moderators=[MOD])
    # nobody to tell privately: the reported member is the only moderator, no log channel
    with pytest.raises(DomainError) as exc:
        await svc.file(draft(target=MOD), moderators=[MOD])
    assert exc.value.message == NO_MODERATOR
    assert await notices(db) == []
    # the member's own words are kept, but can't ping or hide control characters
    filed = await svc.file(
        draft(details="  hey @everyone\x00 look\n<@123> said \u202ethis  "), moderators=[MOD]
    )
    assert filed.report.details == "hey @\u200beveryone look\n<@123> said this"


async def test_the_notice_goes_to_the_log_channel_else_each_moderator_never_the_target(
    db: Database, clock: ManualClock, svc: ReportService
) -> None:
    filed = await svc.file(draft(target=MOD2), moderators=[MOD, MOD2, MOD])
    rows = await notices(db)
    assert [(r.kind, r.target_id) for r in rows] == [("dm", MOD)]  # not MOD2, who is reported
    payload = rows[0].payload
    assert payload["reporter_id"] == REPORTER and payload["target_id"] == MOD2
    assert payload["jump_url"] == f"https://discord.com/channels/{G}/111/222"
    assert payload["has_post"] is True and filed.notices == 1

    await GuildConfigService(db, clock).update(G, log_channel_id=LOG)
    await svc.file(draft(target=TARGET, source="collab", in_dm=True), moderators=[])
    row = (await notices(db))[-1]
    assert (row.kind, row.target_id) == ("channel", LOG)
    assert row.payload["has_post"] is False  # a DM: nothing moderators could remove
    assert row.payload["jump_url"].startswith("https://discord.com/channels/@me/")

    # the log channel refused it: each moderator gets it by DM instead, once, saying why
    report_id = int(row.payload["report_id"])
    assert await svc.notice_failed(report_id, [MOD, MOD2, TARGET], "the channel is gone") == 2
    assert await svc.notice_failed(report_id, [MOD, MOD2], "the channel is gone") == 0
    dms = (await notices(db))[-2:]
    assert sorted(r.target_id for r in dms) == [MOD, MOD2]
    assert all(r.payload["note"] == "the channel is gone" for r in dms)


async def test_moderator_decisions(
    db: Database, clock: ManualClock, svc: ReportService, collabs: CollabService
) -> None:
    profiles = ProfileService(db, clock, NicheService(db))
    for uid in (REPORTER, TARGET):
        await profiles.update(G, uid, handle=f"c{uid}", niches=["PlantTok"])
        await collabs.optin(G, uid)
    filed = await svc.file(draft(), moderators=[MOD])
    assert [s.user_id for s in await collabs.suggest(G, REPORTER)] == [TARGET]

    done = await svc.remove_from_collabs(filed.report.id, MOD)
    assert done.changed and done.report.out_of_collabs and done.report.status == "actioned"
    assert done.report.handled_by == MOD and done.report.handled_at == clock.now()
    assert not (await svc.remove_from_collabs(filed.report.id, MOD)).changed
    assert await collabs.removed(G, TARGET)
    assert await collabs.suggest(G, REPORTER) == []  # out of everyone's suggestions
    with pytest.raises(DomainError, match="taken you out of collab rounds"):
        await collabs.suggest(G, TARGET)
    with pytest.raises(DomainError, match="taken you out of collab rounds"):
        await collabs.optin(G, TARGET)
    # a dismissal can't undo a decision already taken
    assert not (await svc.dismiss(filed.report.id, MOD)).changed
    # a profile deleted and made again doesn't lift it
    await profiles.delete(G, TARGET)
    await profiles.update(G, TARGET, handle="again", niches=["PlantTok"])
    assert await collabs.removed(G, TARGET)

    back = await svc.let_back(filed.report.id, MOD2)
    assert back.changed and not back.report.out_of_collabs and back.report.handled_by == MOD2
    assert not await collabs.removed(G, TARGET)
    await collabs.optin(G, TARGET)
    assert [s.user_id for s in await collabs.suggest(G, REPORTER)] == [TARGET]

    removed = await svc.post_removed(filed.report.id, MOD)
    assert removed.changed and removed.report.post_removed
    assert not (await svc.post_removed(filed.report.id, MOD)).changed


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            f"https://discord.com/channels/{G}/123456789012345678/223456789012345678",
            (123456789012345678, 223456789012345678),
        ),
        (
            f"<https://ptb.discord.com/channels/{G}/123456789012345678/223456789012345678>",
            (123456789012345678, 223456789012345678),
        ),
        (
            f"https://discordapp.com/channels/{G}/123456789012345678/223456789012345678/",
            (123456789012345678, 223456789012345678),
        ),
    ],
)
def test_message_links_from_this_server(link: str, expected: tuple[int, int]) -> None:
    assert parse_message_link(link, G) == expected


@pytest.mark.parametrize(
    ("link", "needle"),
    [
        ("hello", "doesn't look like a message link"),
        ("https://example.com/channels/42/1/2", "doesn't look like a message link"),
        (
            "https://discord.com/channels/999999999999999999/123456789012345678/223456789012345678",
            "from somewhere else",
        ),
        (
            "https://discord.com/channels/@me/123456789012345678/223456789012345678",
            "from somewhere else",
        ),
    ],
)
def test_other_links_are_refused_kindly(link: str, needle: str) -> None:
    with pytest.raises(DomainError, match=needle):
        parse_message_link(link, G)
