"""Settings, read once from the environment and `.env` (see .env.example)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
    welcome_credits: float = Field(default=10.0, ge=0, le=1_000_000)
    default_model_cost: float = Field(default=1.0, ge=0)
    log_level: str = "INFO"
    # FSM (dialog) state: a SQLite file of its own, so dialogs survive restarts
    fsm_path: Path = Path("data/fsm.db")
    # per-user flood control: `throttle_burst` updates at once, refilled at `throttle_rate`/s
    throttle_rate: float = Field(default=3.0, ge=0)
    throttle_burst: int = Field(default=10, ge=1)
    # CSV batches
    batch_max_rows: int = Field(default=1000, ge=1)
    batch_max_bytes: int = Field(default=1_000_000, ge=100)
    # broadcast pace, messages per second (Telegram allows about 30)
    broadcast_rate: float = Field(default=20.0, gt=0, le=30)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("telegram_api_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None
