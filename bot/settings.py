"""Settings from the environment or ``.env`` (prefix ZHIBU_), built once at start-up and passed down."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")


class ConfigError(Exception):
    """A setting is missing or malformed; ``code`` names which (templates/*/cli_config.txt.j2 says it)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHIBU_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = "sqlite:///zhibu.sqlite3"
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str | None = None
    proxy_url: str | None = None  # an HTTP(S) proxy for reaching the Bot API, e.g. http://127.0.0.1:7890
    timezone: str = "Asia/Shanghai"
    locale: str = "zh"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    webhook_cert: str | None = None
    webhook_key: str | None = None
    poll_timeout: int = Field(default=30, ge=0, le=50)
    log_level: str = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from exc
        return value

    @field_validator("proxy_url")
    @classmethod
    def _http_proxy(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// proxy address")
        return value or None

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in ("zh", "en"):
            raise ValueError("must be zh or en")
        return value

    @property
    def file_url(self) -> str:
        """File downloads: the setting, or the base URL with /bot replaced by /file/bot."""
        if self.api_file_url:
            return self.api_file_url
        base = self.api_base_url.rstrip("/")
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"

    def token(self) -> str:
        """The bot token, or ConfigError saying what to set."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigError("token_missing")
        token = self.bot_token.get_secret_value().strip()
        if not TOKEN_PATTERN.match(token):
            raise ConfigError("token_malformed")
        return token

    def public_url(self) -> str:
        if not self.webhook_url or not self.webhook_url.startswith(("https://", "http://")):
            raise ConfigError("webhook_url_missing")
        return self.webhook_url

    def secret(self) -> str:
        if self.webhook_secret is None or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", self.webhook_secret.get_secret_value()):
            raise ConfigError("secret_missing")
        return self.webhook_secret.get_secret_value()


def load_settings() -> Settings:
    """Build the settings once, turning validation errors into one readable ConfigError."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"ZHIBU_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors())
        raise ConfigError("bad_setting", problems) from None
