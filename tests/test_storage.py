"""The SQLite FSM storage: served from memory, every awaited write on disk, grouped under load."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.app import Services
from bot.dispatcher import create_bot, create_dispatcher
from bot.local_session import LocalSession
from bot.states import Predict
from bot.storage import DialogContext, SQLiteStorage
from tests.bot_harness import Harness, TgUser
from tests.support import REDIS_SKIP_REASON, drop_redis_prefix


def key(i: int) -> StorageKey:
    return StorageKey(bot_id=42, chat_id=i, user_id=i)


async def test_writes_survive_a_new_process_and_are_grouped(tmp_path: Path) -> None:
    first = SQLiteStorage(tmp_path / "fsm.db")
    await asyncio.gather(
        *(first.set_state(key(i), Predict.value) for i in range(200)),
        *(first.set_data(key(i), {"model": "iris", "n": i, "name": "Ёж"}) for i in range(200)),
    )
    assert first._write.batches < 100  # 400 writes, far fewer commits
    await first.set_state(key(7), Predict.confirm)  # the last write of a key wins
    await first.close()

    second = SQLiteStorage(tmp_path / "fsm.db")  # as after a restart: nothing in memory
    states = await asyncio.gather(*(second.get_state(key(i)) for i in range(200)))
    assert states.count(Predict.value.state) == 199 and states[7] == Predict.confirm.state
    assert await second.get_data(key(150)) == {"model": "iris", "n": 150, "name": "Ёж"}
    assert await second.get_state(key(10_000)) is None and await second.get_data(key(10_000)) == {}
    await second.close()


async def test_a_small_cache_evicts_and_reads_back(tmp_path: Path) -> None:
    storage = SQLiteStorage(tmp_path / "fsm.db", cache_size=3)
    for i in range(10):
        await storage.set_data(key(i), {"i": i})
    assert len(storage._cache) <= 3
    assert [(await storage.get_data(key(i)))["i"] for i in range(10)] == list(range(10))
    data = await storage.get_data(key(1))
    data["i"] = 99  # a caller changing its copy changes nothing stored
    assert await storage.get_data(key(1)) == {"i": 1}
    await storage.close()


async def test_reads_alone_keep_the_cache_to_its_size(tmp_path: Path) -> None:
    """Most updates only read (every update reads its user's state; most users are in no dialog)."""
    storage = SQLiteStorage(tmp_path / "fsm.db", cache_size=3)
    await storage.set_state(key(1), Predict.value)
    states = [await storage.get_state(key(i)) for i in range(10)]
    assert storage.cached_keys <= 3
    assert states[1] == Predict.value.state and states.count(None) == 9
    assert await storage.get_state(key(1)) == Predict.value.state  # read back from disk
    await storage.close()


async def test_clearing_a_dialog_is_one_write_and_persists(tmp_path: Path, services: object) -> None:
    storage = SQLiteStorage(tmp_path / "fsm.db")
    await storage.set_state(key(1), Predict.confirm)
    await storage.set_data(key(1), {"nonce": "abc"})
    before = storage._write.batches
    await DialogContext(storage, key(1)).clear()
    assert storage._write.batches == before + 1
    await storage.close()
    again = SQLiteStorage(tmp_path / "fsm.db")
    assert await again.get_state(key(1)) is None and await again.get_data(key(1)) == {}
    await again.close()
    # and the Dispatcher hands handlers this context
    dp = create_dispatcher(services)  # type: ignore[arg-type]
    bot = create_bot("42:TEST", session=LocalSession())
    assert isinstance(dp.fsm.get_context(bot, chat_id=1, user_id=1), DialogContext)
    assert dp.fsm in list(dp.update.outer_middleware)


def test_no_filter_is_sent_to_a_thread(services: object) -> None:
    """aiogram runs synchronous filters through asyncio.to_thread; ours must all be awaitable."""
    dp = create_dispatcher(services)  # type: ignore[arg-type]
    checked = 0
    for router in dp.chain_tail:
        for observer in router.observers.values():
            for handler in observer.handlers:
                for f in handler.filters or ():
                    checked += 1
                    assert f.awaitable, f"{handler.callback.__name__}: {f.callback!r}"
    assert checked > 40


async def test_dialog_state_in_redis_expires(services: Services) -> None:
    """Keys of abandoned dialogs stayed in Redis forever: each write now sets FSM_TTL_SECONDS."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip(REDIS_SKIP_REASON)
    prefix = f"test-ttl-{uuid.uuid4().hex[:12]}"
    services.settings.redis_url, services.settings.redis_prefix = url, prefix
    services.settings.fsm_ttl_seconds = 3600
    h = Harness(services)
    try:
        r = await h.send(TgUser(4321, "newcomer"), "/start")  # a registration dialog begins
        assert "Step 1/3" in r.text
        keys = [k async for k in h.shared.redis.scan_iter(match=f"{prefix}:fsm:*")]
        assert {k.decode().rsplit(":", 1)[-1] for k in keys} == {"state", "data"}
        for k in keys:
            assert 3500 < await h.shared.redis.ttl(k) <= 3600, k
    finally:
        await h.close()
        await drop_redis_prefix(url, prefix)
