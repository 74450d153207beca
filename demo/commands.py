"""The bot's synced slash commands as the demo reads them from the fake: runnable paths with
their options, and option values as Discord sends them (a choice's value, not its name)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fakediscord import FakeDiscord


def flatten_commands(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each runnable command path (`rotation create`, `welcome niche add`) with its options."""
    out: list[dict[str, Any]] = []

    def walk(prefix: str, description: str, options: list[dict[str, Any]]) -> None:
        subs = [o for o in options if o.get("type") in (1, 2)]
        if not subs:
            out.append(
                {
                    "path": prefix,
                    "description": description,
                    "options": [
                        {
                            "name": o["name"],
                            "type": o["type"],
                            "description": o.get("description", ""),
                            "required": bool(o.get("required")),
                            "choices": [c["name"] for c in o.get("choices") or ()],
                            "choice_values": [c["value"] for c in o.get("choices") or ()],
                            "autocomplete": bool(o.get("autocomplete")),
                        }
                        for o in options
                    ],
                }
            )
            return
        for sub in subs:
            walk(f"{prefix} {sub['name']}", sub.get("description", ""), sub.get("options") or [])

    for c in commands:
        walk(c["name"], c.get("description", ""), c.get("options") or [])
    return sorted(out, key=lambda c: c["path"])


def with_choice_values(
    fake: FakeDiscord, guild_id: int, path: str, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Options where a choice's name was given (as a person picks it) carry its value."""
    defs = {c["path"]: c for c in flatten_commands(fake.guild_commands.get(guild_id, []))}
    spec = {o["name"]: o for o in defs.get(path, {}).get("options", [])}
    out = dict(options)
    for name, value in options.items():
        opt = spec.get(name)
        if opt and value in opt["choices"]:
            out[name] = opt["choice_values"][opt["choices"].index(value)]
    return out
