"""The simulated server: one guild with its channels, a moderator role and the fam's members
(newcomers join later, while the demo runs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from demo.fam import Member
from fakediscord import MANAGE_GUILD, FakeDiscord

GUILD_ID = 1_200_000_000_000_000_001
GUILD_NAME = "Creator Fam 💞"
#: the channels, in sidebar order, with their topics
CHANNELS = (
    ("general", "Hey mutual! Hang out, ask, celebrate."),
    ("welcome", "Newcomers land here 💞"),
    ("shoutouts", "The Spotlight rotation: one creator at a time."),
    ("collabs", "Collab rounds: your match and a private thread."),
    ("quizzes", "Term of the day and quiz games."),
    ("check-ins", "Daily check-ins and the recap."),
    ("mod-log", "Only moderators read this."),
)


@dataclass
class World:
    fake: FakeDiscord
    fam: list[Member]
    channels: dict[str, int] = field(default_factory=dict)
    mod_role: int = 0

    @property
    def guild_id(self) -> int:
        return GUILD_ID

    @property
    def mods(self) -> list[Member]:
        return [m for m in self.fam if m.is_mod]

    @property
    def present(self) -> list[Member]:
        """Everyone in the server right now (newcomers once they joined)."""
        members = self.fake.guilds[GUILD_ID].members
        return [m for m in self.fam if m.id in members]

    def by_id(self, user_id: int) -> Member | None:
        return next((m for m in self.fam if m.id == user_id), None)

    def join(self, member: Member) -> None:
        """A newcomer arrives: GUILD_MEMBER_ADD, as when someone accepts an invite."""
        if not member.dms_open:
            self.fake.close_dms(member.id)
        self.fake.add_member(GUILD_ID, member.id, member.username, nick=member.name)


def build_world(fam: list[Member]) -> World:
    fake = FakeDiscord(bot_name="Mutuals", keep_files=True)
    mods = [m for m in fam if m.is_mod]
    fake.add_guild(guild_id=GUILD_ID, name=GUILD_NAME, owner_id=mods[0].id)
    world = World(fake, fam)
    for name, topic in CHANNELS:
        world.channels[name] = fake.add_channel(GUILD_ID, name=name, topic=topic)
    world.mod_role = fake.add_role(
        GUILD_ID, name="Moderator", permissions=MANAGE_GUILD, hoist=True, color=0xE91E63
    )
    for member in fam:
        if member.kind == "newcomer":
            continue
        if not member.dms_open:
            fake.close_dms(member.id)
        roles = [world.mod_role] if member.is_mod else []
        fake.add_member(
            GUILD_ID, member.id, member.username, roles=roles, nick=member.name, dispatch=False
        )
    return world
