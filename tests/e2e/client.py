"""Users of the emulated Telegram: send messages, commands and button presses through
telegram-test-api's client API, and read what the bot sent (edits applied in place)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass(frozen=True)
class BotMessage:
    message_id: int
    text: str
    buttons: list[tuple[str, str]]  # (label, callback data)

    def has_button(self, label: str) -> bool:
        return any(label in text for text, _ in self.buttons)


class Person:
    def __init__(self, client: EmulatorClient, user_id: int, username: str, language: str = "en") -> None:
        self.client = client
        self.id = user_id
        self.username = username
        self.language = language

    @property
    def user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.username.title(),
            "username": self.username,
            "language_code": self.language,
        }

    @property
    def chat(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "private",
            "first_name": self.username.title(),
            "username": self.username,
        }

    async def messages(self) -> list[BotMessage]:
        return await self.client.bot_messages(self.id)

    async def say(self, text: str, wait_for: str | None = None, timeout: float = 15) -> BotMessage | None:
        """Send a message; with `wait_for`, wait until a new bot message (or an edit) contains it."""
        seen = len(await self.messages())
        body: dict[str, Any] = {
            "botToken": self.client.token,
            "from": self.user,
            "chat": self.chat,
            "text": text,
            "date": int(time.time()),
        }
        endpoint = "sendMessage"
        if text.startswith("/"):
            endpoint = "sendCommand"
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        await self.client.post(endpoint, body)
        return await self.wait_for(wait_for, after=seen, timeout=timeout) if wait_for else None

    async def press(self, label: str, wait_for: str | None = None, timeout: float = 15) -> BotMessage | None:
        """Press the newest button whose label contains `label` (waiting for it to be shown)."""

        def newest(msgs: list[BotMessage]) -> tuple[int, BotMessage, str] | None:
            for index in range(len(msgs) - 1, -1, -1):
                for text, data in msgs[index].buttons:
                    if label in text:
                        return index, msgs[index], data
            return None

        index, msg, data = await self.client.wait(
            self.id, newest, timeout, f"{self.username}: button {label!r}"
        )
        seen = len(await self.messages())
        body = {
            "botToken": self.client.token,
            "from": self.user,
            "data": data,
            "message": {
                "message_id": msg.message_id,
                "chat": self.chat,
                "date": int(time.time()),
                "text": msg.text,
            },
        }
        await self.client.post("sendCallback", body)
        if wait_for:
            # the answer may be an edit of the pressed message, or a new one
            return await self.wait_for(wait_for, after=min(index, seen), timeout=timeout)
        return None

    async def wait_for(self, needle: str, after: int = 0, timeout: float = 15) -> BotMessage:
        """The first bot message from index `after` on that contains `needle` (polling, with a timeout)."""
        return await self.client.wait(
            self.id,
            lambda msgs: next((m for m in msgs[after:] if needle in m.text), None),
            timeout,
            f"{self.username}: {needle!r}",
        )


class EmulatorClient:
    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._http = aiohttp.ClientSession()

    async def close(self) -> None:
        await self._http.close()

    def person(self, user_id: int, username: str, language: str = "en") -> Person:
        return Person(self, user_id, username, language)

    async def post(self, endpoint: str, body: dict[str, Any]) -> Any:
        async with self._http.post(f"{self.url}/{endpoint}", json=body) as resp:
            resp.raise_for_status()
            return await resp.json(content_type=None)

    async def bot_messages(self, chat_id: int) -> list[BotMessage]:
        history = await self.post("getUpdatesHistory", {"token": self.token})
        out = []
        for item in history.get("result") or []:
            msg = item.get("message") or {}
            if "chat_id" not in msg or str(msg["chat_id"]) != str(chat_id):
                continue  # a user's message, or another chat
            markup = msg.get("reply_markup") or {}
            buttons = [
                (b.get("text", ""), b.get("callback_data", ""))
                for row in markup.get("inline_keyboard", [])
                for b in row
            ]
            out.append(BotMessage(int(item["messageId"]), str(msg.get("text", "")), buttons))
        return out

    async def wait(
        self, chat_id: int, check: Callable[[list[BotMessage]], Any], timeout: float, what: str
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = check(await self.bot_messages(chat_id))
            if found:
                return found
            if time.monotonic() > deadline:
                tail = [m.text[:120] for m in (await self.bot_messages(chat_id))[-4:]]
                raise AssertionError(f"timed out waiting for {what}; last messages: {tail}")
            await asyncio.sleep(0.05)
