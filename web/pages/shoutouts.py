"""Shoutout rotations on the web, the same options as /rotation: create, edit, pause, resume,
delete (asks first), and each rotation's queue (add, take out, skip the one up next)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from core.i18n import _
from services.profiles import validate_timezone
from services.schedules import parse_schedule
from services.shoutouts import REQUIRED_FIELDS, RotationInfo
from services.shoutouts.inputs import validate_name
from web.access import Refused, guild_page
from web.context import Page
from web.forms import Form
from web.pages._common import pickers, read_form, submit

QUEUE_SHOWN = 10


async def show(page: Page, *, form: Form | None = None, status: int = 200) -> web.Response:
    svc = page.services.shoutouts
    rotations = await svc.rotations.list_rotations(page.guild.id)
    cards: list[dict[str, Any]] = []
    for rot in rotations:
        cards.append(
            {
                "rot": rot,
                "members": await svc.rotations.member_counts(rot.id),
                "queue": await svc.admin.queue(page.guild.id, rot.name, QUEUE_SHOWN),
                "next": [] if rot.paused else rot.next_slots(page.now, 3),
            }
        )
    cfg = await page.services.guild_config.get(page.guild.id)
    return await page.render(
        "shoutouts.html",
        status=status,
        form=form,
        cards=cards,
        server_zone=cfg.timezone,
        required_fields={key: _(label) for key, label in REQUIRED_FIELDS.items()},
        **pickers(page),
    )


async def rotation_of(page: Page) -> RotationInfo:
    try:
        rid = int(page.request.match_info["rotation_id"])
    except ValueError:
        rid = 0
    rot = await page.services.shoutouts.rotations.get_by_id(rid)
    if rot is None or rot.guild_id != page.guild.id:
        raise Refused(
            404, _("No such rotation"), _("That rotation is gone (deleted?). Pick another.")
        )
    return rot


def _schedule_fields(page: Page, form: Form, zone_default: str) -> tuple[str | None, str | None]:
    zone = (
        form.check("timezone", validate_timezone, label=_("Time zone"))
        if form.raw("timezone")
        else None
    )
    schedule = form.check(
        "schedule",
        lambda raw: parse_schedule(raw, zone or zone_default, anchor=page.now).text,
        label=_("The schedule"),
    )
    return schedule, zone


@guild_page("shoutouts")
async def view(page: Page) -> web.StreamResponse:
    return await show(page)


async def _multi(page: Page) -> dict[str, list[str]]:
    data = await page.request.post()
    out: dict[str, list[str]] = {}
    for key in ("exclude_roles", "require"):
        out[key] = [v for v in data.getall(key, []) if isinstance(v, str)]
    return out


def _pick_roles(form: Form, page: Page, raws: list[str]) -> list[int]:
    chosen: list[int] = []
    for raw in raws:
        role = page.guild.role(int(raw)) if raw.isdigit() else None
        if role is None:
            form.fail("exclude_roles", _("One of those roles isn't in this server any more."))
        else:
            chosen.append(role.id)
    return chosen


def _required(form: Form, raws: list[str]) -> list[str]:
    unknown = [r for r in raws if r not in REQUIRED_FIELDS]
    if unknown:
        form.fail(
            "require",
            _(
                "Pick from {fields}.",
                fields=", ".join(_(label) for label in REQUIRED_FIELDS.values()),
            ),
        )
    return [r for r in raws if r in REQUIRED_FIELDS]


@guild_page("shoutouts")
async def create(page: Page) -> web.StreamResponse:
    form = await read_form(page, "create")
    multi = await _multi(page)
    cfg = await page.services.guild_config.get(page.guild.id)
    name = form.check("name", validate_name, label=_("A name"))
    channel = form.channel("channel", page.guild)
    schedule, zone = _schedule_fields(page, form, cfg.timezone)
    ping_role = form.role("ping_role", page.guild, opt_in=True)
    excluded = _pick_roles(form, page, multi["exclude_roles"])
    min_days = form.integer("min_days", label=_("Days between features"), low=0, high=365)
    required = _required(form, multi["require"])

    async def action() -> str:
        assert name is not None and channel is not None and schedule is not None
        rot = await page.services.shoutouts.admin.create(
            page.guild.id,
            name=name,
            channel_id=channel,
            schedule=schedule,
            timezone=zone,
            created_by=page.viewer.id,
            ping_featured=form.flag("ping_featured"),
            ping_role_id=ping_role,
            exclude_role_ids=excluded,
            min_days_between=min_days or 0,
            required_fields=required,
        )
        return _(
            "📣 **{rotation}** is set up in {channel}, `{schedule}` ({timezone}). "
            "Creators join with `/shoutout join`.",
            rotation=rot.name,
            channel=f"<#{rot.channel_id}>",
            schedule=rot.schedule,
            timezone=rot.timezone,
        )

    return await submit(page, form, show, action)


@guild_page("shoutouts")
async def edit(page: Page) -> web.StreamResponse:
    rot = await rotation_of(page)
    form = await read_form(page, f"edit-{rot.id}")
    multi = await _multi(page)
    changes: dict[str, Any] = {}
    name = form.check("name", validate_name, label=_("A name"))
    if name is not None and name != rot.name:
        changes["new_name"] = name
    channel = form.channel("channel", page.guild)
    if channel is not None and channel != rot.channel_id:
        changes["channel_id"] = channel
    schedule, zone = _schedule_fields(page, form, rot.timezone)
    if schedule is not None and schedule != rot.schedule:
        changes["schedule"] = schedule
    if zone is not None and zone != rot.timezone:
        changes["timezone"] = zone
    ping_featured = form.flag("ping_featured")
    if ping_featured != rot.ping_featured:
        changes["ping_featured"] = ping_featured
    ping_role = form.role("ping_role", page.guild, opt_in=True)
    if ping_role != rot.ping_role_id and "ping_role" not in form.errors:
        changes["ping_role_id"] = ping_role
    excluded = _pick_roles(form, page, multi["exclude_roles"])
    if sorted(excluded) != sorted(rot.exclude_role_ids):
        changes["exclude_role_ids"] = excluded
    min_days = form.integer("min_days", label=_("Days between features"), low=0, high=365)
    if min_days is not None and min_days != rot.min_days_between:
        changes["min_days_between"] = min_days
    required = _required(form, multi["require"])
    if sorted(required) != sorted(rot.required_fields):
        changes["required_fields"] = required
    if not changes and not form.errors:
        form.fail("_form", _("Nothing changed: edit a field, then save."))

    async def action() -> str:
        new = await page.services.shoutouts.admin.edit(page.guild.id, rot.name, **changes)
        return _("Saved **{rotation}**. 💞", rotation=new.name)

    return await submit(page, form, show, action)


@guild_page("shoutouts")
async def pause_or_resume(page: Page) -> web.StreamResponse:
    rot = await rotation_of(page)
    form = await read_form(page, f"state-{rot.id}")
    pause = form.raw("do") == "pause"
    if not pause and rot.paused:
        found = page.guild.channel(rot.channel_id)
        problem = (
            _("its channel (id {channel_id}) was deleted", channel_id=rot.channel_id)
            if found is None
            else None
            if found.can_post
            else _(
                "I can't post in {channel} any more (missing permissions)",
                channel=f"<#{rot.channel_id}>",
            )
        )
        if problem:
            form.fail(
                "_form",
                _(
                    "I can't resume **{rotation}**: {problem}. Pick a channel I can post in "
                    "(edit the rotation), then resume it.",
                    rotation=rot.name,
                    problem=problem,
                ),
            )

    async def action() -> str:
        new = await page.services.shoutouts.admin.set_paused(page.guild.id, rot.name, pause)
        if pause:
            return _("⏸️ **{rotation}** is paused. Everyone keeps their place.", rotation=new.name)
        return _("▶️ **{rotation}** is back on.", rotation=new.name)

    return await submit(page, form, show, action)


@guild_page("shoutouts")
async def delete(page: Page) -> web.StreamResponse:
    rot = await rotation_of(page)
    form = await read_form(page, f"delete-{rot.id}")
    if not form.flag("confirm"):
        form.fail(
            "confirm",
            _(
                "Tick the box to confirm: **{rotation}**'s queue and history go too.",
                rotation=rot.name,
            ),
        )

    async def action() -> str:
        info = await page.services.shoutouts.admin.delete(page.guild.id, rot.name)
        return _("🗑️ Deleted **{rotation}** and its queue.", rotation=info.name)

    return await submit(page, form, show, action)


@guild_page("shoutouts")
async def queue_change(page: Page) -> web.StreamResponse:
    rot = await rotation_of(page)
    form = await read_form(page, f"queue-{rot.id}")
    what = form.raw("do")
    admin = page.services.shoutouts.admin
    member = None
    if what in ("add", "remove"):
        member = page.guild.find_member(form.raw("member")) if form.raw("member") else None
        if member is None:
            form.fail("member", _("I can't find that member here. Use their @name or user id."))
        elif member.bot and what == "add":
            form.fail("member", _("Bots don't get shoutouts. Pick a creator."))
    elif what != "skip":
        form.fail("_form", _("Pick add, remove or skip."))

    async def action() -> str:
        if what == "skip":
            result = await admin.skip(page.guild.id, rot.name)
            who = f"<@{result.user_id}>"
            if result.moved:
                return _("⏭️ Skipped {member}: they go to the end of this round.", member=who)
            return _(
                "{member} is the last one left in this round, so they stay up next.", member=who
            )
        assert member is not None
        if what == "add":
            m = await admin.add_member(page.guild.id, rot.name, member.id)
            return _(
                "Added {member} to **{rotation}** (#{place}).",
                member=f"<@{member.id}>",
                rotation=m.rotation_name,
                place=m.place,
            )
        await admin.remove_member(page.guild.id, rot.name, member.id)
        return _(
            "Took {member} out of **{rotation}**.", member=f"<@{member.id}>", rotation=rot.name
        )

    return await submit(page, form, show, action)


def setup(app: web.Application) -> None:
    base = "/g/{guild_id}/shoutouts"
    app.router.add_get(base, view)
    app.router.add_post(base, create)
    app.router.add_post(base + "/{rotation_id}/edit", edit)
    app.router.add_post(base + "/{rotation_id}/state", pause_or_resume)
    app.router.add_post(base + "/{rotation_id}/delete", delete)
    app.router.add_post(base + "/{rotation_id}/queue", queue_change)
