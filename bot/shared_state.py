"""What several bot processes share: in memory for one process (the default), in Redis for many.

- update de-duplication (Telegram may deliver an update twice, or to two processes),
- per-user flood control (a token bucket),
- FSM storage and per-user event isolation (aiogram's RedisStorage and RedisEventIsolation),
- the pace of outgoing messages under Telegram's flood limits (bot/pacer.py).

What is kept per user in memory is freed or capped: the bot meets users without end.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder, StorageKey

from bot.config import Settings
from bot.pacer import MemoryPace, Pacer, PaceStore, RedisPace
from bot.redis_dialog import RedisDialogs
from bot.storage import SQLiteStorage

DEDUP_TTL = 24 * 3600  # Telegram keeps undelivered updates for 24 hours


class Dedup(Protocol):
    async def first_time(self, update_id: int) -> bool: ...


class Throttle(Protocol):
    async def hit(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, warn): warn once when a user first goes over the limit."""
        ...


class MemoryDedup:
    def __init__(self, size: int = 50_000) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._size = size

    async def first_time(self, update_id: int) -> bool:
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


class MemoryThrottle:
    """Only buckets that are not full are kept: a full one is the same as none. A bucket refills
    within burst/rate seconds, so what is kept is about the users of the last few seconds; past
    `size` buckets, the least recently hit go first (the fullest: not whoever floods now)."""

    def __init__(
        self, rate: float, burst: int, size: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.size = size
        self.clock = clock
        # user id -> (tokens, time of the last hit, warned), the least recently hit first
        self._buckets: OrderedDict[int, tuple[float, float, bool]] = OrderedDict()

    @property
    def tracked(self) -> int:
        """How many users have a bucket kept (not full)."""
        return len(self._buckets)

    async def hit(self, user_id: int) -> tuple[bool, bool]:
        now = self.clock()
        tokens, last, warned = self._buckets.pop(user_id, (float(self.burst), now, False))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[user_id] = (tokens, now, True)
            allowed, warn = False, not warned
        else:
            self._buckets[user_id] = (tokens - 1, now, False)
            allowed, warn = True, False
        self._forget_oldest(now)
        return allowed, warn

    def _forget_oldest(self, now: float) -> None:
        # From the old end, while full (or too many): each bucket goes once, O(1) a hit on average.
        while self._buckets:
            user_id, (tokens, last, _) = next(iter(self._buckets.items()))
            if len(self._buckets) <= self.size and tokens + (now - last) * self.rate < self.burst:
                return
            del self._buckets[user_id]


class UserLocks(BaseEventIsolation):
    """One update at a time per key (user and chat), like aiogram's SimpleEventIsolation, whose
    locks are never freed (one per user ever seen, about 360 bytes each). Here a key's lock lives
    while an update holds it or waits for it, and goes with the last of them. Waiters are served
    in the order they came (asyncio.Lock's fairness)."""

    def __init__(self) -> None:
        # key -> (its lock, how many updates hold it or wait for it)
        self._locks: dict[StorageKey, _KeyLock] = {}

    @property
    def in_use(self) -> int:
        """How many keys have an update holding or waiting for their lock."""
        return len(self._locks)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = _KeyLock()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:  # also when cancelled while waiting
            entry.users -= 1
            if not entry.users:
                del self._locks[key]

    async def close(self) -> None:
        pass  # nothing to free: each lock goes with its last user


class _KeyLock:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class RedisDedup:
    def __init__(self, redis: Any, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def first_time(self, update_id: int) -> bool:
        return bool(await self.redis.set(f"{self.prefix}:update:{update_id}", 1, nx=True, ex=DEDUP_TTL))


# One atomic token bucket per user: tokens refill at `rate`/s up to `burst`.
_BUCKET_LUA = """
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'warned')
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(data[1]) or burst
local ts = tonumber(data[2]) or now
local warned = data[3] == '1'
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed, warn = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
  warned = false
else
  if not warned then warn = 1 end
  warned = true
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now), 'warned', warned and '1' or '0')
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 5)
return {allowed, warn}
"""


# Both at once, for an update that is throttled: one round trip instead of two. KEYS: the update's
# de-duplication key, the user's bucket. A repeated update takes no token.
_ADMIT_LUA = """
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', tonumber(ARGV[4])) then return {0, 0, 0} end
""" + _BUCKET_LUA.replace("KEYS[1]", "KEYS[2]").replace("return {allowed, warn}", "return {1, allowed, warn}")


class RedisThrottle:
    def __init__(self, redis: Any, prefix: str, rate: float, burst: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.rate = rate
        self.burst = burst
        self._script = redis.register_script(_BUCKET_LUA)

    async def hit(self, user_id: int) -> tuple[bool, bool]:
        allowed, warn = await self._script(
            keys=[f"{self.prefix}:throttle:{user_id}"], args=[self.rate, self.burst, time.time()]
        )
        return bool(allowed), bool(warn)


class RedisAdmission:
    """De-duplication and the throttle of one update in one script call."""

    def __init__(self, redis: Any, dedup: RedisDedup, throttle: RedisThrottle) -> None:
        self.dedup = dedup
        self.throttle = throttle
        self._script = redis.register_script(_ADMIT_LUA)

    async def admit(self, update_id: int, user_id: int) -> tuple[bool, bool, bool]:
        first, allowed, warn = await self._script(
            keys=[f"{self.dedup.prefix}:update:{update_id}", f"{self.throttle.prefix}:throttle:{user_id}"],
            args=[self.throttle.rate, self.throttle.burst, time.time(), DEDUP_TTL],
        )
        return bool(first), bool(allowed), bool(warn)


class Shared:
    """The shared pieces for this process, built from Settings."""

    def __init__(self, settings: Settings) -> None:
        self.redis: Any = None
        if settings.redis_url:
            from aiogram.fsm.storage.redis import RedisStorage
            from redis.asyncio import BlockingConnectionPool, Redis

            # A burst needs more connections than the pool has: wait for one (up to 30 s) instead
            # of failing the update with MaxConnectionsError (a payment among them).
            self.redis = Redis(
                connection_pool=BlockingConnectionPool.from_url(
                    settings.redis_url, max_connections=100, timeout=30
                )
            )
            keys = DefaultKeyBuilder(prefix=f"{settings.redis_prefix}:fsm", with_destiny=True)
            # each write sets its key's expiry: an abandoned dialog's keys go, a live one's stay
            ttl = settings.fsm_ttl_seconds or None
            redis_storage = RedisStorage(self.redis, key_builder=keys, state_ttl=ttl, data_ttl=ttl)
            self.storage: BaseStorage = redis_storage
            isolation = redis_storage.create_isolation()
            self.isolation: BaseEventIsolation = isolation
            self.dialogs: RedisDialogs | None = RedisDialogs(redis_storage, isolation)
            self.dedup: Dedup = RedisDedup(self.redis, settings.redis_prefix)
            self.throttle: Throttle = RedisThrottle(
                self.redis, settings.redis_prefix, settings.throttle_rate, settings.throttle_burst
            )
            self._admission: RedisAdmission | None = RedisAdmission(self.redis, self.dedup, self.throttle)
            pace: PaceStore = RedisPace(self.redis, settings.redis_prefix, settings.pace_global_per_second)
        else:
            self.storage = SQLiteStorage(settings.fsm_path)
            self.isolation = UserLocks()
            self.dialogs = None
            self.dedup = MemoryDedup()
            self.throttle = MemoryThrottle(settings.throttle_rate, settings.throttle_burst)
            self._admission = None
            pace = MemoryPace(settings.pace_global_per_second)
        # messages to Telegram wait for their slot under its flood limits (see bot/pacer.py)
        self.pacer: Pacer | None = None
        if settings.pace_sends:
            self.pacer = Pacer(
                pace, settings.pace_chat_per_second, settings.pace_chat_burst, settings.pace_group_per_minute
            )

    async def admit(self, update_id: int, user_id: int) -> tuple[bool, bool, bool]:
        """(first time seen, allowed by the user's throttle, warn them): both checks of an update
        (in Redis, one round trip). An update seen before takes no token."""
        if self._admission is not None:
            return await self._admission.admit(update_id, user_id)
        if not await self.dedup.first_time(update_id):
            return False, False, False
        allowed, warn = await self.throttle.hit(user_id)
        return True, allowed, warn

    async def ping(self) -> bool:
        return self.redis is None or bool(await self.redis.ping())

    async def close(self) -> None:
        await self.storage.close()
        await self.isolation.close()
        if self.redis is not None:
            await self.redis.aclose()
            await self.redis.connection_pool.aclose()  # a pool given to Redis() is not closed by it
