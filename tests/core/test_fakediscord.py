"""Proves the fake Discord works with a *bare*, unmodified discord.py client.

Deliberately independent of the bot and of tests/conftest.py: if these pass, a failure in the
bot's own tests is the bot's (or its fixture's), not the fake's.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands

from fakediscord import FakeDiscord

APP_ID = 1300000000000000001
GUILD = 1310000000000000001
WELCOME = 1310000000000000101
OWNER = 1320000000000000001
ALICE = 1320000000000000002
BOB = 1320000000000000003


class PressView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Press", custom_id="press")
    async def press(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content=f"pressed by {interaction.user.id}")


class NameModal(discord.ui.Modal, title="Your name"):
    name: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Name", custom_id="name")

    def __init__(self) -> None:
        super().__init__(custom_id="form")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"hi {self.name.value}", ephemeral=True)


class LabelModal(discord.ui.Modal, title="Profile"):
    """2.6+ style modal: Label wrapping a text input and a select."""

    handle: discord.ui.Label[Any] = discord.ui.Label(
        text="Handle", component=discord.ui.TextInput(custom_id="handle")
    )
    niche: discord.ui.Label[Any] = discord.ui.Label(
        text="Niche",
        component=discord.ui.Select(
            custom_id="niche_sel",
            options=[discord.SelectOption(label=n, value=n) for n in ("books", "food")],
        ),
    )

    def __init__(self) -> None:
        super().__init__(custom_id="profile_form")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        text = self.handle.component
        select = self.niche.component
        assert isinstance(text, discord.ui.TextInput) and isinstance(select, discord.ui.Select)
        await interaction.response.send_message(f"{text.value}:{','.join(select.values)}")


class WhoModal(discord.ui.Modal, title="Who?"):
    """A member picker in a form: Discord sends the picked members resolved, as for a message."""

    who: discord.ui.Label[Any] = discord.ui.Label(
        text="Who", component=discord.ui.UserSelect(custom_id="who_sel", required=True)
    )

    def __init__(self) -> None:
        super().__init__(custom_id="who_form")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        select = self.who.component
        assert isinstance(select, discord.ui.UserSelect)
        picked = select.values[0]
        await interaction.response.send_message(f"{type(picked).__name__}:{picked.name}")


class PickView(discord.ui.View):
    @discord.ui.select(
        custom_id="pick", options=[discord.SelectOption(label=n) for n in ("a", "b", "c")]
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await interaction.response.send_message(f"picked {'+'.join(select.values)}")

    @discord.ui.button(label="DM me", custom_id="dm_btn")
    async def dm_btn(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        where = "dm" if interaction.guild is None else "guild"
        await interaction.response.send_message(f"{where} {interaction.user.id}")


class BareClient(discord.Client):
    """Minimal client: a /ping, a /slow (defer + followup), a button and a modal."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = True
        super().__init__(intents=intents, guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.joined: list[int] = []
        self.updated: list[tuple[bool, bool]] = []
        self.automod: list[tuple[str, discord.AutoModRule]] = []

        @self.tree.command(name="ping", description="Ping")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @self.tree.command(name="slow", description="Defer then follow up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("done", ephemeral=True)

        @self.tree.command(name="buttons", description="Show a button")
        async def buttons(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("press it", view=PressView())

        @self.tree.command(name="form", description="Open a modal")
        async def form(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(NameModal())

        @self.tree.command(name="whois", description="Describe a member")
        @app_commands.describe(member="who", loud="shout?")
        async def whois(
            interaction: discord.Interaction, member: discord.Member, loud: bool = False
        ) -> None:
            text = f"{member.name} roles={len(member.roles)}"
            await interaction.response.send_message(text.upper() if loud else text)

        async def niche_autocomplete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            names = ["beauty", "books", "cooking", "comedy"]
            return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

        @self.tree.command(name="niche", description="Pick a niche")
        @app_commands.autocomplete(niche=niche_autocomplete)
        async def niche(interaction: discord.Interaction, niche: str) -> None:
            await interaction.response.send_message(niche)

        @self.tree.command(name="profile", description="Open the label modal")
        async def profile(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(LabelModal())

        @self.tree.command(name="who", description="Open the member picker modal")
        async def who(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(WhoModal())

        @self.tree.command(name="pick", description="Show a select")
        async def pick(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pick one", view=PickView(), ephemeral=True)

        @self.tree.command(name="report", description="Files through interactions")
        async def report(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            csv = discord.File(io.BytesIO(b"a,b\n"), "report.csv")
            await interaction.edit_original_response(content="ready", attachments=[csv])
            await interaction.followup.send(file=discord.File(io.BytesIO(b"xyz"), "more.txt"))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # the default sleeps 5 s before each re-IDENTIFY

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.joined.append(guild.id)

    async def on_member_join(self, member: discord.Member) -> None:
        self.joined.append(member.id)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        self.updated.append((before.pending, after.pending))

    async def on_automod_rule_create(self, rule: discord.AutoModRule) -> None:
        self.automod.append(("create", rule))

    async def on_automod_rule_update(self, rule: discord.AutoModRule) -> None:
        self.automod.append(("update", rule))

    async def on_automod_rule_delete(self, rule: discord.AutoModRule) -> None:
        self.automod.append(("delete", rule))


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    f = FakeDiscord(app_id=APP_ID, bot_name="Mutuals")
    f.add_guild(GUILD, name="Creators", owner_id=OWNER)
    f.add_channel(GUILD, WELCOME, name="welcome")
    f.add_member(GUILD, ALICE, "alice")
    await f.start()
    undo = f.patch_client()
    try:
        yield f
    finally:
        await f.stop()
        undo()


@pytest.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[BareClient]:
    c = BareClient()
    task = asyncio.create_task(c.start("fake-token"))
    try:
        await fake.wait_ready(10)
        await asyncio.wait_for(c.wait_until_ready(), 10)
        await c.tree.sync()
        yield c
    finally:
        await c.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


async def test_connect_ready_and_guild_cache(fake: FakeDiscord, client: BareClient) -> None:
    assert client.user is not None and client.user.id == APP_ID
    assert client.application_id == APP_ID
    guild = client.get_guild(GUILD)
    assert guild is not None and guild.name == "Creators"
    assert guild.chunked and guild.member_count == len(guild.members) == 3  # bot, owner, alice
    assert guild.get_member(ALICE) is not None
    assert guild.get_channel(WELCOME) is not None
    assert guild.default_role.id == GUILD
    assert guild.me.guild_permissions.manage_roles
    assert {c["name"] for c in fake.commands} >= {"ping", "slow", "buttons", "form"}
    fake.assert_no_unhandled()


async def test_member_events(fake: FakeDiscord, client: BareClient) -> None:
    fake.add_member(GUILD, BOB, "bob", pending=True)
    await fake.wait_for(lambda: BOB in client.joined)
    guild = client.get_guild(GUILD)
    assert guild is not None and guild.member_count == 4
    fake.update_member(GUILD, BOB, pending=False)
    await fake.wait_for(lambda: (True, False) in client.updated)


async def test_slash_response(fake: FakeDiscord, client: BareClient) -> None:
    h = await fake.slash(GUILD, ALICE, "ping")
    resp = await h.response(timeout=5)
    assert resp["type"] == 4 and resp["data"]["content"] == "pong"
    assert h.content == "pong" and not h.ephemeral
    assert fake.messages(WELCOME, include_interactions=True)[-1]["content"] == "pong"


async def test_slash_with_member_option_and_autocomplete(
    fake: FakeDiscord, client: BareClient
) -> None:
    h = await fake.slash(GUILD, OWNER, "whois", {"member": fake.user_option(ALICE), "loud": True})
    await h.response()
    assert h.content == "ALICE ROLES=1"  # @everyone only
    ac = await fake.autocomplete(GUILD, ALICE, "niche", {"niche": "co"}, focused="niche")
    await ac.response()
    assert [c["value"] for c in ac.choices] == ["cooking", "comedy"]


async def test_defer_and_followup(fake: FakeDiscord, client: BareClient) -> None:
    h = await fake.slash(GUILD, ALICE, "slow")
    resp = await h.response()
    assert resp["type"] == 5
    follow = await h.wait_followup(timeout=5)
    assert follow["content"] == "done"
    assert h.ephemeral


async def test_click_button_on_bot_message(fake: FakeDiscord, client: BareClient) -> None:
    h = await fake.slash(GUILD, ALICE, "buttons")
    await h.response()
    assert h.message is not None
    click = await fake.click(ALICE, "press")
    resp = await click.response()
    assert resp["type"] == 7
    assert fake.get_message(int(h.message["id"]))["content"] == f"pressed by {ALICE}"  # type: ignore[index]


async def test_modal_submit(fake: FakeDiscord, client: BareClient) -> None:
    h = await fake.slash(GUILD, ALICE, "form")
    resp = await h.response()
    assert resp["type"] == 9 and h.modal is not None and h.modal["custom_id"] == "form"
    sub = await fake.submit_modal(ALICE, "form", {"name": "Ann"})
    await sub.response()
    assert sub.content == "hi Ann" and sub.ephemeral


async def test_dm_to_closed_user_raises_forbidden(fake: FakeDiscord, client: BareClient) -> None:
    user = await client.fetch_user(ALICE)
    await user.send("welcome!")
    assert [m["content"] for m in fake.dms(ALICE)] == ["welcome!"]
    fake.close_dms(ALICE)
    with pytest.raises(discord.Forbidden) as exc:
        await user.send("again")
    assert exc.value.code == 50007
    assert len(fake.dms(ALICE)) == 1


async def test_injected_429_is_retried(fake: FakeDiscord, client: BareClient) -> None:
    channel = client.get_channel(WELCOME)
    assert isinstance(channel, discord.TextChannel)
    fake.fail_next("POST", r"^/channels/\d+/messages$", 429, retry_after=0.05)
    msg = await channel.send("hello")
    assert msg.content == "hello"
    posts = fake.requests_to("POST", r"^/channels/\d+/messages$")
    assert [r.status for r in posts] == [429, 200]
    assert [m["content"] for m in fake.messages(WELCOME)] == ["hello"]


async def test_drop_gateway_resumes_and_still_answers(
    fake: FakeDiscord, client: BareClient
) -> None:
    await fake.drop_gateway(code=4000)
    await fake.wait_for(lambda: fake.resumes == 1 and fake.connected, timeout=10)
    assert fake.identifies == 1
    h = await fake.slash(GUILD, ALICE, "ping")
    assert (await h.response())["data"]["content"] == "pong"


async def test_drop_gateway_invalidated_forces_identify(
    fake: FakeDiscord, client: BareClient
) -> None:
    await fake.drop_gateway(code=4000, invalidate=True)
    await fake.wait_for(lambda: fake.identifies == 2 and fake.connected, timeout=10)
    h = await fake.slash(GUILD, ALICE, "ping")
    assert (await h.response())["data"]["content"] == "pong"


async def test_unknown_route_recorded(fake: FakeDiscord, client: BareClient) -> None:
    route = discord.http.Route("GET", "/guilds/{guild_id}/emojis", guild_id=GUILD)
    with pytest.raises(discord.NotFound):
        await client.http.request(route)
    assert fake.unhandled == [("GET", f"/guilds/{GUILD}/emojis")]
    with pytest.raises(AssertionError):
        fake.assert_no_unhandled()


async def test_message_over_2000_chars_is_rejected(fake: FakeDiscord, client: BareClient) -> None:
    channel = client.get_channel(WELCOME)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as exc:
        await channel.send("x" * 2001)
    assert exc.value.status == 400 and exc.value.code == 50035
    assert len(fake.limit_violations) == 1
    assert fake.limit_violations[0].problems[0][0] == "content"
    assert fake.messages(WELCOME) == []


async def test_role_assignment_and_hierarchy(fake: FakeDiscord, client: BareClient) -> None:
    low = fake.add_role(GUILD, name="creator")
    high = fake.add_role(GUILD, name="boss", position=2000)
    guild = client.get_guild(GUILD)
    assert guild is not None
    await fake.wait_for(lambda: guild.get_role(high) is not None)
    member = guild.get_member(ALICE)
    assert member is not None
    await member.add_roles(discord.Object(low))
    assert fake.member_roles(GUILD, ALICE) == [low]
    assert fake.role_assignments == [("add", GUILD, ALICE, low)]
    with pytest.raises(discord.Forbidden):
        await member.add_roles(discord.Object(high))


async def test_allowed_mentions_recorded(fake: FakeDiscord, client: BareClient) -> None:
    channel = client.get_channel(WELCOME)
    assert isinstance(channel, discord.TextChannel)
    await channel.send(f"hi <@{ALICE}>", allowed_mentions=discord.AllowedMentions.none())
    await channel.send(f"hi <@{ALICE}>")
    quiet, loud = fake.messages(WELCOME)
    assert quiet["pinged_user_ids"] == [] and loud["pinged_user_ids"] == [ALICE]


async def test_label_modal_and_select_click(fake: FakeDiscord, client: BareClient) -> None:
    h = await fake.slash(GUILD, ALICE, "profile")
    await h.response()
    assert h.modal is not None and h.modal["components"][0]["type"] == 18
    sub = await fake.submit_modal(ALICE, "profile_form", {"handle": "@ann", "niche_sel": ["food"]})
    await sub.response()
    assert sub.content == "@ann:food"
    with pytest.raises(KeyError):
        await fake.submit_modal(ALICE, "profile_form", {"nope": "x"})

    w = await fake.slash(GUILD, ALICE, "who")
    await w.response()
    sub = await fake.submit_modal(ALICE, "who_form", {"who_sel": [ALICE]})
    await sub.response()
    assert sub.content == "Member:alice"  # resolved, not the bare id

    p = await fake.slash(GUILD, ALICE, "pick")
    await p.response()
    assert p.ephemeral
    sel = await fake.click(ALICE, "pick", values=["a", "c"])
    await sel.response()
    assert sel.content == "picked a+c"


async def test_dm_click_carries_user(fake: FakeDiscord, client: BareClient) -> None:
    user = await client.fetch_user(ALICE)
    dm_msg = await user.send("choose", view=PickView())
    h = await fake.click(ALICE, "dm_btn", message_id=dm_msg.id)
    await h.response()
    assert "user" in h.payload and "member" not in h.payload
    assert h.content == f"dm {ALICE}"


async def test_guild_added_after_ready(fake: FakeDiscord, client: BareClient) -> None:
    other = 1310000000000000009
    fake.add_guild(other, name="Late", owner_id=OWNER)
    await fake.wait_for(lambda: other in client.joined)
    guild = client.get_guild(other)
    assert guild is not None and guild.name == "Late"


async def test_threads_and_files(fake: FakeDiscord, client: BareClient) -> None:
    channel = client.get_channel(WELCOME)
    assert isinstance(channel, discord.TextChannel)
    msg = await channel.send("intro", file=discord.File(io.BytesIO(b"hello"), "intro.txt"))
    assert msg.attachments[0].filename == "intro.txt" and msg.attachments[0].size == 5
    assert fake.requests[-1].files == [("intro.txt", 5)]
    thread = await msg.create_thread(name="intro-chat")
    assert thread.id == msg.id and thread.parent_id == WELCOME
    await thread.add_user(discord.Object(ALICE))
    private = await channel.create_thread(name="mods", type=discord.ChannelType.private_thread)
    assert private.type is discord.ChannelType.private_thread
    await private.send("in thread")
    assert [m["content"] for m in fake.messages(private.id)] == ["in thread"]
    assert ALICE in fake.channels[thread.id].thread_members
    fake.assert_no_unhandled()


async def test_large_guild_is_chunked_on_connect(fake: FakeDiscord) -> None:
    for i in range(300):
        fake.add_member(GUILD, 1330000000000000000 + i, f"m{i}", dispatch=False)
    c = BareClient()
    task = asyncio.create_task(c.start("fake-token"))
    try:
        await asyncio.wait_for(c.wait_until_ready(), 10)
        guild = c.get_guild(GUILD)
        assert guild is not None and guild.chunked and len(guild.members) == 303
    finally:
        await c.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


async def test_without_members_intent(fake: FakeDiscord) -> None:
    c = BareClient()
    c._connection._intents.members = False
    c._connection._chunk_guilds = False
    task = asyncio.create_task(c.start("fake-token"))
    try:
        await asyncio.wait_for(c.wait_until_ready(), 10)
        guild = c.get_guild(GUILD)
        assert guild is not None and guild.member_count == 3 and len(guild.members) == 1
        fake.add_member(GUILD, BOB, "bob")
        assert fake.filtered_events[-1][0] == "GUILD_MEMBER_ADD"
    finally:
        await c.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


async def test_privileged_intent_not_enabled(fake: FakeDiscord) -> None:
    fake.privileged_intents = 0
    c = BareClient()
    try:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(c.start("fake-token"), 10)
    finally:
        await c.close()


async def test_late_response_gets_unknown_interaction(
    fake: FakeDiscord, client: BareClient
) -> None:
    fake.interaction_deadline = 0.0
    h = await fake.slash(GUILD, ALICE, "ping")
    await fake.wait_for(lambda: fake.late_interactions)
    with pytest.raises(TimeoutError, match="deadline"):
        await h.response(timeout=0.2)


async def test_defer_edit_original_and_followup_files(
    fake: FakeDiscord, client: BareClient
) -> None:
    h = await fake.slash(GUILD, ALICE, "report")
    assert (await h.response())["type"] == 5
    follow = await h.wait_followup()
    assert h.edits[0]["content"] == "ready"
    assert h.content == "ready" and h.message is not None
    assert [a["filename"] for a in h.message["attachments"]] == ["report.csv"]
    assert h.message["flags"] & (1 << 7) == 0  # no longer "thinking"
    assert [(a["filename"], a["size"]) for a in follow["attachments"]] == [("more.txt", 3)]


async def test_automod_rules_over_rest_parse_like_discords(
    fake: FakeDiscord, client: BareClient
) -> None:
    keyword = fake.add_automod_rule(
        GUILD,
        "No spoilers",
        keywords=["spoiler*", "*leak*"],
        regex_patterns=[r"ep(isode)?\s*\d+"],
        allow_list=["spoiler alert"],
        exempt_roles=[GUILD],
    )
    preset = fake.add_automod_rule(
        GUILD, "Presets", trigger_type=4, presets=[1, 3], allow_list=["scunthorpe"]
    )
    guild = client.get_guild(GUILD)
    assert guild is not None
    rules = await guild.fetch_automod_rules()
    assert [r.id for r in rules] == [keyword, preset]
    first = rules[0]
    assert first.name == "No spoilers" and first.enabled and first.creator_id == OWNER
    assert first.trigger.type is discord.AutoModRuleTriggerType.keyword
    assert first.trigger.keyword_filter == ["spoiler*", "*leak*"]
    assert first.trigger.regex_patterns == [r"ep(isode)?\s*\d+"]
    assert first.trigger.allow_list == ["spoiler alert"]
    assert first.event_type is discord.AutoModRuleEventType.message_send
    assert first.exempt_role_ids == {GUILD}
    assert [a.type for a in first.actions] == [discord.AutoModRuleActionType.block_message]
    second = await guild.fetch_automod_rule(preset)
    assert second.trigger.presets.profanity and second.trigger.presets.slurs
    assert not second.trigger.presets.sexual_content
    with pytest.raises(discord.NotFound):
        await guild.fetch_automod_rule(12345)
    fake.assert_no_unhandled()


async def test_automod_rule_events(fake: FakeDiscord, client: BareClient) -> None:
    rule_id = fake.add_automod_rule(GUILD, "Scams", keywords=["free nitro"])
    await fake.wait_for(lambda: len(client.automod) == 1)
    fake.update_automod_rule(GUILD, rule_id, keywords=["free nitro", "*airdrop*"], enabled=False)
    await fake.wait_for(lambda: len(client.automod) == 2)
    fake.delete_automod_rule(GUILD, rule_id)
    await fake.wait_for(lambda: len(client.automod) == 3)
    kinds = [(kind, rule.id) for kind, rule in client.automod]
    assert kinds == [("create", rule_id), ("update", rule_id), ("delete", rule_id)]
    updated = client.automod[1][1]
    assert updated.trigger.keyword_filter == ["free nitro", "*airdrop*"] and not updated.enabled
    assert fake.automod_rules(GUILD) == []


async def test_automod_needs_manage_server(fake: FakeDiscord, client: BareClient) -> None:
    """Without Manage Server the rules answer 403 50013 and their events aren't sent."""
    guild = client.get_guild(GUILD)
    assert guild is not None and guild.me.guild_permissions.manage_guild
    fake.set_bot_permissions(GUILD, discord.Permissions(send_messages=True).value)
    await fake.wait_for(lambda: not guild.me.guild_permissions.manage_guild)
    with pytest.raises(discord.Forbidden) as exc:
        await guild.fetch_automod_rules()
    assert exc.value.status == 403 and exc.value.code == 50013
    fake.add_automod_rule(GUILD, "Hidden", keywords=["x"])
    assert fake.filtered_events[-1][0] == "AUTO_MODERATION_RULE_CREATE"
    assert client.automod == []


async def test_automod_events_need_the_intent(fake: FakeDiscord) -> None:
    c = BareClient()
    c._connection._intents.auto_moderation_configuration = False
    task = asyncio.create_task(c.start("fake-token"))
    try:
        await asyncio.wait_for(c.wait_until_ready(), 10)
        fake.add_automod_rule(GUILD, "Quiet", keywords=["x"])
        assert fake.filtered_events[-1][0] == "AUTO_MODERATION_RULE_CREATE"
    finally:
        await c.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


async def test_a_fake_that_remembers_little_forgets_the_oldest(
    fake: FakeDiscord, client: BareClient
) -> None:
    """Benchmarks cap what the fake keeps; the newest messages, requests and interactions
    stay usable (a callback still finds its interaction by token)."""
    fake.remember = 3
    handles = []
    for _ in range(10):
        h = await fake.slash(GUILD, ALICE, "ping")
        await h.response(timeout=5)
        handles.append(h)
    kept = fake.messages(WELCOME, include_interactions=True)
    assert 3 <= len(kept) < 6 and kept[-1]["content"] == "pong"
    assert 3 <= len(fake.requests) < 6
    assert handles[-1].id in fake.interactions
    assert handles[0].id not in fake.interactions
