"""Settings, read once from the environment and `.env` (see .env.example)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr = SecretStr("")
    database_url: str = "sqlite+aiosqlite:///data/bot.db"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    models_dir: Path = Path("models_store")
    telegram_api_url: str | None = None
    ml_workers: int = Field(default=2, ge=1, le=64)
    ml_timeout: float = Field(default=30.0, gt=0)
    # dynamic batching: concurrent requests for a model run as one call
    ml_batching: bool = True
    ml_batch_max: int = Field(default=256, ge=1, le=10_000)
    ml_batch_wait_ms: float = Field(default=3.0, ge=0, le=1000)
    welcome_credits: float = Field(default=10.0, ge=0, le=1_000_000)
    default_model_cost: float = Field(default=1.0, ge=0)
    # Model files are skops files, loaded with an allow-list of types (see ml/formats.py); add the
    # full names of your own trusted classes here (comma-separated), e.g. a custom transformer.
    model_trusted_types: Annotated[frozenset[str], NoDecode] = frozenset()
    # Pickle (.joblib/.pkl) uploads run code when loaded: refused unless this is on, and then
    # converted to skops in a separate process with these limits, never loaded in the bot's.
    allow_pickle_uploads: bool = False
    # address space, including the ~300 MB joblib, skops and scikit-learn take before any pickle:
    # below 384 every conversion would fail
    pickle_convert_memory_mb: int = Field(default=1024, ge=384)
    pickle_convert_seconds: float = Field(default=60.0, gt=0)
    # The conversion runs isolated (user, network and PID namespaces, Landlock, seccomp: see
    # ml/convert.py); where the kernel refuses part of that, it is refused unless this is on
    # (then the pickle's code may reach what the kernel did not shut off, e.g. the bot's files).
    pickle_convert_without_isolation: bool = False
    log_level: str = "INFO"
    # FSM (dialog) state: a SQLite file of its own, so dialogs survive restarts
    fsm_path: Path = Path("data/fsm.db")
    # per-user flood control: `throttle_burst` updates at once, refilled at `throttle_rate`/s
    throttle_rate: float = Field(default=3.0, ge=0)
    throttle_burst: int = Field(default=10, ge=1)
    # Outgoing pacing under Telegram's flood limits (bot/pacer.py): messages per second overall,
    # per second to one chat (with a short burst), per minute to one group; off only for a Bot API
    # without limits (a local test server)
    pace_sends: bool = True
    pace_global_per_second: float = Field(default=30.0, gt=0)
    pace_chat_per_second: float = Field(default=1.0, gt=0)
    pace_chat_burst: int = Field(default=3, ge=1)
    pace_group_per_minute: float = Field(default=20.0, gt=0)
    # CSV batches
    batch_max_rows: int = Field(default=1000, ge=1)
    batch_max_bytes: int = Field(default=1_000_000, ge=100)
    # broadcast pace, messages per second (Telegram allows about 30)
    broadcast_rate: float = Field(default=20.0, gt=0, le=30)
    # top-ups with Telegram Stars: packs "stars:credits,...", and a custom amount within bounds
    topup_packs: str = "50:50,100:105,250:275,500:600"
    topup_credits_per_star: float = Field(default=1.0, gt=0, le=1000)
    topup_min_stars: int = Field(default=1, ge=1)
    topup_max_stars: int = Field(default=10_000, ge=1, le=100_000)
    # how often refunds that failed on a transient error are tried again, seconds
    refund_retry_seconds: float = Field(default=60.0, gt=0)
    # reconciliation against Telegram's record (getStarTransactions): at start-up and every this
    # many seconds (0: at start-up only), over the newest this many transactions
    stars_sync_seconds: float = Field(default=600.0, ge=0)
    stars_sync_depth: int = Field(default=5000, ge=1, le=1_000_000)
    # who answers /paysupport and is named in /terms (e.g. @your_support or an email); shown to
    # users. Empty: /paysupport passes the user's next message on to the admins (ADMIN_IDS).
    support_contact: str = ""

    # -- deployment ---------------------------------------------------------------------
    # polling (default) or webhook (aiohttp server; needs WEBHOOK_URL and WEBHOOK_SECRET)
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""  # public base URL Telegram calls, e.g. https://bot.example.com
    webhook_path: str = "/telegram/webhook"
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    webhook_secret: SecretStr = SecretStr("")  # checked on every request (X-Telegram-Bot-Api-Secret-Token)
    webhook_set_on_start: bool = True  # several processes behind one URL: let one of them set it
    webhook_delete_on_shutdown: bool = False
    health_path: str = "/healthz"
    # Redis: FSM state, per-user locks, update de-duplication and throttling shared by processes
    redis_url: str | None = None
    redis_prefix: str = "predictbot"
    # dialog state in Redis expires this long after its last change (abandoned dialogs); 0: never
    fsm_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=0)
    # graceful shutdown: how long to let running updates (predictions) finish, seconds
    shutdown_timeout: float = Field(default=30.0, ge=0)
    log_format: Literal["text", "json"] = "text"

    @field_validator("topup_packs")
    @classmethod
    def _check_packs(cls, value: str) -> str:
        from services.payments import parse_packs

        try:
            parse_packs(value)
        except (ValueError, ArithmeticError) as exc:
            raise ValueError(f"TOPUP_PACKS must look like '50:50,100:105': {exc}") from None
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("model_trusted_types", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(p for p in value.replace(";", ",").replace(" ", ",").split(",") if p)
        return value

    @field_validator("telegram_api_url", "redis_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None
