"""Shared fixtures: a real SQLite file per test, and a fresh PostgreSQL database per test when
TEST_DATABASE_URL is set; the built-in models built once per session; a cheap Argon2id hasher."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)

from bot import replies
from bot.app import Services, build_services
from db.accounts import Passwords
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from tests.bot_harness import Harness
from tests.support import (
    PG_SKIP_REASON,
    REDIS_SKIP_REASON,
    REPO,
    drop_redis_prefix,
    make_pg_database,
    pg_admin_url_or_none,
    settings_for,
)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = pg_admin_url_or_none()
    if url is None:
        pytest.skip(PG_SKIP_REASON)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    admin = pg_admin_url_or_none()
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


@pytest.fixture
def admin_id() -> int:
    return 9001


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


@pytest.fixture(autouse=True)
def no_running_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    """A quick run shows no "running…" notice; a run slower than RUNNING_NOTICE_AFTER (1 s) does.
    On a loaded machine (two suites at once, PostgreSQL, a first model load) a quick run has taken
    over a second, so tests set the delay far out and the one test of the notice sets it short."""
    monkeypatch.setattr(replies, "RUNNING_NOTICE_AFTER", 60.0)


@pytest.fixture
async def harness(services: Services) -> AsyncIterator[Harness]:
    """The real Dispatcher around `services`, with a session that answers like the Bot API."""
    h = Harness(services)
    yield h
    await h.close()
