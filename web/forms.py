"""A submitted form, read field by field: each bad field gets its own message (shown under it),
in the same words the slash commands use where the rule is the same one (the services'
validators run here, on the one field they check)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from core.errors import DomainError
from core.i18n import _
from web.guilds import GuildSnapshot

T = TypeVar("T")


class Invalid(Exception):
    """The form has errors: the page is shown again with them and with what was typed."""

    def __init__(self, form: Form) -> None:
        super().__init__("invalid form")
        self.form = form


class Form:
    def __init__(self, data: Mapping[str, Any], *, name: str = "") -> None:
        #: which form on the page (a page has several); the template shows errors on that one
        self.name = name
        self.data: dict[str, str] = {
            k: v for k, v in data.items() if isinstance(v, str) and k != "csrf_token"
        }
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str:
        return self.data.get(name, "").strip()

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> None:
        """Raise Invalid when any field failed; call before the one service call."""
        if self.errors:
            raise Invalid(self)

    def text(self, name: str, *, label: str, required: bool = False) -> str | None:
        value = self.raw(name)
        if not value:
            if required:
                self.fail(name, _("{label} is needed.", label=label))
            return None
        return value

    def flag(self, name: str) -> bool:
        return self.raw(name) in ("on", "1", "true", "yes")

    def integer(self, name: str, *, label: str, low: int, high: int) -> int | None:
        raw = self.raw(name)
        if not raw:
            self.fail(
                name,
                _(
                    "{label} is needed: a whole number from {low} to {high}.",
                    **_range(label, low, high),
                ),
            )
            return None
        try:
            value = int(raw)
        except ValueError:
            self.fail(
                name,
                _(
                    "{label} must be a whole number from {low} to {high}.",
                    **_range(label, low, high),
                ),
            )
            return None
        if not low <= value <= high:
            self.fail(name, _("{label} must be from {low} to {high}.", **_range(label, low, high)))
            return None
        return value

    def check(self, name: str, validate: Callable[[str], T], *, label: str) -> T | None:
        """Run a service's validator on one field; its DomainError becomes that field's error."""
        raw = self.raw(name)
        if not raw:
            self.fail(name, _("{label} is needed.", label=label))
            return None
        try:
            return validate(raw)
        except DomainError as exc:
            self.fail(name, exc.message)
            return None

    def channel(
        self, name: str, guild: GuildSnapshot, *, required: bool = True, threads: bool = False
    ) -> int | None:
        raw = self.raw(name)
        if not raw:
            if required:
                self.fail(name, _("Pick a channel."))
            return None
        found = guild.channel(int(raw)) if raw.isdigit() else None
        if found is None:
            self.fail(name, _("That channel isn't in this server any more. Pick another one."))
            return None
        if not found.can_post:
            self.fail(
                name,
                _(
                    "I can't post in #{channel}: give me View Channel, Send Messages and "
                    "Embed Links there (or pick another channel), then try again.",
                    channel=found.name,
                ),
            )
            return None
        return found.id

    def role(
        self, name: str, guild: GuildSnapshot, *, assignable: bool = False, opt_in: bool = False
    ) -> int | None:
        """An optional role (blank: none); ``assignable``: the bot must be able to give it."""
        raw = self.raw(name)
        if not raw:
            return None
        found = guild.role(int(raw)) if raw.isdigit() else None
        if found is None:
            self.fail(name, _("That role isn't in this server any more. Pick another one."))
            return None
        if assignable and not found.assignable:
            self.fail(
                name,
                _(
                    "I can't give @{role}: it must be below my highest role and not managed "
                    "by an integration. Move my role up or pick another.",
                    role=found.name,
                ),
            )
            return None
        if opt_in and not found.opt_in:
            self.fail(
                name,
                _("Pick an opt-in role members chose themselves, not @everyone or a bot's role."),
            )
            return None
        return found.id


def _range(label: str, low: int, high: int) -> dict[str, object]:
    """A number field's bounds, as digits only (what the field takes: no "1,000")."""
    return {"label": label, "low": low, "high": high}
