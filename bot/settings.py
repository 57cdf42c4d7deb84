"""Typed settings read from the environment and `.env`; a bad value names the setting."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import __version__
from bot.domain.roles import parse_shard_ids
from bot.errors import StrikewatchError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
DEFAULT_INDEX_URL = "https://www.england.nhs.uk/publication/preparedness-for-potential-industrial-action-in-the-nhs/"


class SettingsError(StrikewatchError):
    """One line that names the setting and what is wrong with it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite:///data/strikewatch.db"
    nhs_index_url: str = DEFAULT_INDEX_URL
    poll_interval_minutes: int = Field(30, ge=1, le=24 * 60)
    http_user_agent: str = (
        f"Strikewatch/{__version__} (NHS strike figures bot; contact: set HTTP_USER_AGENT)"
    )
    http_deadline_seconds: float = Field(60.0, gt=0, le=3600)
    http_retries: int = Field(3, ge=0, le=10)
    http_backoff_seconds: float = Field(2.0, ge=0, le=600)
    max_page_bytes: int = Field(5_000_000, gt=0)
    max_workbook_bytes: int = Field(20_000_000, gt=0)
    max_workbook_uncompressed_bytes: int = Field(200_000_000, gt=0)
    workbook_recheck_hours: float = Field(24.0, ge=0)
    poll_deadline_seconds: float = Field(900.0, gt=0, le=6 * 3600)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    discord_token: SecretStr | None = None
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    dev_guild_id: int | None = None
    owner_ids: str = ""
    shard_count: int | None = Field(None, ge=1, le=10_000)
    shard_ids: str = ""
    metrics_port: int | None = Field(None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
            return value
        if value.startswith(POSTGRES_SCHEMES) and urlsplit(value).hostname:
            return value
        raise ValueError(
            "use sqlite:///relative/path, sqlite:////absolute/path"
            " or postgresql://user:password@host:port/dbname"
        )

    @field_validator("nhs_index_url", "discord_api_base", "discord_gateway_url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
            raise ValueError(f"{value!r} is not an absolute http(s) or ws(s) URL")
        return value

    @field_validator("http_user_agent")
    @classmethod
    def _user_agent(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name the bot and a contact")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("owner_ids")
    @classmethod
    def _owner_ids(cls, value: str) -> str:
        for part in value.replace(",", " ").split():
            if not part.isdigit():
                raise ValueError(f"{part!r} is not a Discord user id (comma-separated numbers)")
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shard_ids(cls, value: str) -> str:
        parse_shard_ids(value, 10_000)  # the syntax here; the count is checked with SHARD_COUNT
        return value

    @model_validator(mode="after")
    def _shards(self) -> Settings:
        if self.shard_ids.strip() and self.shard_count is None:
            raise ValueError("SHARD_IDS: set SHARD_COUNT too (every process must agree on it)")
        if self.shard_count is not None:
            try:
                parse_shard_ids(self.shard_ids, self.shard_count)
            except ValueError as exc:
                raise ValueError(f"SHARD_IDS: {exc}") from None
        return self

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(POSTGRES_SCHEMES)

    @property
    def database_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def owner_id_set(self) -> frozenset[int]:
        return frozenset(int(p) for p in self.owner_ids.replace(",", " ").split())


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line per bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            if err["loc"]:
                message = f"{str(err['loc'][0]).upper()}: {message}"
            problems.append(message)
        raise SettingsError("bad setting " + "; ".join(problems)) from None
