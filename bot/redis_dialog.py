"""A user's dialog in Redis, locked and read in one round trip.

aiogram's FSM middleware takes the user's lock (redis-py's Lock: SET NX), then reads the state
(GET); the handler then reads the data (GET): three round trips before a handler does anything,
each a few hundred microseconds of the bot's CPU. Here one script takes the lock and returns both
values, and the handler's context serves them from memory. That is safe because the lock is held:
no other update of this user, in any process, touches these keys meanwhile (payments skip the
lock, and touch no dialog). The context's own writes go to Redis first, then to its copy; the
values are kept as the JSON Redis holds, so every read gets a fresh dict, as from RedisStorage.

The lock behaves as redis-py's, which aiogram's RedisEventIsolation uses: a random token, an
expiry (`timeout`, so a crashed process does not keep a user locked), a poll while another update
holds it, and a release that deletes the key only if it still holds this token.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StateType, StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

from bot.storage import DialogContext

log = logging.getLogger(__name__)
POLL = 0.1  # seconds between tries while another update of the user holds the lock (as redis-py)

_ACQUIRE_LUA = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3])}
end
return {0}
"""
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _text(value: Any) -> str | None:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class PrefetchedContext(DialogContext):
    """The dialog of the update holding the lock: reads from memory, writes through to Redis."""

    def __init__(self, storage: RedisStorage, key: StorageKey, state: str | None, data: str | None) -> None:
        super().__init__(storage=storage, key=key)
        self._store = storage
        self._state = state
        self._data = data  # JSON text, None for no data

    async def get_state(self) -> str | None:
        return self._state

    async def set_state(self, state: StateType = None) -> None:
        await self._store.set_state(self.key, state)
        self._state = state.state if isinstance(state, State) else state

    async def get_data(self) -> dict[str, Any]:
        return {} if self._data is None else dict(self._store.json_loads(self._data))

    async def get_value(self, key: str, default: Any | None = None) -> Any | None:
        return (await self.get_data()).get(key, default)

    async def set_data(self, data: Mapping[str, Any]) -> None:
        await self._store.set_data(self.key, data)
        self._data = self._store.json_dumps(data) if data else None

    async def update_data(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        current = await self.get_data()
        current.update(data or {}, **kwargs)
        await self.set_data(current)
        return current

    async def clear(self) -> None:
        await super().clear()
        self._state = self._data = None


class RedisDialogs:
    """Locks a user's dialog and reads it, in one script call."""

    def __init__(self, storage: RedisStorage, isolation: RedisEventIsolation) -> None:
        self.storage = storage
        self.keys = storage.key_builder
        self.timeout_ms = int(float(isolation.lock_kwargs.get("timeout", 60)) * 1000)
        self._acquire = storage.redis.register_script(_ACQUIRE_LUA)
        self._release = storage.redis.register_script(_RELEASE_LUA)

    @asynccontextmanager
    async def locked(self, key: StorageKey) -> AsyncIterator[PrefetchedContext]:
        lock = self.keys.build(key, "lock")
        token = secrets.token_hex(16)
        keys = [lock, self.keys.build(key, "state"), self.keys.build(key, "data")]
        while True:
            got = await self._acquire(keys=keys, args=[token, self.timeout_ms])
            if got[0]:
                break
            await asyncio.sleep(POLL)
        try:
            yield PrefetchedContext(self.storage, key, _text(got[1]), _text(got[2]))
        finally:
            if not await self._release(keys=[lock], args=[token]):
                log.warning("the dialog lock of %s expired before the update ended", lock)
