"""Wire-level fake of Discord (REST v10 + gateway) for end-to-end tests of the real client."""

from .control import Opt, OptionType
from .fixtures import (
    ADMINISTRATOR,
    ATTACH_FILES,
    BOT_ROLE_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    EMBED_LINKS,
    MANAGE_GUILD,
    OVERWRITE_MEMBER,
    OVERWRITE_ROLE,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    guild_id_on_shard,
    make_guild,
    make_member,
    make_overwrite,
    make_role,
    make_text_channel,
    make_user,
    shard_of,
    snowflake,
)
from .limits import FaultRule, RateLimitModel
from .records import InteractionHandle, MessageRecord, Reply, RequestRecord, SentFile
from .server import FakeDiscord

__all__ = [
    "ADMINISTRATOR",
    "ATTACH_FILES",
    "BOT_ROLE_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "EMBED_LINKS",
    "MANAGE_GUILD",
    "OVERWRITE_MEMBER",
    "OVERWRITE_ROLE",
    "SEND_MESSAGES",
    "VIEW_CHANNEL",
    "FakeDiscord",
    "FaultRule",
    "InteractionHandle",
    "MessageRecord",
    "Opt",
    "OptionType",
    "RateLimitModel",
    "Reply",
    "RequestRecord",
    "SentFile",
    "guild_id_on_shard",
    "make_guild",
    "make_member",
    "make_overwrite",
    "make_role",
    "make_text_channel",
    "make_user",
    "shard_of",
    "snowflake",
]
