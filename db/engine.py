"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def hide_parameters_in_logs() -> None:
    """No log line ever holds a statement's parameters or rows (emails, password hashes), whatever
    the root level: aiosqlite logs each call with its arguments at DEBUG, SQLAlchemy's engine
    logger result rows at DEBUG (its statements at INFO carry no parameters: hide_parameters)."""
    driver = logging.getLogger("aiosqlite")
    driver.setLevel(max(driver.level, logging.INFO))  # NOTSET (0) would follow the root down
    engine = logging.getLogger("sqlalchemy.engine")
    if engine.getEffectiveLevel() < logging.INFO:  # SQLAlchemy's own default is WARNING: kept
        engine.setLevel(logging.INFO)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine, with SQLite set up for many concurrent writers.

    SQLite: WAL (readers never block the writer), a busy timeout instead of instant
    "database is locked", foreign keys on, and every transaction opened with BEGIN IMMEDIATE so
    a transaction that reads and then writes cannot fail half-way on a lock upgrade.
    Parameters never reach a log: not in echoed statements, not in error messages.
    """
    hide_parameters_in_logs()
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if not is_sqlite(url):
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        return create_async_engine(url, **kwargs)

    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    kwargs["connect_args"] = {"timeout": 30}
    # SQLite runs one writer at a time whatever we do. With many connections, the waiting ones sit
    # in SQLite's busy handler, which sleeps in steps of up to 100 ms; one connection instead
    # makes them queue in the event loop and take the lock the moment it is free.
    kwargs.update(pool_size=1, max_overflow=0, pool_timeout=120)
    engine = create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A unit of work on an existing session: commit at the end, roll back on error."""
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    await session.commit()
