"""**Start onboarding** on someone else's welcome: a member who is already set up is told,
privately and kindly, whom the button is for and how to update their own profile; the
newcomer (and a member who never onboarded) still walks the flow."""

from __future__ import annotations

from typing import Any

from core.clock import ManualClock
from fakediscord import FakeDiscord
from services.container import Services
from services.welcome import BATCH_KIND, copy_text
from tests.conftest import ALICE_ID, GUILD_ID, MOD_ID, BotFactory
from tests.welcome.test_flow import (
    DONE,
    MODAL,
    NEWBIE,
    PICK,
    PROF,
    cog_of,
    custom_ids,
    eventually,
    setup_guild,
)

START = f"mutuals:wel:start:{GUILD_ID}:s"
SERVER_PICK = f"mutuals:wel:pick:{GUILD_ID}:s"
VETERAN = NEWBIE + 50  # joined and finished onboarding earlier


def intros(fake: FakeDiscord, channel_id: int) -> list[dict[str, Any]]:
    return [m for m in fake.messages(channel_id) if "newest" in m["content"]]


async def test_start_onboarding_on_a_newcomers_welcome_is_for_the_newcomer(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(clock=clock)
    ids = await setup_guild(fake, bot)  # Alice has a creator profile (/profile set) already
    service = cog_of(bot).service

    fake.add_member(GUILD_ID, VETERAN, "vet_val")  # onboarded the usual way, by DM
    await fake.wait_for(lambda: fake.dms(VETERAN), message="the veteran's welcome DM")
    await (await fake.click(VETERAN, PICK, values=["CozyGamerTok"])).response()
    await (await fake.click(VETERAN, PROF)).response()
    await (await fake.submit_modal(VETERAN, MODAL, {"handle": "vet.val"})).response()
    await (await fake.click(VETERAN, DONE)).response()
    await fake.wait_for(lambda: len(intros(fake, ids["welcome"])) == 1, message="vet's intro")

    clock.advance(days=3)
    fake.add_member(GUILD_ID, NEWBIE, "new_nia")

    async def welcome_recorded() -> bool:
        return await service.public_post(GUILD_ID, NEWBIE) is not None

    [post] = await fake.wait_for(
        lambda: [
            m
            for m in fake.messages(ids["welcome"])
            if f"<@{NEWBIE}>" in m["content"] and custom_ids(m)
        ],
        message="the newcomer's public welcome",
    )
    await eventually(welcome_recorded, "the newcomer's welcome recorded")
    kind_word = copy_text("not_your_welcome", newcomer=f"<@{NEWBIE}>")
    for old_member in (ALICE_ID, VETERAN):
        h = await fake.click(old_member, START, message_id=int(post["id"]))
        await h.response()
        assert h.ephemeral and h.content == kind_word, h.content
        assert "/profile set" in (h.content or "") and not custom_ids(h.message or {})
    assert await service.state(GUILD_ID, ALICE_ID) is None  # no onboarding started for Alice
    assert len(intros(fake, ids["welcome"])) == 1  # nobody re-introduced as "our newest"

    mine = await fake.click(NEWBIE, START, message_id=int(post["id"]))  # the newcomer: their flow
    await mine.response()
    assert mine.ephemeral and SERVER_PICK in custom_ids(mine.message or {})
    state = await service.state(GUILD_ID, NEWBIE)
    assert state is not None and state.status == "started"


async def test_start_onboarding_on_a_raid_batch_post(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    """The batch post welcomes many: its raiders onboard from it; someone set up is told it's
    for the newcomers in that post; a member who never onboarded may still use it."""
    from tests.welcome.test_raid import (
        FIRST_RAIDER,
        SMALL_THRESHOLD,
        batch_posts,
        deliveries_started,
        small_raid,
    )

    bot = await bot_factory(clock=clock, delivery_sweep_seconds=3600)
    await deliveries_started(bot)
    await bot.need(Services).profiles.update(GUILD_ID, ALICE_ID, handle="@alicebooks")
    welcome = await small_raid(fake, bot)
    clock.advance(seconds=31)
    await bot.deliveries.run(BATCH_KIND)
    [post] = await fake.wait_for(lambda: batch_posts(fake, welcome) or None, message="batch")
    assert START in custom_ids(post)

    alice = await fake.click(ALICE_ID, START, message_id=int(post["id"]))
    await alice.response()
    assert alice.ephemeral
    assert alice.content == copy_text("not_your_welcome", newcomer="the newcomers in that post")
    raider = FIRST_RAIDER + SMALL_THRESHOLD  # one of the batched newcomers
    theirs = await fake.click(raider, START, message_id=int(post["id"]))
    await theirs.response()
    assert theirs.ephemeral and SERVER_PICK in custom_ids(theirs.message or {})
    never = await fake.click(MOD_ID, START, message_id=int(post["id"]))
    await never.response()
    assert never.ephemeral and SERVER_PICK in custom_ids(never.message or {})
