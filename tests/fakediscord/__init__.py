"""Wire-level fake of Discord (REST v10 + gateway) for end-to-end tests of the real client.

See ``server.FakeDiscord`` for the API; ``fixtures`` builds guild/channel/role payloads.
"""

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
    make_guild,
    make_member,
    make_overwrite,
    make_role,
    make_text_channel,
    make_user,
    snowflake,
)
from .records import InteractionHandle, MessageRecord, Reply, RequestRecord, SentFile
from .server import FakeDiscord, FaultRule, Opt, OptionType, RateLimitModel

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
    "make_guild",
    "make_member",
    "make_overwrite",
    "make_role",
    "make_text_channel",
    "make_user",
    "snowflake",
]
