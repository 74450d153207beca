"""Two processes, one shard each: what a welcome message shows comes from what was stored when
it was queued, never from the cache of the process that renders it (which may not hold the
guild). Shard 0's process also answers every DM button, so the flow in DMs needs the same."""

from __future__ import annotations

import discord
from sqlalchemy import select

from core.bot import AnyBot
from core.clock import ManualClock
from core.outbox import OutboundMessage
from fakediscord import FakeDiscord
from models.delivery import OutboxMessage
from services.welcome import BATCH_KIND, PURPOSE_BATCH, PURPOSE_DM, PURPOSE_INTRO, PURPOSE_PUBLIC
from tests.conftest import GUILD_ID, MOD_ID, BotFactory
from tests.welcome.test_flow import (
    DONE,
    MODAL,
    NEWBIE,
    PICK,
    PROF,
    cog_of,
    eventually,
    setup_guild,
)

SERVER = "Creator Fam"  # the fake guild's name
RAIDERS = (NEWBIE + 1, NEWBIE + 2)


async def queued(bot: AnyBot, purpose: str) -> list[OutboundMessage]:
    async with bot.db.read() as s:
        rows = await s.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id)
        )
        return [
            OutboundMessage(
                r.id, r.kind, r.target_id, r.guild_id, r.purpose, dict(r.payload), r.attempts
            )
            for r in rows
        ]


def description(embed: discord.Embed) -> str:
    return embed.description or ""


async def test_a_process_without_the_guild_in_its_cache_renders_the_real_names(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    own = (GUILD_ID >> 22) % 2
    holder = await bot_factory(clock=clock, shard_count=2, shard_ids=(own,))
    other = await bot_factory(clock=clock, shard_count=2, shard_ids=(1 - own,))
    assert holder.get_guild(GUILD_ID) is not None and other.get_guild(GUILD_ID) is None
    ids = await setup_guild(fake, holder)
    tuning = await fake.slash(GUILD_ID, MOD_ID, "welcome tuning", {"raid_joins": 2})
    await tuning.response()

    fake.add_member(GUILD_ID, NEWBIE, "Nova Creates")  # the join reaches the holder only
    await fake.wait_for(lambda: fake.dms(NEWBIE), message="welcome DM")
    renders = cog_of(other).renderers
    [dm] = await queued(holder, PURPOSE_DM)
    spec = await renders.render_dm(dm)
    assert spec.embeds[0].title == f"Welcome to {SERVER}"
    assert f"Welcome to **{SERVER}**" in description(spec.embeds[0])
    [public] = await queued(holder, PURPOSE_PUBLIC)
    spec = await renders.render_public(public)
    assert f"Welcome to **{SERVER}**" in (spec.content or "")

    for i, uid in enumerate(RAIDERS):  # a raid: the second raider waits for the batch post
        fake.add_member(GUILD_ID, uid, f"raider{i}")
    service = cog_of(holder).service

    async def raid_batched() -> bool:
        state = await service.state(GUILD_ID, RAIDERS[-1])
        return state is not None and state.public_state == "batched"

    await eventually(raid_batched, "the raid's batched welcome")
    clock.advance(seconds=31)
    await holder.deliveries.run(BATCH_KIND)
    [batch] = await queued(holder, PURPOSE_BATCH)
    spec = await renders.render_batch(batch)
    assert f"joined {SERVER}:" in description(spec.embeds[0])

    # The newcomer's DM buttons reach shard 0's process: the steps still name the server.
    await (await fake.click(NEWBIE, PICK, values=["CozyGamerTok"])).response()
    step = fake.dms(NEWBIE)[0]
    assert step["embeds"][0]["title"] == f"Welcome to {SERVER}"
    await (await fake.click(NEWBIE, PROF)).response()
    await (await fake.submit_modal(NEWBIE, MODAL, {"handle": "@newbie.plays"})).response()
    done = await fake.click(NEWBIE, DONE)
    await done.response()
    # ...and the process that answered (without the guild in its cache) still gives the roles
    await fake.wait_for(
        lambda: {ids["niche_role"], ids["autorole"]} <= set(fake.member_roles(GUILD_ID, NEWBIE)),
        message="niche role and autorole given over REST",
    )
    assert "couldn't give you" not in str(fake.dms(NEWBIE)[0])
    intro = await fake.wait_for(
        lambda: [m for m in fake.messages(ids["welcome"]) if "newest" in m["content"]],
        message="introduction posted (by the holder's outbox)",
    )
    assert intro[0]["embeds"][0]["title"] == "Meet Nova Creates"
    [queued_intro] = await queued(holder, PURPOSE_INTRO)
    assert queued_intro.payload["display_name"] == "Nova Creates"
    assert queued_intro.payload["niches"] == ["CozyGamerTok"]
    spec = await renders.render_intro(queued_intro)
    assert spec.embeds[0].title == "Meet Nova Creates"
