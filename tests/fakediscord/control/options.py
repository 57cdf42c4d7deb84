"""Command options for an invocation: typed values, subcommand nesting and ``resolved`` objects."""

from __future__ import annotations

import copy
import mimetypes
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import fixtures as fx
from ..records import SentFile

if TYPE_CHECKING:
    from ..state import FakeState

Invoker = tuple[dict[str, Any], list[str]]  # (user, role ids) of whoever invokes
Resolved = dict[str, dict[str, Any]]  # the interaction's data.resolved, filled as options are built

# the channel fields Discord puts in resolved.channels
_RESOLVED_CHANNEL_KEYS = (
    "id",
    "name",
    "type",
    "topic",
    "position",
    "nsfw",
    "parent_id",
    "rate_limit_per_user",
    "last_message_id",
    "flags",
)
# and those of a thread
_RESOLVED_THREAD_KEYS = ("owner_id", "member_count", "message_count", "thread_metadata")


class OptionType:
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


@dataclass(frozen=True)
class Opt:
    """An explicitly typed option value for ``invoke`` when the command's schema is unknown,
    e.g. ``Opt(OptionType.CHANNEL, channel_id)``."""

    type: int
    value: Any


def as_sent_file(value: Any) -> SentFile:
    """An attachment option given as a ``SentFile``, bytes or ``(filename, bytes)``."""
    if isinstance(value, SentFile):
        return value
    if isinstance(value, bytes):
        return SentFile("files[0]", "upload.bin", value, "application/octet-stream")
    filename, data = value
    return SentFile("files[0]", filename, data, mimetypes.guess_type(filename)[0])


def infer_type(value: Any, schema: dict[str, Any] | None) -> tuple[int, Any]:
    """The option type (from ``Opt``, the synced schema, else the Python type) and the value."""
    if isinstance(value, Opt):
        return value.type, value.value
    if schema is not None:
        return schema["type"], value
    if isinstance(value, bool):
        return OptionType.BOOLEAN, value
    if isinstance(value, int):
        return OptionType.INTEGER, value
    if isinstance(value, float):
        return OptionType.NUMBER, value
    if isinstance(value, dict) and "username" in value:
        return OptionType.USER, value
    if isinstance(value, SentFile | bytes | tuple):
        return OptionType.ATTACHMENT, value
    return OptionType.STRING, value


