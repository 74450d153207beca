"""Discord's published limits, checked on everything the bot sends.

Real Discord rejects an oversized payload with HTTP 400 / code 50035 ("Invalid Form Body").
The fake does the same so a bot that would fail in production fails in tests, and it collects
each violation in ``FakeDiscord.limit_violations`` so a fixture can assert there are none
even when the bot swallows the ``HTTPException``.

Each check returns a list of ``(path, code, message)`` tuples; ``path`` uses Discord's error
paths (``embeds.0.title``) so the error body flattens the same way in discord.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

Problem = tuple[str, str, str]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
SELECT_OPTIONS_MAX = 25
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
SELECT_OPTION_TEXT_MAX = 100
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
TEXT_INPUT_PLACEHOLDER_MAX = 100
GLOBAL_COMMANDS_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
AUTOCOMPLETE_CHOICES_MAX = 25


def _max_len(path: str, value: Any, limit: int, problems: list[Problem]) -> None:
    if isinstance(value, str) and len(value) > limit:
        problems.append((path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))


def _too_many(path: str, items: Any, limit: int, problems: list[Problem]) -> None:
    if isinstance(items, list) and len(items) > limit:
        problems.append((path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))


def embed_length(embed: dict[str, Any]) -> int:
    """Characters counted toward the 6,000 total, as Discord counts them."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def check_embeds(embeds: Any, problems: list[Problem], prefix: str = "embeds") -> None:
    if not isinstance(embeds, list):
        return
    _too_many(prefix, embeds, EMBEDS_MAX, problems)
    total = 0
    for i, e in enumerate(embeds):
        if not isinstance(e, dict):
            continue
        p = f"{prefix}.{i}"
        _max_len(f"{p}.title", e.get("title"), EMBED_TITLE_MAX, problems)
        _max_len(f"{p}.description", e.get("description"), EMBED_DESCRIPTION_MAX, problems)
        fields = e.get("fields") or []
        _too_many(f"{p}.fields", fields, EMBED_FIELDS_MAX, problems)
        for j, f in enumerate(fields):
            _max_len(f"{p}.fields.{j}.name", f.get("name"), EMBED_FIELD_NAME_MAX, problems)
            _max_len(f"{p}.fields.{j}.value", f.get("value"), EMBED_FIELD_VALUE_MAX, problems)
            if not f.get("name") or not f.get("value"):
                problems.append((f"{p}.fields.{j}", "BASE_TYPE_REQUIRED", "This field is required"))
        _max_len(
            f"{p}.footer.text", (e.get("footer") or {}).get("text"), EMBED_FOOTER_MAX, problems
        )
        _max_len(
            f"{p}.author.name", (e.get("author") or {}).get("name"), EMBED_AUTHOR_MAX, problems
        )
        total += embed_length(e)
    if total > EMBED_TOTAL_MAX:
        problems.append(
            (
                prefix,
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
            )
        )


