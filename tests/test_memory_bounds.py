"""Memory stays flat however many distinct users come (issue 14): a user's lock goes with their
last update, a throttle bucket is kept only while not full (and their number is capped), buttons
unique to one prediction are not cached; through the real Dispatcher, users leave nothing behind.

Memory is traced with tracemalloc after a warm-up (what was allocated before and freed later
does not lower the figure: it can only overstate growth), and read after gc.collect()."""

from __future__ import annotations

import asyncio
import gc
import itertools
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Update

from bot.app import Services, build_services
from bot.dispatcher import create_bot, create_dispatcher
from bot.i18n import I18n
from bot.keyboards import confirm_kb, history_kb, prediction_kb, result_kb, shared_button
from bot.local_session import LocalSession
from bot.shared_state import MemoryDedup, MemoryThrottle, Shared, UserLocks
from bot.storage import SQLiteStorage
from db.accounts import Passwords
from tests.helpers import Clock
from tests.support import settings_for

USERS = 100_000
WARM_UP = 10_000
# What the measured users may leave behind, all of them: measured, a few kB to 60 kB (allocator and
# dict-table noise, bounded caches). SimpleEventIsolation's locks alone, about 360 bytes a user,
# would be 700 kB for the 2,000 users of the Dispatcher test, 30 MB for 90,000.
GROWTH_BOUND = 256 * 1024


def key(i: int) -> StorageKey:
    return StorageKey(bot_id=42, chat_id=i, user_id=i)


async def growth(step: Callable[[int], Awaitable[None]], warm_up: int, total: int, settle: int = 0) -> int:
    """Bytes allocated by steps warm_up+settle .. total-1 and still alive after them, beyond what
    the `settle` steps before them (traced too: to fill what is capped with traced entries, so
    that the entries they replace count as freed) left."""
    for i in range(warm_up):
        await step(i)
    tracemalloc.start()
    try:
        for i in range(warm_up, warm_up + settle):
            await step(i)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(warm_up + settle, total):
            await step(i)
        gc.collect()  # (cycles: an Update and its Message refer to one another)
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


# -- per-user locks -------------------------------------------------------------------------------


async def test_user_locks_one_update_at_a_time_first_come_first_served() -> None:
    locks = UserLocks()
    order: list[int] = []
    inside = 0
    first_in = asyncio.Event()
    go = asyncio.Event()
    queued = {n: asyncio.Event() for n in range(1, 6)}

    async def update(n: int) -> None:
        nonlocal inside
        if n in queued:
            queued[n].set()  # and in the same step, waits for the lock
        async with locks.lock(key(1)):
            inside += 1
            assert inside == 1  # nobody else of this user at the same time
            order.append(n)
            if n == 0:
                first_in.set()
                await go.wait()
            inside -= 1

    first = asyncio.create_task(update(0))
    await first_in.wait()
    waiting = []
    for n in (4, 2, 5, 1, 3):  # they come in this order
        waiting.append(asyncio.create_task(update(n)))
        await queued[n].wait()
    assert locks.in_use == 1
    async with locks.lock(key(2)):  # another user is not held up
        assert locks.in_use == 2
    go.set()
    await asyncio.gather(first, *waiting)
    assert order == [0, 4, 2, 5, 1, 3] and locks.in_use == 0


async def test_a_waiter_cancelled_leaves_no_lock_behind() -> None:
    locks = UserLocks()
    held = asyncio.Event()
    release = asyncio.Event()
    queued = asyncio.Event()

    async def holder() -> None:
        async with locks.lock(key(1)):
            held.set()
            await release.wait()

    async def waiter() -> None:
        queued.set()  # and in the same step, waits for the lock
        async with locks.lock(key(1)):
            raise AssertionError("a cancelled waiter must not get the lock")

    holding = asyncio.create_task(holder())
    await held.wait()
    waiting = asyncio.create_task(waiter())
    await queued.wait()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await holding
    assert locks.in_use == 0
    async with locks.lock(key(1)):  # and the key locks again as before
        assert locks.in_use == 1
    assert locks.in_use == 0


