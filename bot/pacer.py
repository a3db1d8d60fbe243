"""Outgoing pacing: keep under Telegram's flood limits instead of learning them from 429s.

Telegram lets a bot send about 30 messages per second overall, one per second to one chat (a
short burst tolerated) and 20 per minute to one group; above that it answers 429 with
`retry_after`. A burst of 500 results sent as fast as possible would be a storm of 429s, so every
message (a send, an edit, a copy or a forward) first takes a slot:

- a global slot, spaced 1/`global_rate` apart (no burst: the slack of Telegram's own bucket is
  left for network jitter), and
- a slot of its chat: a token bucket refilled at `chat_rate` per second (a group, a negative chat
  id, at `group_per_minute`), holding one less than the burst Telegram tolerates (`chat_burst`),
  again as slack for messages that leave a little late.

Both are reserved in one atomic step (GCRA: each bucket is a "theoretical arrival time"), which
returns how long to wait; the caller sleeps that long and sends, so messages queue in the order
they asked and nobody polls. A message held back by its chat does not hold the global queue: its
global slot is the next free one, and the chat's own delay comes on top.

One process keeps the buckets in memory; several share them in Redis (one script call per
message), so their sum stays under the limits. Answers to callback queries, chat actions and
everything else that is not a message are not paced (Telegram does not count them).

Flood control that happens anyway (a limit lower than configured, another bot on the token) is
waited out by `RetryAfterMiddleware` in bot/dispatcher.py, and the message goes through the pacer
again: it is delayed, never dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.telegram_rules import counts_as_message, is_group


def paced_chat(method: TelegramMethod[Any]) -> int | str | None:
    """The chat a message goes to, or None if the method is not a message Telegram counts."""
    if not counts_as_message(method.__api_method__):
        return None
    chat = getattr(method, "chat_id", None)
    inline = getattr(method, "inline_message_id", None)
    if chat is None and inline:
        return f"inline:{inline}"
    return chat if isinstance(chat, int | str) else None


class PaceStore(Protocol):
    async def reserve(self, chat: str, interval: float, burst: int) -> float:
        """Take the next global slot and a slot of `chat` (a bucket of `burst`, one token per
        `interval` seconds); return the seconds to wait before sending."""
        ...


class MemoryPace:
    """The buckets of one process."""

    PRUNE_AT = 10_000  # chats remembered before the idle ones are forgotten

    def __init__(self, global_rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.global_interval = 1.0 / global_rate
        self.clock = clock
        self._global = 0.0
        self._chats: dict[str, float] = {}

    async def reserve(self, chat: str, interval: float, burst: int) -> float:
        now = self.clock()
        chat_at = self._chats.get(chat, now)
        allowed = max(now, chat_at - (burst - 1) * interval)
        slot = max(now, self._global)
        self._global = slot + self.global_interval
        send_at = max(allowed, slot)
        self._chats[chat] = max(chat_at, send_at) + interval
        if len(self._chats) > self.PRUNE_AT:
            # a chat whose bucket is full again is the same as one never seen
            self._chats = {c: at for c, at in self._chats.items() if at > now}
        return send_at - now

    @property
    def chats(self) -> int:
        return len(self._chats)


# The same steps as MemoryPace, on Redis's clock (one clock for every process), atomically.
# KEYS: global key, chat key. ARGV: global interval, chat interval, chat burst (seconds, floats).
_RESERVE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local gi, ci, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local chat_at = tonumber(redis.call('GET', KEYS[2])) or now
local allowed = math.max(now, chat_at - (burst - 1) * ci)
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1])) or now)
local send_at = math.max(allowed, slot)
local chat_next = math.max(chat_at, send_at) + ci
redis.call('SET', KEYS[1], string.format('%.6f', slot + gi), 'PX', math.ceil((slot + gi - now) * 1000) + 1000)
redis.call('SET', KEYS[2], string.format('%.6f', chat_next), 'PX', math.ceil((chat_next - now) * 1000) + 1000)
return string.format('%.6f', send_at - now)
"""


class RedisPace:
    """The buckets shared by every process on one Redis (keys under `prefix`)."""

    def __init__(self, redis: Any, prefix: str, global_rate: float) -> None:
        self.global_interval = 1.0 / global_rate
        self.prefix = prefix
        self._script = redis.register_script(_RESERVE_LUA)

    async def reserve(self, chat: str, interval: float, burst: int) -> float:
        wait = await self._script(
            keys=[f"{self.prefix}:pace:global", f"{self.prefix}:pace:chat:{chat}"],
            args=[self.global_interval, interval, burst],
        )
        return float(wait)


class Pacer(BaseRequestMiddleware):
    """A session middleware: each message waits for its slot, then goes."""

    def __init__(self, store: PaceStore, chat_rate: float, chat_burst: int, group_per_minute: float) -> None:
        self.store = store
        self.chat_interval = 1.0 / chat_rate
        self.group_interval = 60.0 / group_per_minute
        # one token of Telegram's burst is left unused, like its global bucket: a message that
        # leaves late (a busy event loop) must not find the bucket a hair short
        self.burst = max(1, chat_burst - 1)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat = paced_chat(method)
        if chat is not None:
            interval = self.group_interval if is_group(chat) else self.chat_interval
            wait = await self.store.reserve(str(chat), interval, self.burst)
            if wait > 0:
                await asyncio.sleep(wait)
        return await make_request(bot, method)
