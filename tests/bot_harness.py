"""Drive the real Dispatcher as Telegram users would, with the network replaced by LocalSession."""

from __future__ import annotations

import contextvars
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageMedia,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import InlineKeyboardMarkup, Message, Update

from bot.app import Services
from bot.dispatcher import create_bot, create_dispatcher
from bot.local_session import LocalSession
from bot.shared_state import Shared

_update_ids = itertools.count(1)
# the reply being recorded, per task, so that concurrent updates record apart
_current: contextvars.ContextVar[Reply | None] = contextvars.ContextVar("current_reply", default=None)


@dataclass
class TgUser:
    id: int
    username: str | None = None
    language_code: str = "en"
    first_name: str = "Test"

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username:
            d["username"] = self.username
        return d


@dataclass
class Reply:
    """What the bot did in answer to one update."""

    calls: list[tuple[TelegramMethod[Any], Any]] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        out = []
        for method, _ in self.calls:
            if isinstance(method, (SendMessage, EditMessageText)):
                out.append(method.text)
            elif isinstance(method, (SendDocument, SendPhoto)) and method.caption:
                out.append(method.caption)
            elif isinstance(method, EditMessageMedia) and getattr(method.media, "caption", None):
                out.append(method.media.caption)
        return out

    def calls_of(self, kind: type[Any]) -> list[Any]:
        return [m for m, _ in self.calls if isinstance(m, kind)]

    @property
    def text(self) -> str:
        return "\n---\n".join(self.texts)

    @property
    def alerts(self) -> list[str]:
        return [m.text or "" for m, _ in self.calls if isinstance(m, AnswerCallbackQuery)]

    @property
    def deleted(self) -> list[int]:
        return [m.message_id for m, _ in self.calls if isinstance(m, DeleteMessage)]

    @property
    def documents(self) -> list[SendDocument]:
        return [m for m, _ in self.calls if isinstance(m, SendDocument)]

    @property
    def photos(self) -> list[SendPhoto | EditMessageMedia]:
        """Photos sent, and photos put in place of another (editMessageMedia)."""
        return [m for m, _ in self.calls if isinstance(m, (SendPhoto, EditMessageMedia))]

    def buttons(self) -> list[str]:
        return [b.text for _, msg in self._keyboards() for row in msg.inline_keyboard for b in row]

    def _keyboards(self) -> list[tuple[Any, InlineKeyboardMarkup]]:
        out = []
        for method, result in self.calls:
            markup = getattr(method, "reply_markup", None)
            if isinstance(markup, InlineKeyboardMarkup) and isinstance(result, Message):
                out.append((result, markup))
        return out


# A sticker as Telegram describes one in a message (something that is not text).
STICKER = {
    "file_id": "stk",
    "file_unique_id": "stk",
    "type": "regular",
    "width": 1,
    "height": 1,
    "is_animated": False,
    "is_video": False,
}


class Harness:
    def __init__(self, services: Services, session: LocalSession | None = None) -> None:
        self.services = services
        self.session = session or LocalSession()
        self.session.on_call = self._record
        self.bot: Bot = create_bot("42:TEST-TOKEN", session=self.session)
        # FSM storage, locks, de-duplication and throttling as the settings say: SQLite and
        # memory, or Redis (when the tests run with TEST_REDIS_URL)
        self.shared = Shared(services.settings)
        self.dp: Dispatcher = create_dispatcher(services, shared=self.shared)
        self._message_ids = itertools.count(1)
        # the latest keyboard each chat was shown: (message, markup)
        self.keyboards: dict[int, list[tuple[Message, InlineKeyboardMarkup]]] = {}

    def _record(self, method: TelegramMethod[Any], result: Any) -> None:
        current = _current.get()
        if current is not None:
            current.calls.append((method, result))
        markup = getattr(method, "reply_markup", None)
        if isinstance(result, Message) and isinstance(markup, InlineKeyboardMarkup):
            self.keyboards.setdefault(result.chat.id, []).append((result, markup))

    async def close(self) -> None:
        await self.shared.close()

    async def feed(self, update: Update) -> Reply:
        reply = Reply()
        token = _current.set(reply)
        try:
            await self.dp.feed_update(self.bot, update)
            return reply
        finally:
            _current.reset(token)

    def update(self, **payload: Any) -> Update:
        return Update.model_validate({"update_id": next(_update_ids), **payload}, context={"bot": self.bot})

    def _message(
        self, user: TgUser, chat_id: int | None = None, chat_type: str = "private", **fields: Any
    ) -> dict[str, Any]:
        chat = {"id": chat_id or user.id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "A group"
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user.as_dict(),
            **fields,
        }

    def text_update(
        self, user: TgUser, text: str, chat_id: int | None = None, chat_type: str = "private"
    ) -> Update:
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.update(message=self._message(user, chat_id, chat_type, **fields))

    async def send(
        self, user: TgUser, text: str, chat_id: int | None = None, chat_type: str = "private"
    ) -> Reply:
        return await self.feed(self.text_update(user, text, chat_id, chat_type))

    async def send_sticker(self, user: TgUser) -> Reply:
        return await self.feed(self.update(message=self._message(user, sticker=STICKER)))

    async def upload(self, user: TgUser, filename: str, data: bytes, mime: str = "text/csv") -> Reply:
        file_id = f"up{next(self._message_ids)}"
        self.session.files[file_id] = data
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": filename,
            "mime_type": mime,
            "file_size": len(data),
        }
        return await self.feed(self.update(message=self._message(user, document=document)))

    def find_button(self, user: TgUser, label: str, chat_id: int | None = None) -> tuple[Message, str]:
        """The newest button in this chat whose text contains `label`."""
        for message, markup in reversed(self.keyboards.get(chat_id or user.id, [])):
            for row in markup.inline_keyboard:
                for button in row:
                    if label in button.text and button.callback_data:
                        return message, button.callback_data
        recent = self.keyboards.get(chat_id or user.id, [])[-3:]
        labels = [b.text for _, m in recent for r in m.inline_keyboard for b in r]
        raise AssertionError(f"no button {label!r}; have: {labels}")

    def press_update(self, user: TgUser, label: str, chat_id: int | None = None) -> Update:
        message, data = self.find_button(user, label, chat_id)
        return self.update(
            callback_query={
                "id": str(next(_update_ids)),
                "from": user.as_dict(),
                "chat_instance": "ci",
                "data": data,
                "message": message.model_dump(by_alias=True, exclude_none=True),
            }
        )

    def tap_again(self, press: Update) -> Update:
        """The same button tapped again: a new callback query (Telegram gives each tap its own id,
        and refuses a second answer to one)."""
        assert press.callback_query is not None
        query = press.callback_query.model_dump(by_alias=True)
        return self.update(callback_query={**query, "id": str(next(_update_ids))})

    async def press(self, user: TgUser, label: str, chat_id: int | None = None) -> Reply:
        return await self.feed(self.press_update(user, label, chat_id))
