"""Operations: shared de-duplication and throttling in Redis, graceful drain, structured logs."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from bot.app import Services
from bot.logs import ContextFilter, JsonFormatter, update_id_var, user_id_var
from bot.shared_state import MemoryDedup, MemoryThrottle, RedisAdmission, RedisDedup, RedisThrottle
from tests.bot_harness import Harness, TgUser
from tests.bot_helpers import registered
from tests.helpers import balance_of
from tests.models_for_tests import Slow
from tests.models_for_tests import install_model as add_model
from tests.support import REDIS_SKIP_REASON, drop_redis_prefix


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Any, str]]:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip(REDIS_SKIP_REASON)
    from redis.asyncio import Redis

    client = Redis.from_url(url)
    prefix = f"test-ops-{uuid.uuid4().hex[:10]}"
    yield client, prefix
    await client.aclose()
    await drop_redis_prefix(url, prefix)


async def test_redis_dedup_is_shared_by_processes(redis: tuple[Any, str]) -> None:
    client, prefix = redis
    first, second = RedisDedup(client, prefix), RedisDedup(client, prefix)  # two processes
    results = await asyncio.gather(*(d.first_time(77) for d in (first, second, first, second)))
    assert sorted(results) == [False, False, False, True]
    assert await first.first_time(78) is True


async def test_redis_throttle_is_a_shared_token_bucket(redis: tuple[Any, str]) -> None:
    client, prefix = redis
    a, b = (
        RedisThrottle(client, prefix, rate=0.001, burst=3),
        RedisThrottle(client, prefix, rate=0.001, burst=3),
    )
    hits = [await (a if i % 2 else b).hit(5) for i in range(6)]
    assert hits == [(True, False)] * 3 + [(False, True), (False, False), (False, False)]
    assert await a.hit(6) == (True, False)  # another user has a bucket of their own


async def test_one_redis_call_admits_an_update_once_and_counts_it_once(redis: tuple[Any, str]) -> None:
    client, prefix = redis
    dedup, throttle = RedisDedup(client, prefix), RedisThrottle(client, prefix, rate=0.001, burst=2)
    a, b = RedisAdmission(client, dedup, throttle), RedisAdmission(client, dedup, throttle)
    assert await a.admit(1, 5) == (True, True, False)
    assert await b.admit(1, 5) == (False, False, False)  # the same update again: no token taken
    assert await b.admit(2, 5) == (True, True, False)
    assert await a.admit(3, 5) == (True, False, True)  # over the limit: warned once
    assert await b.admit(4, 5) == (True, False, False)
    assert await throttle.hit(6) == (True, False)  # the same buckets as the throttle's own
    assert await dedup.first_time(4) is False


async def test_memory_backends_behave_alike() -> None:
    dedup, throttle = MemoryDedup(), MemoryThrottle(rate=0.001, burst=2)
    assert [await dedup.first_time(i) for i in (1, 2, 1)] == [True, True, False]
    assert [await throttle.hit(9) for _ in range(4)] == [
        (True, False),
        (True, False),
        (False, True),
        (False, False),
    ]


async def test_shutdown_lets_a_running_prediction_finish(harness: Harness, services: Services) -> None:
    tg = TgUser(9501, "slowpoke")
    uid = await registered(services, tg)
    await add_model(services, "slow", Slow(0.5), cost=1)
    await harness.send(tg, "/predict")
    await harness.press(tg, "slow")
    await harness.press(tg, "Enter inputs")
    await harness.send(tg, "1")
    running = asyncio.create_task(harness.press(tg, "Confirm"))
    for _ in range(100):
        if services.inflight:
            break
        await asyncio.sleep(0.01)
    assert services.inflight, "the Confirm update should be running"
    assert await services.drain(timeout=10) == 0  # waited for it
    reply = await running
    assert "Prediction: <b>" in reply.texts[-1]
    assert await balance_of(services.session_factory, uid) == Decimal("9")


def test_json_logs_carry_update_and_user_ids() -> None:
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "charged %s", ("3",), None)
    tokens = update_id_var.set(123), user_id_var.set(456)
    try:
        ContextFilter().filter(record)
    finally:
        update_id_var.reset(tokens[0])
        user_id_var.reset(tokens[1])
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "charged 3" and entry["update_id"] == 123 and entry["user_id"] == 456
