"""Outgoing pacing under Telegram's flood limits (bot/pacer.py), against flood control that
refuses like Telegram's (bot/telegram_rules.FloodLimits in the in-process Bot API)."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, SendChatAction, SendMessage

from bot.dispatcher import RetryAfterMiddleware, create_bot
from bot.local_session import LocalSession
from bot.pacer import MemoryPace, Pacer, RedisPace, paced_chat
from bot.telegram_rules import FloodLimits
from tests.helpers import Clock


async def test_messages_are_spaced_overall_and_a_chat_keeps_its_own_pace() -> None:
    clock = Clock()
    pace = MemoryPace(global_rate=10, clock=clock)  # one message every 0.1 s overall
    # five chats at once: one global slot each, in the order they asked
    waits = [await pace.reserve(str(chat), 1.0, 3) for chat in range(5)]
    assert waits == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])
    clock.now += 10  # everything has drained
    # five messages to one chat: a burst of three, then one a second
    waits = [await pace.reserve("7", 1.0, 3) for _ in range(5)]
    assert waits == pytest.approx([0, 0.1, 0.2, 1.0, 2.0])
    # another chat is not held behind that chat's wait: it takes the next global slot
    assert await pace.reserve("8", 1.0, 3) == pytest.approx(0.5)


async def test_a_groups_slower_pace_and_idle_chats_are_forgotten() -> None:
    clock = Clock()
    pace = MemoryPace(global_rate=1000, clock=clock)
    waits = [await pace.reserve("-100", 3.0, 1) for _ in range(3)]  # 20 a minute
    assert waits == pytest.approx([0, 3.0, 6.0], abs=0.01)
    for chat in range(MemoryPace.PRUNE_AT):
        await pace.reserve(str(chat), 1.0, 3)
    clock.now += 60  # every bucket full again
    await pace.reserve("new", 1.0, 3)
    assert pace.chats <= 2  # the table does not grow with every chat ever written to


def test_what_counts_as_a_message() -> None:
    assert paced_chat(SendMessage(chat_id=5, text="x")) == 5
    assert paced_chat(SendChatAction(chat_id=5, action="typing")) is None
    assert paced_chat(AnswerCallbackQuery(callback_query_id="q")) is None


async def test_processes_share_one_pace_through_redis(redis_scratch: tuple[str, str]) -> None:
    from redis.asyncio import Redis

    url, prefix = redis_scratch
    first, second = Redis.from_url(url), Redis.from_url(url)
    try:
        a, b = RedisPace(first, prefix, global_rate=10), RedisPace(second, prefix, global_rate=10)
        # two processes, alternating, five chats: still one global slot every 0.1 s between them
        waits = [await (a if i % 2 else b).reserve(str(i), 1.0, 3) for i in range(5)]
        # (Redis's clock moves on a little between the calls: each wait is that much shorter)
        assert waits == pytest.approx([0, 0.1, 0.2, 0.3, 0.4], abs=0.05)
        waits = [await (a if i % 2 else b).reserve("7", 1.0, 3) for i in range(5)]
        assert waits == pytest.approx([0.5, 0.6, 0.7, 1.5, 2.5], abs=0.05)
    finally:
        await first.aclose()
        await second.aclose()


async def burst(session: LocalSession, pacer: Pacer | None, chats: int, each: int) -> None:
    bot = create_bot("42:PACE", session=session, pacer=pacer)
    await asyncio.gather(
        *(bot.send_message(chat, f"message {n}") for chat in range(1, chats + 1) for n in range(each))
    )


async def test_paced_messages_meet_telegrams_limits_without_a_429() -> None:
    limits = FloodLimits(global_rate=50, global_burst=50, chat_rate=5, chat_burst=3)
    session = LocalSession(limits=limits)
    pacer = Pacer(MemoryPace(global_rate=50), chat_rate=5, chat_burst=3, group_per_minute=20)
    await burst(session, pacer, chats=20, each=4)  # 80 messages, four to each chat
    sent = [c for c in session.calls if isinstance(c, SendMessage)]
    assert len(sent) == 80 and limits.refused == 0
    assert {(int(c.chat_id), c.text) for c in sent} == {
        (chat, f"message {n}") for chat in range(1, 21) for n in range(4)
    }


async def test_unpaced_messages_draw_429s_and_are_still_all_delivered() -> None:
    limits = FloodLimits(global_rate=50, global_burst=10, chat_rate=5, chat_burst=1)
    session = LocalSession(limits=limits)
    await burst(session, None, chats=10, each=2)
    delivered = {(int(c.chat_id), c.text) for c in session.calls if isinstance(c, SendMessage)}
    assert limits.refused > 0  # flood control answered...
    assert delivered == {(chat, f"message {n}") for chat in range(1, 11) for n in range(2)}  # ...none lost


async def test_a_message_is_sent_again_after_any_number_of_429s() -> None:
    session = LocalSession()
    bot = create_bot("42:RETRY", session=session)
    method = SendMessage(chat_id=1, text="x")
    session.errors.extend(
        TelegramRetryAfter(method=method, message="Too Many", retry_after=0) for _ in range(12)
    )
    await bot.send_message(1, "your result")
    assert [c.text for c in session.calls if isinstance(c, SendMessage)][-1] == "your result"
    # an answer to a tap is useless late: it gives up after a few
    answer = AnswerCallbackQuery(callback_query_id="q")
    session.errors.extend(
        TelegramRetryAfter(method=answer, message="Too Many", retry_after=0) for _ in range(5)
    )
    with pytest.raises(TelegramRetryAfter):
        await bot.answer_callback_query("q")


async def test_network_errors_are_tried_again_for_messages_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RetryAfterMiddleware, "ERROR_WAITS", (0.0, 0.0))
    session = LocalSession()
    bot = create_bot("42:NET", session=session)
    method = SendMessage(chat_id=1, text="x")
    session.errors.extend(TelegramNetworkError(method=method, message="timeout") for _ in range(2))
    assert (await bot.send_message(1, "arrives")).text == "arrives"
    session.errors.extend(TelegramNetworkError(method=method, message="timeout") for _ in range(3))
    with pytest.raises(TelegramNetworkError):  # after the last wait, the error is the caller's
        await bot.send_message(1, "lost in the network")
    session.errors.append(TelegramNetworkError(method=method, message="timeout"))
    with pytest.raises(TelegramNetworkError):
        await bot.answer_callback_query("q")