async def test_locks_of_100_000_users_are_freed() -> None:
    locks = UserLocks()

    async def update(i: int) -> None:
        async with locks.lock(key(i)):
            await asyncio.sleep(0)  # let the others of its group queue up

    async def group(g: int) -> None:
        # 100 users: 10 at once, one of them with a second update waiting for the first; the
        # other 90 one after another
        users = range(g * 100, g * 100 + 100)
        await asyncio.gather(*(update(i) for i in users[:10]), update(users[0]))
        for i in users[10:]:
            async with locks.lock(key(i)):
                assert locks.in_use == 1
        assert locks.in_use == 0

    grown = await growth(group, WARM_UP // 100, USERS // 100)
    assert grown < GROWTH_BOUND, f"{grown} bytes left by {USERS - WARM_UP} users"


# -- throttle -------------------------------------------------------------------------------------


async def test_throttle_keeps_only_buckets_that_are_not_full() -> None:
    clock = Clock()
    throttle = MemoryThrottle(rate=3, burst=10, clock=clock)

    async def user(i: int) -> None:
        clock.now += 0.01  # 100 users a second: a bucket refills in a third of a second
        assert await throttle.hit(i) == (True, False)
        assert throttle.tracked <= 40

    grown = await growth(user, WARM_UP, USERS)
    assert grown < GROWTH_BOUND, f"{grown} bytes left by {USERS - WARM_UP} users"
    clock.now += 10
    await throttle.hit(1)
    assert throttle.tracked == 1


async def test_throttle_past_its_size_still_stops_a_flood() -> None:
    """Buckets that never refill in time (a very slow rate) are capped by dropping the least
    recently hit: 100,000 users pass, and a user flooding all along stays throttled."""
    clock = Clock()
    throttle = MemoryThrottle(rate=0.0001, burst=3, size=1000, clock=clock)
    flood = [await throttle.hit(-1) for _ in range(5)]
    assert flood == [(True, False)] * 3 + [(False, True), (False, False)]

    async def user(i: int) -> None:
        clock.now += 0.001
        assert await throttle.hit(i) == (True, False)
        if i % 10 == 0:
            assert await throttle.hit(-1) == (False, False)  # warned once, long ago
        assert throttle.tracked <= 1000

    grown = await growth(user, WARM_UP, USERS, settle=2000)  # the kept 1000 replaced by traced ones
    assert grown < GROWTH_BOUND, f"{grown} bytes left by {USERS - WARM_UP} users"


# -- keyboards ------------------------------------------------------------------------------------


async def test_keyboards_of_20_000_predictions_add_nothing_to_the_button_cache() -> None:
    t = I18n().translator("en")
    cost = Decimal("1.50")
    keyboards = [
        lambda i: result_kb(t, i, "iris"),
        lambda i: prediction_kb(t, i, repeatable=True),
        lambda i: confirm_kb(t, f"nonce{i}", cost, affordable=True),
        lambda i: history_kb(t, [(i, f"#{i} iris"), (i + 1, f"#{i + 1} iris")], page=3, pages=9),
    ]

    async def prediction(i: int) -> None:
        keyboards[i % len(keyboards)](i)  # each one's buttons are unique to prediction i

    for i in range(len(keyboards)):
        await prediction(i)
    cached = shared_button.cache_info().currsize
    grown = await growth(prediction, 2000, 20_000)
    assert shared_button.cache_info().currsize == cached  # menu, back, cancel...: the same few
    assert grown < GROWTH_BOUND, f"{grown} bytes left by 18,000 predictions"


# -- through the Dispatcher -----------------------------------------------------------------------


@pytest.fixture
async def single_process_services(
    tmp_path: Path, models_dir: Path, passwords: Passwords
) -> AsyncIterator[Services]:
    """SQLite and in-memory sharing (the default), the throttle on: refilling at once, so that
    every update passes and each bucket goes as soon as another user comes."""
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", models_dir, throttle_rate=1e9)
    services = await build_services(settings, passwords)
    yield services
    await services.close()


async def test_through_the_dispatcher_users_leave_no_lock_and_little_memory(
    single_process_services: Services,
) -> None:
    services = single_process_services
    shared = Shared(services.settings)
    # What is capped by design (update ids seen, cached dialog keys: 50,000 and 100,000 by
    # default; their own tests show the caps) gets small caps here, that 3,000 users go past.
    await shared.storage.close()
    shared.storage = storage = SQLiteStorage(services.settings.fsm_path, cache_size=500)
    shared.dedup = MemoryDedup(size=500)
    locks, throttle = shared.isolation, shared.throttle
    assert isinstance(locks, UserLocks) and isinstance(throttle, MemoryThrottle)
    session = LocalSession()
    bot = create_bot("42:TEST-TOKEN", session=session)
    dp = create_dispatcher(services, shared=shared)
    update_ids = itertools.count(1)

    def text(user_id: int, words: str) -> Update:
        message = {
            "message_id": next(update_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "U", "language_code": "en"},
            "text": words,
        }
        return Update.model_validate(
            {"update_id": next(update_ids), "message": message}, context={"bot": bot}
        )

    async def group(g: int) -> None:
        # 50 users at once (an unregistered user's plain text: asked to /start), one of them twice
        users = range(1 + g * 50, 1 + g * 50 + 50)
        updates = [text(u, "hello") for u in users] + [text(users[0], "again")]
        await asyncio.gather(*(dp.feed_update(bot, u) for u in updates))
        assert len(session.calls) == len(updates)  # each answered
        session.calls.clear()
        assert locks.in_use == 0

    try:
        # 500 users, then 600 more (traced: they fill the caps, and aiogram's cache of the last
        # 128 updates, with what is traced), then 2,000 more measured
        grown = await growth(group, 500 // 50, 3100 // 50, settle=600 // 50)
        assert locks.in_use == 0
        assert throttle.tracked <= 1
        assert storage.cached_keys <= 500
        assert grown < GROWTH_BOUND, f"{grown} bytes left by 2,000 users"
    finally:
        await shared.close()
        await bot.session.close()
