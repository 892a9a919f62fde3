"""Settings, read once from the environment and `.env`, then passed down."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "sqlite:///opsbot.db"
SOURCE_PREFIX = "opsbot_source_"
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,31}$")


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one sentence naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = DEFAULT_DATABASE_URL
    opsbot_admins: str = ""
    opsbot_timezone: str = "UTC"
    opsbot_grace_minutes: int = Field(default=120, ge=0, le=24 * 60)
    opsbot_tick_seconds: int = Field(default=15, ge=1, le=300)
    opsbot_log_level: str = "INFO"
    # Where `opsbot serve` is reached from outside, for the URLs Opsbot prints (calendar feeds).
    opsbot_public_url: str = "http://127.0.0.1:3000"
    # How long a query on a team's own database may run, in seconds.
    opsbot_source_timeout: float = Field(default=10.0, gt=0, le=600)
    # The team's own databases: OPSBOT_SOURCE_<NAME>=<SQLAlchemy URL>, by lower-cased name.
    sources: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            SourceUrls(settings_cls, env_settings, dotenv_settings),
            file_secret_settings,
        )

    @field_validator("sources")
    @classmethod
    def _source_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not SOURCE_NAME.match(name):
                raise ValueError(
                    f"OPSBOT_SOURCE_{name.upper()} is not a source name: use letters, digits "
                    "and _ (up to 32)"
                )
        return value

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme in ("postgres", "postgresql"):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if scheme.startswith("sqlite") or scheme.startswith("postgresql+"):
            return value
        raise ValueError("must be a sqlite:/// or postgresql:// URL")

    @field_validator("opsbot_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA timezone such as Europe/Berlin") from None
        return value

    @field_validator("opsbot_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @cached_property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.opsbot_admins.split(",") if part.strip())

    @cached_property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.opsbot_timezone)

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))


class SourceUrls(PydanticBaseSettingsSource):
    """Every `OPSBOT_SOURCE_<NAME>` of the environment and `.env` (the environment wins), as
    `sources` by lower-cased name; `OPSBOT_SOURCE_TIMEOUT` is a setting, not a source."""

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        env: PydanticBaseSettingsSource,
        dotenv: PydanticBaseSettingsSource,
    ) -> None:
        super().__init__(settings_cls)
        self._layers = [getattr(dotenv, "env_vars", {}), getattr(env, "env_vars", {})]

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, str] = {}
        for layer in self._layers:
            for key, value in layer.items():
                name = key.lower().removeprefix(SOURCE_PREFIX)
                if key.lower().startswith(SOURCE_PREFIX) and name != "timeout" and value:
                    found[name] = value
        return {"sources": found} if found else {}


def database_label(url: str) -> str:
    """A database as its user knows it: a SQLite file's path, or the URL without password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or "an in-memory SQLite database"
    return parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=True)


def load_settings(**overrides: object) -> Settings:
    """Build settings from env/.env (and explicit overrides), or raise SettingsError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
        message = error["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name} is invalid: {message}.") from None
