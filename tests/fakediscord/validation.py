"""Discord's limits on messages, command schemas and choices, failed as Discord answers them."""

from __future__ import annotations

import re
from typing import Any

from .errors import DiscordHTTPError, field_error, invalid_form
from .records import SentFile

COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$", re.UNICODE)


# --- messages --------------------------------------------------------------------------------


def validate_message(
    payload: dict[str, Any],
    files: list[SentFile],
    size_limit: int,
    *,
    partial: bool = False,
) -> None:
    """A message body; ``partial`` for edits, which may leave everything out."""
    errors: dict[str, Any] = {}
    content = payload.get("content")
    if content is not None and len(str(content)) > 2000:
        errors["content"] = field_error("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        errors["embeds"] = field_error("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    embed_errors: dict[str, Any] = {}
    for index, embed in enumerate(embeds):
        problems, size = _embed_problems(embed)
        total += size
        if problems:
            embed_errors[str(index)] = problems
    if embed_errors:
        errors["embeds"] = embed_errors
    elif total > 6000:
        errors["embeds"] = field_error(
            "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    if errors:
        raise invalid_form(errors)
    if sum(f.size for f in files) > size_limit:
        raise DiscordHTTPError(413, 40005, "Request entity too large")
    if not partial and not (
        content
        or embeds
        or files
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
    ):
        raise DiscordHTTPError(400, 50006, "Cannot send an empty message")


def _embed_problems(embed: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The errors of one embed, and its size towards the 6000 characters of all embeds."""
    e: dict[str, Any] = {}
    total = 0
    limits = {"title": 256, "description": 4096}
    for key, limit in limits.items():
        value = embed.get(key) or ""
        total += len(value)
        if len(value) > limit:
            e[key] = field_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        e["fields"] = field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    for findex, fld in enumerate(fields):
        name, value = str(fld.get("name") or ""), str(fld.get("value") or "")
        total += len(name) + len(value)
        fe = {}
        if not 1 <= len(name) <= 256:
            fe["name"] = field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 256 in length.")
        if not 1 <= len(value) <= 1024:
            fe["value"] = field_error(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1024 in length."
            )
        if fe:
            e.setdefault("fields", {})[str(findex)] = fe
    footer = (embed.get("footer") or {}).get("text") or ""
    author = (embed.get("author") or {}).get("name") or ""
    total += len(footer) + len(author)
    if len(footer) > 2048:
        e["footer"] = {
            "text": field_error("BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer in length.")
        }
    if len(author) > 256:
        e["author"] = {
            "name": field_error("BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")
        }
    return e, total


def validate_choices(choices: Any) -> None:
    """The choices of an autocomplete answer (callback type 8)."""
    choices = choices or []
    errors: dict[str, Any] = {}
    if len(choices) > 25:
        errors["_errors"] = [
            {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}
        ]
    for index, choice in enumerate(choices):
        e = {}
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            e["name"] = field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            e["value"] = field_error("BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
        if e:
            errors[str(index)] = e
    if errors:
        raise invalid_form({"data": {"choices": errors}})


# --- application commands --------------------------------------------------------------------


def validate_commands(specs: Any) -> None:
    """A bulk overwrite: a list of command specs with unique (name, type)."""
    if not isinstance(specs, list):
        raise invalid_form(
            {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]}
        )
    errors: dict[str, Any] = {}
    seen: set[tuple[str, int]] = set()
    for index, spec in enumerate(specs):
        problem = command_problems(spec)
        key = (spec.get("name", ""), int(spec.get("type", 1)))
        if key in seen:
            problem.setdefault(
                "name",
                field_error(
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[0]}",
                ),
            )
        seen.add(key)
        if problem:
            errors[str(index)] = problem
    chat = sum(1 for s in specs if int(s.get("type", 1)) == 1)
    if chat > 100:
        errors["_errors"] = [
            {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 100 or fewer in length."}
        ]
    if errors:
        raise invalid_form(errors)


def command_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """The ``errors`` tree of one command spec (empty when it is valid)."""
    problems: dict[str, Any] = {}
    ctype = int(spec.get("type", 1))
    name = spec.get("name") or ""
    if ctype == 1:
        if not COMMAND_NAME_RE.match(name) or name != name.lower():
            problems["name"] = field_error(
                "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        desc = spec.get("description") or ""
        if not 1 <= len(desc) <= 100:
            problems["description"] = field_error(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        opt_errors = option_problems(spec.get("options") or [])
        if opt_errors:
            problems["options"] = opt_errors
    elif not 1 <= len(name) <= 32:
        problems["name"] = field_error(
            "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length."
        )
    return problems


def option_problems(options: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``errors`` tree of a command's options, subcommands included."""
    problems: dict[str, Any] = {}
    if len(options) > 25:
        problems["_errors"] = [
            {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}
        ]
    optional_seen = False
    names: set[str] = set()
    for index, opt in enumerate(options):
        p: dict[str, Any] = {}
        name = opt.get("name") or ""
        if not COMMAND_NAME_RE.match(name) or name != name.lower():
            p["name"] = field_error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if name in names:
            p["name"] = field_error(
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique"
            )
        names.add(name)
        if not 1 <= len(opt.get("description") or "") <= 100:
            p["description"] = field_error(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        if opt.get("type") in (1, 2):
            sub = option_problems(opt.get("options") or [])
            if sub:
                p["options"] = sub
        else:
            if opt.get("required"):
                if optional_seen:
                    p["required"] = field_error(
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                optional_seen = True
            choices = opt.get("choices") or []
            if len(choices) > 25:
                p["choices"] = field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            if choices and opt.get("autocomplete"):
                p["autocomplete"] = field_error(
                    "APPLICATION_COMMAND_OPTION_CHOICES_AND_AUTOCOMPLETE",
                    "Autocomplete and choices are mutually exclusive",
                )
        if p:
            problems[str(index)] = p
    return problems