class OptionBuilder:
    """Turns ``invoke``'s ``{name: value}`` options into the interaction's option tree."""

    def __init__(self, state: FakeState) -> None:
        self.state = state

    def build(
        self,
        path: list[str],
        schema: list[dict[str, Any]] | None,
        given: Any,
        guild: dict[str, Any] | None,
        invoker: Invoker,
        resolved: Resolved,
        *,
        autocomplete: bool,
        focused: str | None,
        focused_value: Any,
    ) -> list[dict[str, Any]]:
        """Options for the subcommand ``path`` (e.g. ``["admin", "add"]``), leaves wrapped in
        their subcommand (group) options."""
        kinds, level = _walk_subcommands(path, schema, self.state.strict_commands)
        if isinstance(given, list):
            leaf = copy.deepcopy(given)
        else:
            leaf = []
            for key, value in (given or {}).items():
                opt_schema = next((o for o in level or [] if o["name"] == key), None)
                if key == focused:
                    continue
                leaf.append(
                    self.value(key, value, opt_schema, guild, invoker, resolved, autocomplete)
                )
            if focused is not None:
                leaf.append(_focused_option(level, focused, focused_value))
        for part, kind in zip(reversed(path), reversed(kinds), strict=True):
            wrapped: dict[str, Any] = {"type": kind, "name": part}
            if leaf:
                wrapped["options"] = leaf
            leaf = [wrapped]
        return leaf

    def value(
        self,
        name: str,
        value: Any,
        schema: dict[str, Any] | None,
        guild: dict[str, Any] | None,
        invoker: Invoker,
        resolved: Resolved,
        autocomplete: bool,
    ) -> dict[str, Any]:
        """One option; users, roles, channels and attachments also go into ``resolved``
        (except in autocomplete, where Discord sends no ``resolved``)."""
        otype, value = infer_type(value, schema)
        otype_eff = self._mentionable_as(value, guild) if otype == OptionType.MENTIONABLE else otype

        if otype_eff == OptionType.STRING:
            out: Any = str(value)
        elif otype_eff == OptionType.INTEGER:
            out = int(value)
        elif otype_eff == OptionType.NUMBER:
            out = float(value)
        elif otype_eff == OptionType.BOOLEAN:
            out = bool(value)
        elif otype_eff == OptionType.USER:
            out = self._user(value, guild, resolved, autocomplete)
        elif otype_eff == OptionType.ROLE:
            out = self._role(value, guild, resolved, autocomplete)
        elif otype_eff == OptionType.CHANNEL:
            out = self._channel(value, guild, invoker, resolved, autocomplete)
        elif otype_eff == OptionType.ATTACHMENT:
            out = self._attachment(value, resolved, autocomplete)
        else:
            out = value
        return {"type": otype, "name": name, "value": out}

    def _mentionable_as(self, value: Any, guild: dict[str, Any] | None) -> int:
        """USER or ROLE for a mentionable option: an id is a user if only users know it."""
        if isinstance(value, dict) or guild is None:
            return OptionType.USER
        is_user = False
        if str(value).isdigit():
            is_user = int(value) in self.state.world.users and not any(
                r["id"] == str(value) for r in guild["roles"]
            )
        return OptionType.USER if is_user else OptionType.ROLE

    def _user(
        self, value: Any, guild: dict[str, Any] | None, resolved: Resolved, autocomplete: bool
    ) -> str:
        user = self.state.world.resolve_user(value)
        out = user["id"]
        if autocomplete:
            return out
        resolved.setdefault("users", {})[out] = user
        member = None
        if guild is not None:
            member = next((m for m in guild["members"] if m["user"]["id"] == out), None)
        if member is not None:
            assert guild is not None
            mobj = copy.deepcopy(member)
            mobj.pop("user", None)
            mobj["permissions"] = str(fx.channel_permissions(guild, None, out, mobj["roles"]))
            resolved.setdefault("members", {})[out] = mobj
        return out

    def _role(
        self, value: Any, guild: dict[str, Any] | None, resolved: Resolved, autocomplete: bool
    ) -> str:
        if guild is None:
            raise ValueError("role options need a guild")
        rid = self.state.world.role_ref(guild, value)
        if not autocomplete:
            role = next(r for r in guild["roles"] if r["id"] == rid)
            resolved.setdefault("roles", {})[rid] = copy.deepcopy(role)
        return rid

    def _channel(
        self,
        value: Any,
        guild: dict[str, Any] | None,
        invoker: Invoker,
        resolved: Resolved,
        autocomplete: bool,
    ) -> str:
        target = self.state.world.channel_ref(guild, value)
        out = target["id"]
        if autocomplete:
            return out
        obj = {k: target.get(k) for k in _RESOLVED_CHANNEL_KEYS}
        if target["type"] in fx.THREAD_TYPES:
            obj.update({k: copy.deepcopy(target.get(k)) for k in _RESOLVED_THREAD_KEYS})
        if guild is not None:
            user, roles = invoker
            obj["guild_id"] = guild["id"]
            obj["permissions"] = str(self.state.world.permissions(guild, target, user["id"], roles))
        else:
            obj["permissions"] = str(fx.DM_PERMISSIONS)
        resolved.setdefault("channels", {})[out] = obj
        return out

    def _attachment(self, value: Any, resolved: Resolved, autocomplete: bool) -> str:
        store = self.state.attachments
        sent = as_sent_file(value)
        aid = store.upload(sent)
        out = str(aid)
        if not autocomplete:
            resolved.setdefault("attachments", {})[out] = store.obj(0, aid, sent, ephemeral=True)
        return out


def _walk_subcommands(
    path: list[str], schema: list[dict[str, Any]] | None, strict: bool
) -> tuple[list[int], list[dict[str, Any]] | None]:
    """The option type (1 subcommand, 2 group) of each part of ``path`` and the schema of the
    options under its end (None when the schema is unknown)."""
    level = schema
    kinds: list[int] = []
    for index, part in enumerate(path):
        found = None
        for opt in level or []:
            if opt["name"] == part and opt.get("type") in (1, 2):
                found = opt
        if found is None and level is not None and strict:
            raise LookupError(f"no subcommand {part!r} in the synced command")
        kinds.append(found["type"] if found else (1 if index == len(path) - 1 else 2))
        level = found.get("options") if found else None
    return kinds, level


def _focused_option(
    level: list[dict[str, Any]] | None, focused: str, focused_value: Any
) -> dict[str, Any]:
    """The option being typed in an autocomplete interaction, with the text typed so far."""
    opt_schema = next((o for o in level or [] if o["name"] == focused), None)
    ftype = opt_schema["type"] if opt_schema else OptionType.STRING
    if isinstance(focused_value, Opt):
        ftype, focused_value = focused_value.type, focused_value.value
    return {
        "type": ftype,
        "name": focused,
        "value": "" if focused_value is None else str(focused_value),
        "focused": True,
    }
