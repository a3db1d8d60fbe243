"""FSM storage that survives restarts: a small SQLite file of its own, read through a cache.

Kept apart from the main database on purpose: SQLite locks a whole file, and dialog state is
written in the middle of handlers that may hold a ledger transaction; one file each means the
two never wait on one another. (Deployments with Redis use aiogram's RedisStorage instead.)

One process owns the file (several processes share state through Redis), so reads are served
from memory once a key is known. Writes update memory and are awaited until they are committed:
concurrent writes share one transaction (group commit), so a burst of dialogs costs a few
commits, not one per step, and a write that returned is on disk.
"""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import aiosqlite
from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import DEFAULT_DESTINY, BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import TelegramObject

from bot.events import is_payment

if TYPE_CHECKING:
    from bot.redis_dialog import RedisDialogs
from grouping import Coalescer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fsm (
    key TEXT PRIMARY KEY,
    state TEXT,
    data TEXT NOT NULL DEFAULT '{}'
)
"""
_EMPTY = "{}"


class SQLiteStorage(BaseStorage):
    def __init__(self, path: Path | str, cache_size: int = 100_000) -> None:
        self.path = Path(path)
        self.cache_size = cache_size
        self._keys = DefaultKeyBuilder(with_destiny=True)
        self._db: aiosqlite.Connection | None = None
        # key -> (state, data as JSON), most recently used last
        self._cache: OrderedDict[str, tuple[str | None, str]] = OrderedDict()
        self._writing: Counter[str] = Counter()  # keys with a write on its way to disk
        self._write: Coalescer[tuple[str, str | None, str], None] = Coalescer(
            self._write_batch, name="fsm-write"
        )
        self._read: Coalescer[str, tuple[str | None, str]] = Coalescer(self._read_batch, name="fsm-read")

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

    # -- batches -------------------------------------------------------------------------------
    async def _write_batch(self, items: list[tuple[str, str | None, str]]) -> list[None]:
        latest = {key: (state, data) for key, state, data in items}  # the last write of a key wins
        db = await self._conn()
        await db.executemany(
            "INSERT INTO fsm (key, state, data) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET state = excluded.state, data = excluded.data",
            [(key, state, data) for key, (state, data) in latest.items()],
        )
        await db.commit()
        return [None] * len(items)

    async def _read_batch(self, keys: list[str]) -> list[tuple[str | None, str]]:
        db = await self._conn()
        unique = list(dict.fromkeys(keys))
        found: dict[str, tuple[str | None, str]] = {}
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            async with db.execute(f"SELECT key, state, data FROM fsm WHERE key IN ({marks})", chunk) as cur:
                for key, state, data in await cur.fetchall():
                    found[key] = (state, data)
        return [found.get(key, (None, _EMPTY)) for key in keys]

    # -- the cache -----------------------------------------------------------------------------
    @property
    def cached_keys(self) -> int:
        """Keys served from memory (at most `cache_size`, and those with a write under way)."""
        return len(self._cache)

    async def _get(self, key: str) -> tuple[str | None, str]:
        entry = self._cache.get(key)
        if entry is not None:
            self._cache.move_to_end(key)
            return entry
        loaded = await self._read(key)
        # A write that happened while we read is newer than what we read: keep it.
        entry = self._cache.setdefault(key, loaded)
        self._trim()  # most updates only read (users not in a dialog): the cap holds for them too
        return entry

    async def _put(self, key: str, state: str | None, data: str) -> None:
        self._cache[key] = (state, data)
        self._cache.move_to_end(key)
        self._writing[key] += 1
        try:
            await self._write((key, state, data))
        finally:
            self._writing[key] -= 1
            if not self._writing[key]:
                del self._writing[key]
        self._trim()

    def _trim(self) -> None:
        # Evict the least recently used keys that are on disk; a miss reads them back.
        excess = len(self._cache) - self.cache_size
        if excess <= 0:
            return
        victims: list[str] = []
        for key in self._cache:
            if len(victims) == excess:
                break
            if key not in self._writing:
                victims.append(key)
        for key in victims:
            del self._cache[key]

    # -- BaseStorage ---------------------------------------------------------------------------
    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        k = self._keys.build(key)
        _, data = await self._get(k)
        await self._put(k, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._get(self._keys.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        encoded = json.dumps(dict(data), ensure_ascii=False)
        k = self._keys.build(key)
        state, _ = await self._get(k)
        await self._put(k, state, encoded)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._get(self._keys.build(key))
        return dict(json.loads(data))

    async def clear(self, key: StorageKey) -> None:
        """No state and no data, in one write (FSMContext.clear makes two)."""
        await self._put(self._keys.build(key), None, _EMPTY)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None


class DialogContext(FSMContext):
    """FSMContext whose `clear()` (the end of every dialog, and of every paid run) is one
    awaited write instead of two (SQLiteStorage), or one Redis call instead of two."""

    async def clear(self) -> None:
        if isinstance(self.storage, SQLiteStorage):
            await self.storage.clear(self.key)
        elif isinstance(self.storage, RedisStorage):  # both keys in one round trip
            keys = self.storage.key_builder
            await self.storage.redis.delete(keys.build(self.key, "state"), keys.build(self.key, "data"))
        else:
            await super().clear()


class DialogContextMiddleware(FSMContextMiddleware):
    """aiogram's FSM middleware, handing handlers a DialogContext. A payment does not wait for
    the user's lock: it touches no dialog, and a long CSV batch of the same user must not keep
    it (and, in polling mode, every update after it) waiting. With Redis, `dialogs` locks and
    reads a user's dialog in one round trip (bot/redis_dialog.py)."""

    def __init__(self, *args: Any, dialogs: RedisDialogs | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dialogs = dialogs

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if is_payment(event):  # no lock
            context = self.resolve_event_context(cast(Bot, data["bot"]), data)
            data["fsm_storage"] = self.storage
            if context is not None:
                data.update({"state": context, "raw_state": await context.get_state()})
            return await handler(event, data)
        if self.dialogs is None:
            return await super().__call__(handler, event, data)
        context = self.resolve_event_context(cast(Bot, data["bot"]), data)
        data["fsm_storage"] = self.storage
        if context is None:
            return await handler(event, data)
        async with self.dialogs.locked(context.key) as dialog:  # lock and read: one round trip
            data.update({"state": dialog, "raw_state": await dialog.get_state()})
            return await handler(event, data)

    def get_context(
        self,
        bot: Bot,
        chat_id: int,
        user_id: int,
        thread_id: int | None = None,
        business_connection_id: str | None = None,
        destiny: str = DEFAULT_DESTINY,
    ) -> FSMContext:
        plain = super().get_context(bot, chat_id, user_id, thread_id, business_connection_id, destiny)
        return DialogContext(storage=plain.storage, key=plain.key)
