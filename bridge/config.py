"""Typed settings read once from the environment (names are a contract, see DESIGN.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "postgresql://127.0.0.1:5432/postventa"


class ConfigError(ValueError):
    """A setting is present but unusable."""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _int_env(name: str, default: int) -> int:
    raw = _env(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    odoo_url: str = ""
    odoo_db: str = ""
    odoo_api_key: str = field(default="", repr=False)
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_whatsapp_from: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    admin_api_key: str = field(default="", repr=False)
    customer_token_secret: str = field(default="", repr=False)  # HMAC key of customer tokens (docs/security.md)
    retention_days: int = 180  # personal data in the channel store (python -m bridge purge)
    media_processing: str = "queue"
    media_dir: str = "var/media"
    media_allow_loopback: bool = False  # development only: media from loopback hosts (the simulator)
    event_webhook_url: str = ""
    event_webhook_secret: str = field(default="", repr=False)
    pinecone_api_key: str = field(default="", repr=False)
    pinecone_index: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        settings = cls(
            database_url=_env("DATABASE_URL", DEFAULT_DATABASE_URL),
            odoo_url=_env("ODOO_URL").rstrip("/"),
            odoo_db=_env("ODOO_DB"),
            odoo_api_key=_env("ODOO_API_KEY"),
            twilio_account_sid=_env("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=_env("TWILIO_AUTH_TOKEN"),
            twilio_whatsapp_from=_env("TWILIO_WHATSAPP_FROM"),
            public_base_url=_env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            admin_api_key=_env("ADMIN_API_KEY"),
            customer_token_secret=_env("CUSTOMER_TOKEN_SECRET"),
            retention_days=_int_env("RETENTION_DAYS", 180),
            media_processing=_env("MEDIA_PROCESSING", "queue").lower(),
            media_dir=_env("MEDIA_DIR", "var/media"),
            media_allow_loopback=_env("MEDIA_ALLOW_LOOPBACK").lower() in ("1", "true", "yes"),
            event_webhook_url=_env("EVENT_WEBHOOK_URL"),
            event_webhook_secret=_env("EVENT_WEBHOOK_SECRET"),
            pinecone_api_key=_env("PINECONE_API_KEY"),
            pinecone_index=_env("PINECONE_INDEX"),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.media_processing not in ("queue", "inline"):
            raise ConfigError(
                f"MEDIA_PROCESSING must be 'queue' or 'inline', got {self.media_processing!r}"
            )
        if not self.database_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("DATABASE_URL must be a postgresql:// URL")
        if self.customer_token_secret and len(self.customer_token_secret) < 32:
            raise ConfigError("CUSTOMER_TOKEN_SECRET must have at least 32 characters")
        if not 30 <= self.retention_days <= 3650:
            raise ConfigError("RETENTION_DAYS must be between 30 and 3650")
        if self.event_webhook_url and not self.event_webhook_secret:
            raise ConfigError("EVENT_WEBHOOK_URL is set but EVENT_WEBHOOK_SECRET is not")

    # What is switched on. Unset cloud keys mean the embedded default.
    @property
    def odoo_enabled(self) -> bool:
        return bool(self.odoo_url and self.odoo_db and self.odoo_api_key)

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def pinecone_enabled(self) -> bool:
        return bool(self.pinecone_api_key and self.pinecone_index)

    @property
    def webhook_enabled(self) -> bool:
        return bool(self.event_webhook_url and self.event_webhook_secret)

    def describe_off(self) -> list[str]:
        """Human-readable list of integrations that are off, for the start-up log."""
        off = []
        if not self.odoo_enabled:
            off.append("Odoo sync (ODOO_URL/ODOO_DB/ODOO_API_KEY unset)")
        if not self.twilio_enabled:
            off.append(
                "outbound WhatsApp (TWILIO_* unset; the webhook takes only the local development token from loopback)"
            )
        if not self.pinecone_enabled:
            off.append("Pinecone (local vectors in Postgres are used)")
        if not self.webhook_enabled:
            off.append("event webhooks to Make/n8n (EVENT_WEBHOOK_URL unset; pull feed only)")
        if not self.customer_token_secret:
            off.append("customer tokens (CUSTOMER_TOKEN_SECRET unset: only the dealer key gets case data)")
        if not self.admin_api_key:
            off.append("admin API (ADMIN_API_KEY unset: /admin answers 503)")
        return off
