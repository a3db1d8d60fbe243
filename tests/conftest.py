"""Shared fixtures: a real SQLite file per test, and a fresh PostgreSQL database per test when
TEST_DATABASE_URL is set; the built-in models built once per session; a cheap Argon2id hasher."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.app import Services, build_services
from bot.config import Settings
from db.accounts import Passwords
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from tests.models_for_tests import TEST_MODEL_TYPES

PG_SKIP_REASON = (
    "PostgreSQL tests need TEST_DATABASE_URL, e.g. "
    "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres (each test gets a fresh database)"
)
REPO = Path(__file__).resolve().parent.parent


def _pg_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


async def _pg_exec(admin_url: str, sql: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = _pg_admin_url()
    if url is None:
        pytest.skip(PG_SKIP_REASON)
    return url


def make_pg_database(admin_url: str) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:16]}"
    asyncio.run(_pg_exec(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_pg_exec(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    admin = _pg_admin_url()
    if admin is None:
        pytest.skip(PG_SKIP_REASON)
    yield from make_pg_database(admin)


@pytest.fixture
def backend(db_url: str) -> str:
    return make_url(db_url).get_backend_name()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(db_url)
    await upgrade(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    # Real Argon2id, with small costs so that tests register many users quickly.
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def built_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in catalogue, trained once per test session from scikit-learn's datasets."""
    from ml.train import build_catalogue

    path = tmp_path_factory.mktemp("models_built")
    shutil.copy(REPO / "models_store" / "catalogue.toml", path / "catalogue.toml")
    build_catalogue(path)
    return path


@pytest.fixture
def models_dir(built_models: Path, tmp_path: Path) -> Path:
    """A private copy of the built catalogue, free to tamper with."""
    path = tmp_path / "models"
    shutil.copytree(built_models, path)
    return path


def settings_for(db_url: str, models_dir: Path, **kw: Any) -> Settings:
    kw.setdefault("fsm_path", models_dir.parent / "fsm.db")
    kw.setdefault("throttle_rate", 0)  # tests send fast; the throttle has its own test
    kw.setdefault("model_trusted_types", TEST_MODEL_TYPES)  # the misbehaving test models
    return Settings(database_url=db_url, models_dir=models_dir, ml_workers=2, **kw)


@pytest.fixture
def admin_id() -> int:
    return 9001


REDIS_SKIP_REASON = (
    "Redis tests need TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/0 (keys get a unique prefix)"
)


async def drop_redis_prefix(url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}:*", count=500)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@pytest.fixture
async def redis_scratch() -> AsyncIterator[tuple[str, str]]:
    """A Redis URL and a key prefix of this test's own (its keys removed afterwards); the test
    is skipped without TEST_REDIS_URL."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip(REDIS_SKIP_REASON)
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield url, prefix
    await drop_redis_prefix(url, prefix)


@pytest.fixture
async def redis_prefix(backend: str) -> AsyncIterator[str | None]:
    """On PostgreSQL runs with TEST_REDIS_URL set, the bot shares state through Redis (the
    scale-out configuration); on SQLite it keeps the embedded default."""
    url = os.environ.get("TEST_REDIS_URL")
    if backend != "postgresql" or not url:
        yield None
        return
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    await drop_redis_prefix(url, prefix)


@pytest.fixture
async def services(
    db_url: str, models_dir: Path, passwords: Passwords, admin_id: int, redis_prefix: str | None
) -> AsyncIterator[Services]:
    extra: dict[str, Any] = {}
    if redis_prefix:
        extra = {"redis_url": os.environ["TEST_REDIS_URL"], "redis_prefix": redis_prefix}
    c = await build_services(
        settings_for(db_url, models_dir, admin_ids=frozenset({admin_id}), **extra), passwords
    )
    yield c
    await c.close()