def _check_component(c: dict[str, Any], p: str, problems: list[Problem]) -> None:
    ctype = c.get("type")
    _max_len(f"{p}.custom_id", c.get("custom_id"), CUSTOM_ID_MAX, problems)
    if ctype == 1:
        children = c.get("components") or []
        _too_many(f"{p}.components", children, ROW_BUTTONS_MAX, problems)
        for k, child in enumerate(children):
            _check_component(child, f"{p}.components.{k}", problems)
    elif ctype == 2:
        _max_len(f"{p}.label", c.get("label"), BUTTON_LABEL_MAX, problems)
        if c.get("style") != 5 and c.get("style") != 6 and not c.get("custom_id"):
            problems.append((f"{p}.custom_id", "BASE_TYPE_REQUIRED", "This field is required"))
    elif ctype in (3, 5, 6, 7, 8):
        _max_len(f"{p}.placeholder", c.get("placeholder"), SELECT_PLACEHOLDER_MAX, problems)
        options = c.get("options") or []
        _too_many(f"{p}.options", options, SELECT_OPTIONS_MAX, problems)
        if ctype == 3 and not options:
            problems.append(
                (f"{p}.options", "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
            )
        for k, o in enumerate(options):
            for key in ("label", "value", "description"):
                _max_len(f"{p}.options.{k}.{key}", o.get(key), SELECT_OPTION_TEXT_MAX, problems)
    elif ctype == 4:
        _max_len(f"{p}.label", c.get("label"), TEXT_INPUT_LABEL_MAX, problems)
        _max_len(f"{p}.placeholder", c.get("placeholder"), TEXT_INPUT_PLACEHOLDER_MAX, problems)
        _max_len(f"{p}.value", c.get("value"), TEXT_INPUT_VALUE_MAX, problems)
    elif ctype == 18:
        _max_len(f"{p}.label", c.get("label"), TEXT_INPUT_LABEL_MAX, problems)
        inner = c.get("component")
        if isinstance(inner, dict):
            _check_component(inner, f"{p}.component", problems)
    else:
        for k, child in enumerate(c.get("components") or []):
            if isinstance(child, dict):
                _check_component(child, f"{p}.components.{k}", problems)
        accessory = c.get("accessory")
        if isinstance(accessory, dict):
            _check_component(accessory, f"{p}.accessory", problems)


def check_components(components: Any, problems: list[Problem], *, v2: bool = False) -> None:
    if not isinstance(components, list):
        return
    if not v2:
        _too_many("components", components, ACTION_ROWS_MAX, problems)
    for i, c in enumerate(components):
        if isinstance(c, dict):
            _check_component(c, f"components.{i}", problems)


def check_message(
    data: dict[str, Any], *, has_files: bool = False, creating: bool = True
) -> list[Problem]:
    """Limits for a message create/edit body (channel message, interaction reply, followup)."""
    problems: list[Problem] = []
    _max_len("content", data.get("content"), CONTENT_MAX, problems)
    check_embeds(data.get("embeds"), problems)
    flags = data.get("flags") or 0
    check_components(data.get("components"), problems, v2=bool(int(flags) & (1 << 15)))
    if creating and not has_files:
        empty = not data.get("content") and not data.get("embeds") and not data.get("components")
        if empty and not data.get("sticker_ids") and not data.get("poll"):
            problems.append(("", "EMPTY_MESSAGE", "Cannot send an empty message"))
    return problems


def check_modal(data: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    _max_len("data.title", data.get("title"), MODAL_TITLE_MAX, problems)
    _max_len("data.custom_id", data.get("custom_id"), CUSTOM_ID_MAX, problems)
    components = data.get("components") or []
    _too_many("data.components", components, MODAL_COMPONENTS_MAX, problems)
    for i, c in enumerate(components):
        if isinstance(c, dict):
            _check_component(c, f"data.components.{i}", problems)
    return problems


def check_autocomplete(data: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    choices = data.get("choices") or []
    _too_many("data.choices", choices, AUTOCOMPLETE_CHOICES_MAX, problems)
    for i, ch in enumerate(choices):
        _max_len(f"data.choices.{i}.name", ch.get("name"), 100, problems)
        _max_len(f"data.choices.{i}.value", ch.get("value"), 100, problems)
    return problems


def _check_options(options: Any, p: str, problems: list[Problem]) -> None:
    if not isinstance(options, list):
        return
    _too_many(p, options, COMMAND_OPTIONS_MAX, problems)
    seen_optional = False
    for i, o in enumerate(options):
        op = f"{p}.{i}"
        _check_name_desc(o, op, problems, description_required=True)
        _too_many(f"{op}.choices", o.get("choices"), COMMAND_CHOICES_MAX, problems)
        for j, ch in enumerate(o.get("choices") or []):
            _max_len(f"{op}.choices.{j}.name", ch.get("name"), 100, problems)
        if o.get("type") in (1, 2):
            _check_options(o.get("options"), f"{op}.options", problems)
        else:
            if o.get("required") and seen_optional:
                problems.append(
                    (
                        op,
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
            if not o.get("required"):
                seen_optional = True


def _check_name_desc(
    c: dict[str, Any], p: str, problems: list[Problem], *, description_required: bool
) -> None:
    name = c.get("name")
    if not isinstance(name, str) or not COMMAND_NAME_RE.match(name) or name != name.lower():
        problems.append(
            (f"{p}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        )
    desc = c.get("description")
    bad = not isinstance(desc, str) or not 1 <= len(desc) <= COMMAND_DESCRIPTION_MAX
    if description_required and bad:
        problems.append(
            (
                f"{p}.description",
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {COMMAND_DESCRIPTION_MAX} in length.",
            )
        )


def check_commands(commands: Iterable[dict[str, Any]], *, is_global: bool) -> list[Problem]:
    """Limits Discord applies on a bulk overwrite (PUT .../commands)."""
    problems: list[Problem] = []
    cmds = list(commands)
    chat = [c for c in cmds if c.get("type", 1) == 1]
    if len(chat) > GLOBAL_COMMANDS_MAX:
        problems.append(
            ("", "BASE_TYPE_MAX_LENGTH", f"Must be {GLOBAL_COMMANDS_MAX} or fewer in length.")
        )
    seen: set[tuple[int, str]] = set()
    for i, c in enumerate(cmds):
        ctype = c.get("type", 1)
        if ctype == 1:
            _check_name_desc(c, str(i), problems, description_required=True)
            _check_options(c.get("options"), f"{i}.options", problems)
        else:
            name = c.get("name")
            if not isinstance(name, str) or not 1 <= len(name) <= 32:
                problems.append(
                    (f"{i}.name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
                )
        key = (ctype, str(c.get("name")))
        if key in seen:
            problems.append(
                (
                    f"{i}.name",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique",
                )
            )
        seen.add(key)
    del is_global
    return problems


def error_body(problems: list[Problem]) -> dict[str, Any]:
    """Discord's nested 50035 body, e.g. ``{"errors": {"embeds": {"0": {"title": ...}}}}``."""
    if len(problems) == 1 and problems[0][1] == "EMPTY_MESSAGE":
        return {"message": "Cannot send an empty message", "code": 50006}
    errors: dict[str, Any] = {}
    for path, code, message in problems:
        node = errors
        for part in [p for p in path.split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return {"message": "Invalid Form Body", "code": 50035, "errors": errors}
