"""A user's dialog in Redis, locked and read in one round trip (bot/redis_dialog.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

from bot.redis_dialog import RedisDialogs
from bot.states import Predict

KEY = StorageKey(bot_id=42, chat_id=7, user_id=7)


@pytest.fixture
async def stores(redis_scratch: tuple[str, str]) -> AsyncIterator[list[tuple[RedisStorage, RedisDialogs]]]:
    """Two processes' storages on one Redis."""
    from redis.asyncio import Redis

    url, prefix = redis_scratch
    made: list[tuple[RedisStorage, RedisDialogs]] = []
    for _ in range(2):
        keys = DefaultKeyBuilder(prefix=f"{prefix}:fsm", with_destiny=True)
        storage = RedisStorage(Redis.from_url(url), key_builder=keys)
        isolation = RedisEventIsolation(storage.redis, key_builder=keys, lock_kwargs={"timeout": 0.5})
        made.append((storage, RedisDialogs(storage, isolation)))
    yield made
    for storage, _ in made:
        await storage.close()


async def test_the_dialog_is_read_with_the_lock_and_written_through(
    stores: list[tuple[RedisStorage, RedisDialogs]],
) -> None:
    (storage, dialogs), (other, _) = stores
    await storage.set_state(KEY, Predict.confirm)
    await storage.set_data(KEY, {"model": "iris", "values": {"a": 1}})
    async with dialogs.locked(KEY) as dialog:
        assert await dialog.get_state() == Predict.confirm.state
        data = await dialog.get_data()
        assert data == {"model": "iris", "values": {"a": 1}}
        data["values"]["a"] = 99  # a handler changing its copy changes nothing stored
        assert (await dialog.get_data())["values"] == {"a": 1}
        assert await dialog.update_data(nonce="n1") == {"model": "iris", "values": {"a": 1}, "nonce": "n1"}
        await dialog.set_state(Predict.value)
        # written through: another process sees it at once
        assert await other.get_data(KEY) == {"model": "iris", "values": {"a": 1}, "nonce": "n1"}
        assert await other.get_state(KEY) == Predict.value.state
        assert await dialog.get_value("nonce") == "n1"
        await dialog.clear()
        assert await dialog.get_state() is None and await dialog.get_data() == {}
    assert await other.get_state(KEY) is None and await other.get_data(KEY) == {}


async def test_one_update_of_a_user_at_a_time_across_processes(
    stores: list[tuple[RedisStorage, RedisDialogs]],
) -> None:
    (_, first), (_, second) = stores
    order: list[str] = []
    inside = asyncio.Event()

    async def hold() -> None:
        async with first.locked(KEY) as dialog:
            await dialog.update_data(step=1)
            inside.set()
            order.append("first in")
            await asyncio.sleep(0.2)  # (holds the lock while the other process asks for it)
            order.append("first out")

    async def wait_turn() -> Any:
        await inside.wait()
        async with second.locked(KEY) as dialog:
            order.append("second in")
            return await dialog.get_data()

    _, seen = await asyncio.gather(hold(), wait_turn())
    assert order == ["first in", "first out", "second in"]
    assert seen == {"step": 1}  # read after the first one's write, never before


async def test_a_lock_left_by_a_dead_process_expires(stores: list[tuple[RedisStorage, RedisDialogs]]) -> None:
    (storage, _), (_, other) = stores
    lock = storage.key_builder.build(KEY, "lock")
    await storage.redis.set(lock, "dead-process", px=500)  # taken, never released
    async with other.locked(KEY) as dialog:  # waits out the expiry (timeout 0.5 s here)
        assert await dialog.get_state() is None
        assert await storage.redis.get(lock) != b"dead-process"
    assert await storage.redis.get(lock) is None  # released
