"""Every service of one bot process, built once by the composition root (bot.py).

Cogs reach them with ``bot.need(Services)``; tests build them the same way, so a cog and a
test never disagree on how a service is wired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.clock import Clock
from core.db import Database
from core.plans import Replan, no_replan
from services.checkins import CheckinService
from services.collabs import CollabService
from services.directory import DirectoryService
from services.guild_config import GuildConfigService
from services.niches import NicheService
from services.profiles import ProfileService
from services.pulse import PulseService
from services.quizzes import QuizService
from services.safety import AgeGroupService, TextRulesService
from services.safety.reports import ReportService
from services.shoutouts import ShoutoutService
from services.welcome import WelcomeService


@dataclass(frozen=True)
class Services:
    guild_config: GuildConfigService
    directory: DirectoryService
    niches: NicheService
    profiles: ProfileService
    welcome: WelcomeService
    shoutouts: ShoutoutService
    collabs: CollabService
    quizzes: QuizService
    checkins: CheckinService
    text_rules: TextRulesService
    age_groups: AgeGroupService
    safety_reports: ReportService
    pulse: PulseService


def build_services(
    db: Database,
    clock: Clock,
    *,
    grace: timedelta,
    replan: Replan = no_replan,
) -> Services:
    """``replan`` is the bot's ``deliveries.poke``: services call it when who is due changes."""
    niches = NicheService(db)
    collabs = CollabService(db, clock, niches, replan=replan)
    services = Services(
        guild_config=GuildConfigService(db, clock),
        directory=DirectoryService(db, clock),
        niches=niches,
        profiles=ProfileService(db, clock, niches),
        welcome=WelcomeService(db, clock, niches, grace=grace, replan=replan),
        shoutouts=ShoutoutService(db, clock, grace=grace, replan=replan),
        collabs=collabs,
        quizzes=QuizService(db, clock, grace=grace, replan=replan),
        checkins=CheckinService(db, clock, replan=replan),
        text_rules=TextRulesService(db, clock),
        age_groups=AgeGroupService(db, clock),
        safety_reports=ReportService(db, clock, collabs),
        pulse=PulseService(db, clock, replan=replan),
    )
    # Check-ins run in members' own zones: a zone changed anywhere moves their wake-ups.
    services.profiles.zone_listeners.append(services.checkins.zones_changed)
    services.guild_config.zone_listeners.append(services.checkins.zones_changed)
    # the weekly pulse post is at Monday 09:00 server time
    services.guild_config.zone_listeners.append(services.pulse.zone_changed)
    return services
