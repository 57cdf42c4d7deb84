"""Messages the bot created (in channels and as interaction answers) and the files it uploaded."""

from __future__ import annotations

import copy
import mimetypes
from collections import defaultdict
from typing import Any

from .. import fixtures as fx
from ..records import EPHEMERAL, Crosspost, MessageRecord, SentFile
from .identity import Address, Identity


class MessageStore:
    """Channel posts and every live message object. Callers hold the fake's lock."""

    def __init__(self, identity: Identity, attachments: AttachmentStore) -> None:
        self.identity = identity
        self.attachments = attachments
        self.messages: dict[int, list[MessageRecord]] = defaultdict(list)  # channel posts
        self.nonce_hits = 0  # message creates answered with an earlier message (enforce_nonce)
        self.crossposts: list[Crosspost] = []  # every publish Discord accepted
        self.index: dict[int, dict[str, Any]] = {}  # current state of every live message

    # --- channel posts ---------------------------------------------------------------------
    def record(self, record: MessageRecord) -> None:
        self.messages[record.channel_id].append(record)

    def earlier_with_nonce(self, channel_id: int, nonce: Any) -> dict[str, Any] | None:
        """The message an earlier create with the same nonce made, if any."""
        for earlier in self.messages[channel_id]:
            if earlier.message.get("nonce") == str(nonce):
                return earlier.message
        return None

    def live_in_channel(self, channel_id: int) -> list[dict[str, Any]]:
        """The channel's posts that were not deleted, oldest first."""
        return [self.index[r.id] for r in self.messages.get(channel_id, []) if r.id in self.index]

    # --- message objects -------------------------------------------------------------------
    def create(
        self,
        channel_id: int,
        payload: dict[str, Any],
        files: list[SentFile],
        *,
        msg_type: int = 0,
        flags: int = 0,
        webhook: bool = False,
        guild_id: int | None = None,
    ) -> dict[str, Any]:
        """A new message object from a message body, kept in the index."""
        mid = fx.snowflake()
        ephemeral = bool(flags & EPHEMERAL)
        embeds = []
        for embed in payload.get("embeds") or []:
            e = dict(embed)
            e.setdefault("type", "rich")
            embeds.append(e)
        message: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "author": self.identity.bot_user,
            "content": payload.get("content") or "",
            "timestamp": fx.iso_now(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self.attachments.for_message(channel_id, payload, files, ephemeral),
            "embeds": embeds,
            "pinned": False,
            "type": msg_type,
            "flags": flags,
            "components": copy.deepcopy(payload.get("components") or []),
        }
        if payload.get("nonce") is not None:
            message["nonce"] = payload["nonce"]
        if payload.get("message_reference"):
            message["message_reference"] = payload["message_reference"]
            message["type"] = 19
        if webhook:
            message["webhook_id"] = str(self.identity.application_id)
            message["application_id"] = str(self.identity.application_id)
        if guild_id is not None:
            message["guild_id"] = str(guild_id)
        self.index[mid] = message
        return message

    def apply_edit(
        self, message: dict[str, Any], payload: dict[str, Any], files: list[SentFile]
    ) -> None:
        """Apply a PATCH body: fields it names, kept attachments plus new files."""
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in payload:
                value = payload[key]
                if key == "content":
                    value = value or ""
                if key == "embeds":
                    value = [dict({"type": "rich"}, **e) for e in value or []]
                message[key] = copy.deepcopy(value) if value is not None else []
        if "flags" in payload and payload["flags"] is not None:
            message["flags"] = (message.get("flags", 0) & EPHEMERAL) | int(payload["flags"])
        ephemeral = bool(message.get("flags", 0) & EPHEMERAL)
        cid = int(message["channel_id"])
        if "attachments" in payload:
            keep_ids = set()
            for att in payload.get("attachments") or []:
                try:
                    # ids of existing attachments are snowflakes; new ones are file indexes
                    if int(att.get("id")) > 1 << 22:
                        keep_ids.add(str(att["id"]))
                except (TypeError, ValueError):
                    continue
            kept = [a for a in message["attachments"] if a["id"] in keep_ids]
            message["attachments"] = kept + self.attachments.for_message(
                cid, payload, files, ephemeral
            )
        elif files:
            message["attachments"] = message["attachments"] + self.attachments.for_message(
                cid, payload, files, ephemeral
            )
        message["edited_timestamp"] = fx.iso_now()


class AttachmentStore:
    """Uploaded files (the bot's, and tests' for attachment options), served by id.
    Callers hold the fake's lock."""

    def __init__(self, address: Address) -> None:
        self.address = address
        self.by_id: dict[int, SentFile] = {}  # served at /attachments/...

    def upload(self, sent: SentFile) -> int:
        """Keep a file to serve; returns its attachment id."""
        aid = fx.snowflake()
        self.by_id[aid] = sent
        return aid

    def for_message(
        self, channel_id: int, payload: dict[str, Any], files: list[SentFile], ephemeral: bool
    ) -> list[dict[str, Any]]:
        """Attachment objects for the files of a message body (descriptions from its
        ``attachments`` metadata, which names files by index)."""
        meta = {}
        for att in payload.get("attachments") or []:
            try:
                meta[int(att.get("id"))] = att
            except (TypeError, ValueError):
                continue
        out = []
        for index, sent in enumerate(files):
            aid = self.upload(sent)
            description = (meta.get(index) or {}).get("description")
            out.append(
                self.obj(channel_id, aid, sent, ephemeral=ephemeral, description=description)
            )
        return out

    def obj(
        self,
        channel_id: int,
        aid: int,
        sent: SentFile,
        *,
        ephemeral: bool = False,
        description: str | None = None,
    ) -> dict[str, Any]:
        url = f"{self.address.http_base}/attachments/{channel_id}/{aid}/{sent.filename}"
        obj: dict[str, Any] = {
            "id": str(aid),
            "filename": sent.filename,
            "size": sent.size,
            "url": url,
            "proxy_url": url,
            "content_type": sent.content_type
            if sent.content_type and sent.content_type != "application/octet-stream"
            else (mimetypes.guess_type(sent.filename)[0] or "application/octet-stream"),
        }
        if description:
            obj["description"] = description
        if ephemeral:
            obj["ephemeral"] = True
        return obj
