"""What the tests share besides fixtures: settings for a test database, the PostgreSQL and Redis
scratch helpers, skip reasons, a free port."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings
from tests.models_for_tests import TEST_MODEL_TYPES

REPO = Path(__file__).resolve().parent.parent

PG_SKIP_REASON = (
    "PostgreSQL tests need TEST_DATABASE_URL, e.g. "
    "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres (each test gets a fresh database)"
)

REDIS_SKIP_REASON = (
    "Redis tests need TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/0 (keys get a unique prefix)"
)


def pg_admin_url_or_none() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


async def pg_exec(admin_url: str, sql: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


def make_pg_database(admin_url: str) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:16]}"
    asyncio.run(pg_exec(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(pg_exec(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def settings_for(db_url: str, models_dir: Path, **kw: Any) -> Settings:
    kw.setdefault("fsm_path", models_dir.parent / "fsm.db")
    kw.setdefault("throttle_rate", 0)  # tests send fast; the throttle has its own test
    kw.setdefault("model_trusted_types", TEST_MODEL_TYPES)  # the misbehaving test models
    return Settings(database_url=db_url, models_dir=models_dir, ml_workers=2, **kw)


async def drop_redis_prefix(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}:*", count=500)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
