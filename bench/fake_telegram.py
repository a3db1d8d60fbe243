"""A Bot API server over HTTP for the webhook benchmark: answers like Telegram, notes when each
user's result arrives, and (optionally) enforces Telegram's flood limits the way Telegram does.

Limits: bot/telegram_rules.FloodLimits (the same flood control the tests' in-process Bot API
applies), token buckets over the methods that send or edit a message (send* but
sendChatAction, edit*, copy*, forward*; not answerCallbackQuery): overall `global_rate`/s
(bucket of as many), per chat `chat_rate`/s (bucket of `chat_burst`), per group chat (negative
id) `group_per_minute`/min. A call over a limit is answered 429 with `retry_after` (whole
seconds, at least 1) and not delivered.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.telegram_rules import FloodLimits, counts_as_message

BOT_ID = 4242
BOT = {"id": BOT_ID, "is_bot": True, "first_name": "Predict Bot", "username": "predict_bot"}


@dataclass(frozen=True)
class Limits:
    global_rate: float = 30.0
    chat_rate: float = 1.0
    chat_burst: int = 3
    group_per_minute: float = 20.0


async def form_params(request: web.Request) -> dict[str, Any]:
    """A Bot API call's parameters as the server reads them: JSON-encoded ones (objects, arrays)
    decoded, a file as "<file>"."""
    params: dict[str, Any] = {}
    for key, value in (await request.post()).items():
        if isinstance(value, str) and value[:1] in "{[":
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value if isinstance(value, str) else "<file>"
    return params


class FakeTelegram:
    """Records the first message per chat whose text holds `mark` (the user's result): its
    arrival time (time.perf_counter) in `arrived`; `done` is set once `expected` chats have one."""

    def __init__(self, mark: str, expected: int, limits: Limits | None = None) -> None:
        self.mark = mark
        self.expected = expected
        self.limits = limits
        self.arrived: dict[int, float] = {}
        self.done = asyncio.Event()
        self.methods: Counter[str] = Counter()
        self.refused = 0  # 429s answered
        self._flood = (
            FloodLimits(
                global_rate=limits.global_rate,
                global_burst=max(1, round(limits.global_rate)),
                chat_rate=limits.chat_rate,
                chat_burst=limits.chat_burst,
                group_per_minute=limits.group_per_minute,
            )
            if limits
            else None
        )
        self._ids = 10_000
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))  # the kernel picks a free port: no race with other processes
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        params = await form_params(request)
        self.methods[method] += 1
        chat_id = int(params.get("chat_id") or 0)
        message = counts_as_message(method)
        if message and self._flood is not None:
            retry = self._flood.check(chat_id)
            if retry is not None:
                self.refused += 1
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {retry}",
                        "parameters": {"retry_after": retry},
                    },
                    status=429,
                )
        text = str(params.get("text") or params.get("caption") or "")  # a result may be a chart's caption
        if message and self.mark in text and chat_id not in self.arrived:
            self.arrived[chat_id] = time.perf_counter()
            if len(self.arrived) >= self.expected:
                self.done.set()
        return web.json_response({"ok": True, "result": self._result(method, params, chat_id, message)})

    def _result(self, method: str, params: dict[str, Any], chat_id: int, message: bool) -> Any:
        if method == "getme":
            return BOT
        if method == "getstartransactions":
            return {"transactions": []}
        if not message or (method.startswith("edit") and params.get("inline_message_id")):
            return True
        self._ids += 1
        result: dict[str, Any] = {
            "message_id": int(params.get("message_id") or self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT,
            "text": params.get("text", ""),
        }
        if method.startswith("edit"):
            result["edit_date"] = int(time.time())
        if isinstance(params.get("reply_markup"), dict):
            result["reply_markup"] = params["reply_markup"]
        return result
