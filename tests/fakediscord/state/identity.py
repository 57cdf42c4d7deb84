"""Who the fake is and where it listens: the application, its bot user, the owner, the address."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import fixtures as fx

if TYPE_CHECKING:
    from .world import World

# application flags of an ordinary unverified bot with slash commands
DEFAULT_APPLICATION_FLAGS = (1 << 15) | (1 << 19) | (1 << 23)


@dataclass
class Identity:
    """The bot token, the application and the users every test meets."""

    token: str
    application_id: int
    bot_user: dict[str, Any]
    owner_user: dict[str, Any]
    default_user: dict[str, Any]
    team_member_ids: list[int]
    application_flags: int = DEFAULT_APPLICATION_FLAGS

    @classmethod
    def create(
        cls,
        *,
        token: str,
        application_id: int | None,
        bot_name: str,
        owner: dict[str, Any] | None,
        team_member_ids: Iterable[int] | None,
        default_user: dict[str, Any] | None,
    ) -> Identity:
        app_id = int(application_id or fx.snowflake())
        bot_user = fx.make_user(app_id, bot_name.lower(), bot=True)
        bot_user.update({"verified": True, "mfa_enabled": False, "locale": "en-US"})
        bot_user["username"] = bot_name
        owner_user = owner or fx.make_user(None, "owner")
        tester = default_user or fx.make_user(None, "tester")
        return cls(
            token, app_id, bot_user, owner_user, tester, [int(x) for x in team_member_ids or []]
        )


def application_info(identity: Identity, world: World) -> dict[str, Any]:
    """The application object of ``GET /applications/@me`` (with a team if it has members)."""
    owner = identity.owner_user
    team = None
    if identity.team_member_ids:
        team_id = str(fx.snowflake())
        owner = {
            "id": team_id,
            "username": f"team{team_id}",
            "discriminator": "0000",
            "avatar": None,
            "flags": 1024,
            "global_name": None,
        }
        team = {
            "id": team_id,
            "name": "Strikewatch team",
            "icon": None,
            "owner_user_id": str(identity.team_member_ids[0]),
            "members": [
                {
                    "membership_state": 2,
                    "team_id": team_id,
                    "permissions": ["*"],
                    "role": "admin",
                    "user": world.resolve_user(uid),
                }
                for uid in identity.team_member_ids
            ],
        }
    return {
        "id": str(identity.application_id),
        "name": identity.bot_user["username"],
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": identity.application_flags,
        "owner": owner,
        "team": team,
        "bot": identity.bot_user,
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "rpc_origins": [],
        "tags": [],
        "approximate_guild_count": len(world.guilds),
        "install_params": {
            "scopes": ["bot", "applications.commands"],
            "permissions": str(fx.BOT_ROLE_PERMISSIONS),
        },
        "integration_types_config": {"0": {}},
    }


class Address:
    """Where the fake listens; ``port`` is known once the server started."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.port: int | None = None

    @property
    def http_base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.http_base}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway/resume"
