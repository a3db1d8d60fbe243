"""FSM storage that survives restarts: a small SQLite file of its own.

Kept apart from the main database on purpose: SQLite locks a whole file, and dialog state is
written in the middle of handlers that may hold a ledger transaction; one file each means the
two never wait on one another. (Deployments with Redis use aiogram's RedisStorage instead.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiosqlite
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fsm (
    key TEXT PRIMARY KEY,
    state TEXT,
    data TEXT NOT NULL DEFAULT '{}'
)
"""


class SQLiteStorage(BaseStorage):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._keys = DefaultKeyBuilder(with_destiny=True)
        self._db: aiosqlite.Connection | None = None

    async def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(self.path, timeout=30)
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute(_SCHEMA)
            await db.commit()
            self._db = db
        return self._db

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        db = await self._conn()
        await db.execute(
            "INSERT INTO fsm (key, state) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET state = excluded.state",
            (self._keys.build(key), value),
        )
        await db.commit()

    async def get_state(self, key: StorageKey) -> str | None:
        db = await self._conn()
        async with db.execute("SELECT state FROM fsm WHERE key = ?", (self._keys.build(key),)) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        db = await self._conn()
        await db.execute(
            "INSERT INTO fsm (key, data) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET data = excluded.data",
            (self._keys.build(key), json.dumps(dict(data), ensure_ascii=False)),
        )
        await db.commit()

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        db = await self._conn()
        async with db.execute("SELECT data FROM fsm WHERE key = ?", (self._keys.build(key),)) as cur:
            row = await cur.fetchone()
        return dict(json.loads(row[0])) if row else {}

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None
