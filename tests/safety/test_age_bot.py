"""Age groups end to end: the real bot against the fake Discord, on SQLite and PostgreSQL.
Moderators' /safety (hidden from members, refused at run time, switched off only with the 18+
confirmation), the age answer seen by moderators only, collab rounds and suggestions that never
mix adults with members not confirmed adult (200 members, 30 of them young), the private note
to a member alone in their group, and onboarding that asks once and invites the newcomer's own
group."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert

from core.clock import ManualClock
from fakediscord import FakeDiscord
from fakediscord.handles import InteractionHandle
from models.collabs import CollabMember
from models.profile import CreatorProfile
from models.safety import MemberAge
from services.container import Services
from services.safety import ADULT, MINOR, UNSAID
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, MOD_ID, BotFactory

COLLABS_ID = 3_000_000_000_000_000_077
WELCOME_ID = 3_000_000_000_000_000_078
ADULT_ROLE = 4_000_000_000_000_000_018
CARA_ID = 2_000_000_000_000_000_044
NEWBIE = 2_000_000_000_000_000_100
CROWD = 2_100_000_000_000_000_000  # the 200 members of the big round: CROWD + i


async def _answer(handle: InteractionHandle) -> str:
    """What the member reads: the reply, a followup after a defer, or an updated message."""
    resp = await handle.response()
    if resp["type"] == 5:
        await handle.wait_followup(timeout=30, index=0)
    if handle.followups:
        return str(handle.followups[-1].get("content") or "")
    data = resp.get("data") or {}
    if resp["type"] == 7:
        return str(data.get("content") or "")
    return str(handle.content or data.get("content") or "")


def _buttons(handle: InteractionHandle) -> dict[str, str]:
    """The buttons of a reply: label → custom id."""
    resp = handle.response_nowait() or {}
    rows = (resp.get("data") or {}).get("components") or []
    return {c["label"]: c["custom_id"] for row in rows for c in row["components"]}


def _all_text(msg: dict[str, Any]) -> str:
    parts = [str(msg.get("content") or "")]
    for embed in msg.get("embeds") or []:
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields") or []]
    return "\n".join(parts)


def _mixed(groups: Iterable[tuple[int, ...]], adults: set[int]) -> list[tuple[int, ...]]:
    return [g for g in groups if len({u in adults for u in g}) > 1]


async def _setup_rounds(fake: FakeDiscord) -> None:
    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "collab-rounds setup",
        {
            "channel": fake.channel_option(COLLABS_ID),
            "frequency": "weekly",
            "day": "wed",
            "time": "18:00",
            "timezone": "UTC",
        },
    )
    assert "every Wed" in await _answer(h)


async def _adult_role(fake: FakeDiscord) -> None:
    h = await fake.slash(
        GUILD_ID, MOD_ID, "safety adult-role", {"role": fake.role_option(ADULT_ROLE)}
    )
    text = await _answer(h)
    assert h.ephemeral and f"<@&{ADULT_ROLE}> is the 18+ role" in text, text


# ---------------------------------------------------------------- moderators' settings


async def test_safety_is_for_moderators_and_switching_off_needs_the_18_plus_confirmation(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory()
    ages = bot.need(Services).age_groups
    synced = {c["name"]: c for c in fake.guild_commands[GUILD_ID]}
    assert int(synced["safety"]["default_member_permissions"]) == 1 << 5
    assert {o["name"] for o in synced["safety"]["options"]} == {
        "show",
        "age-groups",
        "adult-role",
        "adults-by",
    }
    assert not fake.command_visible_to(GUILD_ID, ALICE_ID, "safety")
    assert fake.command_visible_to(GUILD_ID, MOD_ID, "safety")
    for sub, options in [
        ("show", {}),
        ("age-groups", {"mode": "off"}),
        ("adult-role", {}),
        ("adults-by", {"counted_by": "said"}),
    ]:  # Discord hides it, and a member who calls it anyway is refused
        h = await fake.slash(GUILD_ID, ALICE_ID, f"safety {sub}", options)
        assert "moderators only" in await _answer(h) and h.ephemeral
    assert (await ages.settings(GUILD_ID)).separate

    h = await fake.slash(GUILD_ID, MOD_ID, "safety show")
    await h.response()
    [embed] = h.embeds
    assert embed["description"].startswith("**On.**") and h.ephemeral
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Who counts as an adult"] == "the 18+ role, or their own answer"
    assert fields["18+ role"] == "none named"

    ask = await fake.slash(GUILD_ID, MOD_ID, "safety age-groups", {"mode": "off"})
    text = await _answer(ask)
    assert "Only do this if **Creator Fam** is 18+ only" in text and ask.ephemeral
    assert (await ages.settings(GUILD_ID)).separate  # nothing changes before confirming
    buttons = _buttons(ask)
    assert set(buttons) == {"Yes, this server is 18+ only", "Keep them on"}
    stranger = await fake.click(
        ALICE_ID, buttons["Yes, this server is 18+ only"], guild_id=GUILD_ID
    )
    assert "isn't yours" in await _answer(stranger)
    keep = await fake.click(MOD_ID, buttons["Keep them on"], guild_id=GUILD_ID)
    assert "Age groups stay on" in await _answer(keep)
    assert (await ages.settings(GUILD_ID)).separate

    # a member who says they're 13-17 makes the server not 18+ only: refused, no button
    h = await fake.slash(GUILD_ID, BOB_ID, "profile set", {"age": MINOR})
    assert "only moderators can see it" in await _answer(h)
    refused = await fake.slash(GUILD_ID, MOD_ID, "safety age-groups", {"mode": "off"})
    assert "1 member told me they're 13 to 17" in await _answer(refused)
    assert not _buttons(refused) and (await ages.settings(GUILD_ID)).separate

    await (await fake.slash(GUILD_ID, BOB_ID, "profile set", {"age": ADULT})).response()
    ask = await fake.slash(GUILD_ID, MOD_ID, "safety age-groups", {"mode": "off"})
    await ask.response()
    # between the question and the answer, Alice says she's 13 to 17: checked again, refused
    await (await fake.slash(GUILD_ID, ALICE_ID, "profile set", {"age": MINOR})).response()
    late = await fake.click(
        MOD_ID, _buttons(ask)["Yes, this server is 18+ only"], guild_id=GUILD_ID
    )
    assert "1 member told me they're 13 to 17" in await _answer(late)
    assert (await ages.settings(GUILD_ID)).separate

    await (await fake.slash(GUILD_ID, ALICE_ID, "profile set", {"age": UNSAID})).response()
    ask = await fake.slash(GUILD_ID, MOD_ID, "safety age-groups", {"mode": "off"})
    await ask.response()
    yes = await fake.click(MOD_ID, _buttons(ask)["Yes, this server is 18+ only"], guild_id=GUILD_ID)
    assert "Age groups are off" in await _answer(yes)
    cfg = await ages.settings(GUILD_ID)
    assert not cfg.separate and cfg.adults_only_by == MOD_ID
    h = await fake.slash(GUILD_ID, MOD_ID, "safety show")
    await h.response()
    assert h.embeds[0]["description"].startswith("**Off.**")
    assert f"<@{MOD_ID}>" in h.embeds[0]["description"]

    h = await fake.slash(GUILD_ID, MOD_ID, "safety age-groups", {"mode": "on"})
    assert "back on" in await _answer(h)
    assert (await ages.settings(GUILD_ID)).separate

    # who counts: the role only needs a role; @everyone is never the 18+ role
    h = await fake.slash(GUILD_ID, MOD_ID, "safety adults-by", {"counted_by": "role"})
    assert "Name the 18+ role first" in await _answer(h)
    h = await fake.slash(
        GUILD_ID, MOD_ID, "safety adult-role", {"role": fake.role_option(GUILD_ID)}
    )
    assert "@everyone can't be the 18+ role" in await _answer(h)
    assert all(not m.get("pinged_user_ids") for m in fake.messages(COLLABS_ID))


# ---------------------------------------------------------------- the answer, moderators only


async def test_the_age_answer_is_seen_by_moderators_only_and_erased_with_the_profile(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_role(GUILD_ID, ADULT_ROLE, "18+")
    bot = await bot_factory()
    ages = bot.need(Services).age_groups
    h = await fake.slash(GUILD_ID, ALICE_ID, "profile set", {"handle": "@alice", "age": ADULT})
    text = await _answer(h)
    assert "Your age group is saved too: only moderators can see it." in text
    assert h.ephemeral and "18 or older" not in text + _all_text({"embeds": h.embeds})
    h = await fake.slash(GUILD_ID, BOB_ID, "profile set", {"handle": "@bob"})
    await h.response()

    own = await fake.slash(GUILD_ID, ALICE_ID, "profile show")
    await own.response()
    fields = {f["name"]: f["value"] for f in own.embeds[0]["fields"]}
    assert fields["Age group"] == "answered: only moderators can see it"
    other = await fake.slash(
        GUILD_ID, BOB_ID, "profile show", {"member": fake.member_option(ALICE_ID)}
    )
    await other.response()
    fields = {f["name"]: f["value"] for f in other.embeds[0]["fields"]}
    assert not any("Age" in name for name in fields)
    for handle in (own, other):
        assert "18 or older" not in _all_text({"embeds": handle.embeds})

    await _adult_role(fake)
    mod = await fake.slash(
        GUILD_ID, MOD_ID, "profile show", {"member": fake.member_option(ALICE_ID)}
    )
    await mod.response()
    fields = {f["name"]: f["value"] for f in mod.embeds[0]["fields"]}
    assert fields["Age group (moderators only)"] == (
        "said **18 or older** (profile) · doesn't hold the 18+ role · grouped with **adults**"
    )
    assert mod.ephemeral
    mod = await fake.slash(GUILD_ID, MOD_ID, "profile show", {"member": fake.member_option(BOB_ID)})
    await mod.response()
    fields = {f["name"]: f["value"] for f in mod.embeds[0]["fields"]}
    assert "grouped as **not confirmed adult**" in fields["Age group (moderators only)"]
    h = await fake.slash(GUILD_ID, BOB_ID, "profile show")
    await h.response()
    assert "not answered yet" in {f["name"]: f["value"] for f in h.embeds[0]["fields"]}["Age group"]

    delete = await fake.slash(GUILD_ID, ALICE_ID, "profile delete")
    await delete.response()
    yes = await fake.click(ALICE_ID, _buttons(delete)["Yes, erase my data"], guild_id=GUILD_ID)
    await yes.response()
    assert await ages.answer(GUILD_ID, ALICE_ID) is None
    assert await ages.answer(GUILD_ID, BOB_ID) is None  # Bob never answered

    h = await fake.slash(GUILD_ID, ALICE_ID, "profile set", {"age": "21"})
    refused = await _answer(h)
    assert "Pick from the list" in refused and h.ephemeral, refused
    assert await ages.answer(GUILD_ID, ALICE_ID) is None


# ---------------------------------------------------------------- collab rounds


async def test_a_round_of_200_with_30_not_confirmed_adult_never_mixes_and_matches_everyone(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    """170 adults (100 said 18+, 70 hold the 18+ role and never said) and 30 not confirmed
    (15 said 13-17, 10 rather not say, 5 never answered): every group of the round, and every
    private thread it opens, is of one age group, and all 200 are matched."""
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    fake.add_role(GUILD_ID, ADULT_ROLE, "18+")
    crowd = [CROWD + i for i in range(200)]
    said_adult, role_only, young = crowd[:100], crowd[100:170], crowd[170:]
    for uid in crowd:
        roles = [ADULT_ROLE] if uid in role_only else []
        fake.add_member(GUILD_ID, uid, f"creator{uid % 1000}", roles=roles, dispatch=False)
    clock = ManualClock()
    bot = await bot_factory(clock=clock)
    answers = {uid: ADULT for uid in said_adult}
    answers |= {uid: MINOR for uid in young[:15]} | {uid: UNSAID for uid in young[15:25]}
    now = clock.now()
    niches = ["PlantTok", "BookTok", "FoodTok", "HomeTok", "Gaming", "Beauty"]
    zones = ["America/New_York", "Europe/London", "Asia/Tokyo"]
    async with bot.db.write() as s:
        await s.execute(
            insert(CreatorProfile),
            [
                {
                    "guild_id": GUILD_ID,
                    "user_id": uid,
                    "tiktok_handle": f"c{i}",
                    "niches": [niches[i % 6]],
                    "timezone": zones[i % 3],
                    "follower_band": "1k-10k",
                    "created_at": now,
                    "updated_at": now,
                }
                for i, uid in enumerate(crowd)
            ],
        )
        await s.execute(
            insert(CollabMember),
            [
                {
                    "guild_id": GUILD_ID,
                    "user_id": uid,
                    "opted_in": True,
                    "formats": ["duet"],
                    "languages": ["English"],
                    "created_at": now,
                    "updated_at": now,
                }
                for uid in crowd
            ],
        )
        await s.execute(
            insert(MemberAge),
            [
                {
                    "guild_id": GUILD_ID,
                    "user_id": uid,
                    "answer": answer,
                    "source": "profile",
                    "answered_at": now,
                }
                for uid, answer in answers.items()
            ],
        )
    await _setup_rounds(fake)
    await _adult_role(fake)

    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    text = await _answer(h)
    assert "Round done! Matched **200 members**" in text, text
    assert "age group" not in text  # nobody was alone in their group
    rnd = await bot.need(Services).collabs.round_at(GUILD_ID, clock.now())
    assert rnd is not None and rnd.unplaced == () and rnd.members == 200
    adults = set(said_adult) | set(role_only)
    assert _mixed((g.members for g in rnd.groups), adults) == []
    young_groups = [g for g in rnd.groups if set(g.members) <= set(young)]
    assert sum(len(g.members) for g in young_groups) == 30  # the young are matched together

    def threads() -> list[Any]:
        return [c for c in fake.channels.values() if c.is_thread and c.parent_id == COLLABS_ID]

    def thread_members() -> list[tuple[int, ...]]:
        return [tuple(u for u in t.thread_members if u != fake.bot_user.id) for t in threads()]

    await fake.wait_for(lambda: sum(map(len, thread_members())) == 200, timeout=60)
    members = thread_members()
    assert len(members) == len(rnd.groups)
    assert sorted(u for m in members for u in m) == sorted(crowd)  # each in exactly one thread
    assert _mixed(members, adults) == []


async def test_a_member_alone_in_their_group_is_told_privately_and_suggestions_never_cross(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    fake.add_role(GUILD_ID, ADULT_ROLE, "18+")
    fake.add_member(GUILD_ID, CARA_ID, "cara", dispatch=False)
    clock = ManualClock()
    bot = await bot_factory(clock=clock)
    services = bot.need(Services)
    for i, uid in enumerate((ALICE_ID, BOB_ID, CARA_ID)):
        await services.profiles.update(
            GUILD_ID, uid, handle=f"creator{i}", niches=["PlantTok"], timezone="Europe/London"
        )
        await (await fake.slash(GUILD_ID, uid, "collab optin")).response()
    await (await fake.slash(GUILD_ID, ALICE_ID, "profile set", {"age": ADULT})).response()
    await (await fake.slash(GUILD_ID, CARA_ID, "profile set", {"age": MINOR})).response()
    await _setup_rounds(fake)
    await _adult_role(fake)

    # Bob never said: not confirmed adult, so Cara is his only match, and Alice's is nobody
    h = await fake.slash(GUILD_ID, ALICE_ID, "collab suggest")
    assert "Nobody in your age group is in collab rounds" in await _answer(h) and h.ephemeral
    h = await fake.slash(GUILD_ID, CARA_ID, "collab suggest")
    await h.response()
    shown = _all_text({"embeds": h.embeds})
    assert f"<@{BOB_ID}>" in shown and f"<@{ALICE_ID}>" not in shown

    # Bob gets the 18+ role: the cache says so at once, and he moves to the adults
    fake.update_member(GUILD_ID, BOB_ID, roles=[ADULT_ROLE])

    def bob_has_role() -> bool:
        guild = bot.get_guild(GUILD_ID)
        member = guild.get_member(BOB_ID) if guild else None
        return member is not None and member.get_role(ADULT_ROLE) is not None

    await fake.wait_for(bob_has_role)
    h = await fake.slash(GUILD_ID, ALICE_ID, "collab suggest")
    await h.response()
    shown = _all_text({"embeds": h.embeds})
    assert f"<@{BOB_ID}>" in shown and f"<@{CARA_ID}>" not in shown

    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    text = await _answer(h)
    assert "Matched **2 members**: 1 pair." in text, text
    assert "1 member had nobody else in their age group this round" in text
    assert "I've told each of them privately why." in text
    rnd = await services.collabs.round_at(GUILD_ID, clock.now())
    assert rnd is not None and rnd.reasons == {CARA_ID: "age"}
    assert [sorted(g.members) for g in rnd.groups] == [sorted([ALICE_ID, BOB_ID])]

    [note] = await fake.wait_for(lambda: fake.dms(CARA_ID))
    assert "No collab match for you in **Creator Fam** this round" in note["content"]
    assert "keep adults and members who aren't confirmed 18+ apart" in note["content"]
    await fake.wait_for(lambda: [c for c in fake.channels.values() if c.parent_id == COLLABS_ID])
    public = fake.messages(COLLABS_ID, include_interactions=True)
    assert public and all(
        "age group" not in _all_text(m) and "18" not in _all_text(m) for m in public
    )
    assert all(not fake.dms(uid) for uid in (ALICE_ID, BOB_ID))  # their intro is in a thread
    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds stats")
    await h.response()
    fields = {f["name"]: f["value"] for f in h.embeds[0]["fields"]}
    assert fields["Left out of rounds"].endswith("nobody in their age group: 1")


# ---------------------------------------------------------------- onboarding


def _custom_ids(msg: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in msg.get("components") or [] for c in row["components"]]


def _modal_fields(modal: dict[str, Any]) -> list[str]:
    out = []
    for c in modal.get("components") or []:
        inner = [c["component"]] if c.get("type") == 18 else c.get("components") or []
        out += [str(x.get("custom_id")) for x in inner]
    return out


async def test_onboarding_asks_the_age_group_once_and_the_intro_invites_the_own_group(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_channel(GUILD_ID, channel_id=WELCOME_ID, name="welcome")
    fake.add_role(GUILD_ID, ADULT_ROLE, "18+")
    fake.add_member(GUILD_ID, CARA_ID, "cara", dispatch=False)
    fake.update_member(GUILD_ID, BOB_ID, roles=[ADULT_ROLE])
    bot = await bot_factory()
    services = bot.need(Services)
    h = await fake.slash(
        GUILD_ID, MOD_ID, "welcome channel", {"channel": fake.channel_option(WELCOME_ID)}
    )
    await h.response()
    await _adult_role(fake)
    # three PlantTok members: Bob holds the 18+ role, Alice said 18+, Cara said 13 to 17
    for uid, handle in ((ALICE_ID, "@alice"), (BOB_ID, "@bob"), (CARA_ID, "@cara")):
        await services.profiles.update(GUILD_ID, uid, handle=handle, niches=["PlantTok"])
    await services.profiles.update(GUILD_ID, ALICE_ID, age=ADULT)
    await services.profiles.update(GUILD_ID, CARA_ID, age=MINOR)

    fake.add_member(GUILD_ID, NEWBIE, "newbie")
    await fake.wait_for(lambda: fake.dms(NEWBIE))
    pick = await fake.click(NEWBIE, f"mutuals:wel:pick:{GUILD_ID}:d", values=["PlantTok"])
    await pick.response()
    step = fake.dms(NEWBIE)[0]
    assert "asks your age group, just this once" in step["embeds"][0]["description"]
    assert "Only moderators can see your answer" in step["embeds"][0]["description"]

    prof = f"mutuals:wel:prof:{GUILD_ID}:d"
    opened = await fake.click(NEWBIE, prof)
    await opened.response()
    assert opened.modal is not None and "age" in _modal_fields(opened.modal)
    [label] = [c for c in opened.modal["components"] if c.get("type") == 18]
    assert label["label"] == "Your age group (only mods see it)"
    assert [o["label"] for o in label["component"]["options"]] == [
        "18 or older",
        "13 to 17",
        "I'd rather not say",
    ]
    modal_id = f"mutuals:wel:modal:{GUILD_ID}:d"
    sub = await fake.submit_modal(NEWBIE, modal_id, {"handle": "@newbie", "age": [MINOR]})
    assert (await sub.response())["type"] == 7
    answer = await services.age_groups.answer(GUILD_ID, NEWBIE)
    assert answer is not None and (answer.answer, answer.source) == (MINOR, "onboarding")
    norms = fake.dms(NEWBIE)[0]
    assert "18" not in _all_text(norms) and "13 to 17" not in _all_text(norms)

    again = await fake.click(NEWBIE, prof)  # editing the handle: the age isn't asked again
    await again.response()
    assert again.modal is not None and "age" not in _modal_fields(again.modal)
    sub = await fake.submit_modal(NEWBIE, modal_id, {"handle": "@newbie.grows"})
    await sub.response()
    assert (await services.age_groups.answer(GUILD_ID, NEWBIE)) == answer  # kept

    done = await fake.click(NEWBIE, f"mutuals:wel:done:{GUILD_ID}:d")
    await done.response()
    intro = await fake.wait_for(
        lambda: (
            [m for m in fake.messages(WELCOME_ID) if f"<@{NEWBIE}>" in m["content"]]
            and [m for m in fake.messages(WELCOME_ID) if "come say hi" in m["content"]]
        )
    )
    assert intro[0]["pinged_user_ids"] == [CARA_ID]  # never Alice (said 18+) nor Bob (role)
    assert f"<@{ALICE_ID}>" not in intro[0]["content"] and f"<@{BOB_ID}>" not in intro[0]["content"]
    assert all("13 to 17" not in _all_text(m) for m in fake.messages(WELCOME_ID))


async def test_while_the_member_list_is_loading_nobody_is_grouped_on_a_guess(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    """A big server whose member list the bot hasn't loaded (no chunking at start-up): when
    the 18+ role counts, who holds it is unknown, so run-now and /collab suggest say so and
    nothing is stored; once the list is loaded the same round runs."""
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    fake.add_role(GUILD_ID, ADULT_ROLE, "18+")
    crowd = [CROWD + i for i in range(260)]  # over the large threshold discord.py asks (250)
    for i, uid in enumerate(crowd):
        roles = [ADULT_ROLE] if i % 2 else []
        fake.add_member(GUILD_ID, uid, f"creator{i}", roles=roles, dispatch=False)
    clock = ManualClock()
    bot = await bot_factory(clock=clock, chunk_guilds_at_startup=False)
    services = bot.need(Services)
    for i, uid in enumerate(crowd[:4]):
        await services.profiles.update(GUILD_ID, uid, handle=f"c{i}", niches=["PlantTok"])
        await services.collabs.optin(GUILD_ID, uid)
    await _setup_rounds(fake)
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and not guild.chunked

    # members' own answers only: the role isn't needed, the round runs (everyone unconfirmed)
    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    assert "Matched **4 members**" in await _answer(h)

    def introduced() -> bool:
        threads = [c for c in fake.channels.values() if c.parent_id == COLLABS_ID]
        return len(threads) == 2 and all(fake.messages(t.id) for t in threads)

    await fake.wait_for(introduced)
    clock.advance(days=1)

    await _adult_role(fake)
    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    text = await _answer(h)
    assert "can't see who holds this server's 18+ role right now" in text and h.ephemeral
    assert await services.collabs.round_at(GUILD_ID, clock.now()) is None
    h = await fake.slash(GUILD_ID, crowd[0], "collab suggest")
    assert "won't guess who's an adult" in await _answer(h)

    await guild.chunk()  # the member list is in: the role holders are known
    h = await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    text = await _answer(h)
    assert "Matched **4 members**: 2 pairs." in text, text
    rnd = await services.collabs.round_at(GUILD_ID, clock.now())
    assert rnd is not None
    adults = {uid for i, uid in enumerate(crowd) if i % 2}
    assert _mixed((g.members for g in rnd.groups), adults) == []
