"""A Bot API peer inside the process: answers each method the way Telegram would, and records it.

Used by the console mode (`python -m bot --console`) and by the handler tests; nothing goes over
the network. Files the bot sends are kept; files a user "uploads" are served to bot.download().
What Telegram would refuse (a text too long, HTML it cannot parse, callback data over 64 bytes,
a callback query answered twice...) is refused the same way: TelegramBadRequest with the
server's description (see bot/telegram_rules.py), and noted in `refused`.

`WireSession` answers the same, with the work of a real session around each call: the request
encoded as aiohttp sends it, the answer parsed from Telegram's JSON (for the benchmarks).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncGenerator, Callable, Container
from typing import Any, cast

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    GetFile,
    GetMe,
    SendDocument,
    SendInvoice,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    BufferedInputFile,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    Message,
    TelegramObject,
    User,
)

from bot import telegram_rules as rules

# inline button kinds other than a callback (the Bot API needs one of them, or callback_data)
BUTTON_ACTIONS = (
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Predict Bot", "username": "predict_bot"}


def _button(b: InlineKeyboardButton) -> rules.Button:
    other = any(getattr(b, kind, None) is not None for kind in BUTTON_ACTIONS)
    return rules.Button(b.text, b.callback_data, other_action=other)


def _photo_refusal(photo: InputFile | str, known: Container[str]) -> str | None:
    """A photo Telegram would refuse: an upload empty, not an image or over 10 MB; a file_id it
    never gave (`known`: the ids this session gave)."""
    if isinstance(photo, str):
        return None if photo in known else "Bad Request: wrong file identifier/HTTP URL specified"
    if not isinstance(photo, BufferedInputFile):
        return None
    if not photo.data:
        return "Bad Request: file must be non-empty"
    if not photo.data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return "Bad Request: IMAGE_PROCESS_FAILED"
    if len(photo.data) > 10 * 1024 * 1024:
        return "Bad Request: PHOTO_INVALID_DIMENSIONS"
    return None


class LocalSession(BaseSession):
    def __init__(
        self,
        on_call: Callable[[TelegramMethod[Any], Any], None] | None = None,
        enforce_rules: bool = True,
        limits: rules.FloodLimits | None = None,
    ) -> None:
        """`enforce_rules=False`: the benchmarks, which time the bot, not these checks (about 30 µs
        a message). `limits`: flood control as Telegram applies it (429 with retry_after)."""
        super().__init__()
        self.enforce_rules = enforce_rules
        self.limits = limits
        self.calls: list[TelegramMethod[Any]] = []
        self.files: dict[str, bytes] = {}  # file_id -> bytes, for downloads
        self.errors: list[Exception] = []  # raised by the next calls, in order (tests inject 429s)
        self.fail: dict[type[Any], list[Exception]] = {}  # raised by the next calls of one method
        self.on_call = on_call
        self.refused: list[tuple[TelegramMethod[Any], str]] = []  # calls Telegram would refuse
        self._answered: set[str] = set()  # callback query ids
        self._ids = itertools.count(1000)
        self._file_ids = itertools.count(1)

    async def close(self) -> None:
        return None

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.calls.append(method)
        if self.errors:
            raise self.errors.pop(0)
        if self.fail.get(type(method)):
            raise self.fail[type(method)].pop(0)
        chat = getattr(method, "chat_id", None)
        if self.limits is not None and chat is not None and rules.counts_as_message(method.__api_method__):
            retry_after = self.limits.check(chat)
            if retry_after is not None:
                raise TelegramRetryAfter(
                    method=method,
                    message=f"Too Many Requests: retry after {retry_after}",
                    retry_after=retry_after,
                )
        refusal = self._refusal(bot, method) if self.enforce_rules else None
        if refusal is not None:
            self.refused.append((method, refusal))
            raise TelegramBadRequest(method=method, message=refusal)
        result = self._answer(bot, method)
        if self.on_call is not None:
            self.on_call(method, result)
        return result  # type: ignore[no-any-return]

    def _refusal(self, bot: Bot, method: TelegramMethod[Any]) -> str | None:
        parse_mode = getattr(method, "parse_mode", None)
        if isinstance(parse_mode, Default):
            parse_mode = bot.default[parse_mode.name]
        refusal = None
        if isinstance(method, (SendMessage, EditMessageText)):
            refusal = rules.text_refusal(method.text, parse_mode)
        elif isinstance(method, (SendDocument, SendPhoto, EditMessageCaption)):
            refusal = rules.caption_refusal(method.caption, parse_mode)
            if refusal is None and isinstance(method, SendPhoto):
                refusal = _photo_refusal(method.photo, self.files)
        elif isinstance(method, EditMessageMedia):
            media = method.media
            media_mode = getattr(media, "parse_mode", None)
            if isinstance(media_mode, Default):
                media_mode = bot.default[media_mode.name]
            refusal = rules.caption_refusal(getattr(media, "caption", None), media_mode)
            if refusal is None and isinstance(media, InputMediaPhoto):
                refusal = _photo_refusal(media.media, self.files)
        elif isinstance(method, AnswerCallbackQuery):
            if method.callback_query_id in self._answered:
                return "Bad Request: query is too old and response timeout expired or query ID is invalid"
            refusal = rules.callback_answer_refusal(method.text)
            if refusal is None:
                self._answered.add(method.callback_query_id)
        markup = getattr(method, "reply_markup", None)
        if refusal is None and isinstance(markup, InlineKeyboardMarkup):
            refusal = rules.keyboard_refusal([[_button(b) for b in row] for row in markup.inline_keyboard])
        return refusal

    def _message(self, bot: Bot, chat_id: int | str, **fields: Any) -> Message:
        chat_id = int(chat_id)
        data = {
            "message_id": fields.pop("message_id", None) or next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": None},
            "from": BOT_USER,
            **{k: v for k, v in fields.items() if v is not None},
        }
        return Message.model_validate(data, context={"bot": bot})

    def _answer(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return User.model_validate(BOT_USER)
        if isinstance(method, SendMessage):
            return self._message(bot, method.chat_id, text=method.text, reply_markup=method.reply_markup)
        if isinstance(method, EditMessageText):
            return self._message(
                bot,
                method.chat_id or 0,
                message_id=method.message_id,
                text=method.text,
                reply_markup=method.reply_markup,
            )
        if isinstance(method, EditMessageReplyMarkup):
            return self._message(
                bot, method.chat_id or 0, message_id=method.message_id, reply_markup=method.reply_markup
            )
        if isinstance(method, SendDocument):
            doc = method.document
            file_id = f"sent{next(self._file_ids)}"
            name = getattr(doc, "filename", None) or "file"
            if isinstance(doc, BufferedInputFile):
                self.files[file_id] = doc.data
            return self._message(
                bot,
                method.chat_id,
                caption=method.caption,
                reply_markup=method.reply_markup,
                document={"file_id": file_id, "file_unique_id": file_id, "file_name": name},
            )
        if isinstance(method, SendPhoto):
            return self._message(
                bot,
                method.chat_id,
                caption=method.caption,
                reply_markup=method.reply_markup,
                photo=[self._photo(method.photo)],
            )
        if isinstance(method, EditMessageMedia) and isinstance(method.media, InputMediaPhoto):
            return self._message(
                bot,
                method.chat_id or 0,
                message_id=method.message_id,
                caption=method.media.caption,
                reply_markup=method.reply_markup,
                photo=[self._photo(method.media.media)],
            )
        if isinstance(method, SendInvoice):
            invoice = {
                "title": method.title,
                "description": method.description,
                "start_parameter": "",
                "currency": method.currency,
                "total_amount": sum(p.amount for p in method.prices),
            }
            return self._message(bot, method.chat_id, invoice=invoice)
        if isinstance(method, GetFile):
            data = self.files.get(method.file_id)
            if data is None:
                raise TelegramBadRequest(method=method, message="Bad Request: invalid file_id")
            return File(
                file_id=method.file_id,
                file_unique_id=method.file_id,
                file_size=len(data),
                file_path=f"documents/{method.file_id}",
            )
        returning = getattr(method, "__returning__", None)
        if returning is bool:
            return True
        raise NotImplementedError(f"{type(method).__name__} is not emulated")

    def _photo(self, photo: InputFile | str) -> dict[str, Any]:
        """A PhotoSize for a sent photo (its bytes kept, as for documents)."""
        file_id = photo if isinstance(photo, str) else f"photo{next(self._file_ids)}"
        if isinstance(photo, BufferedInputFile):
            self.files[file_id] = photo.data
        return {"file_id": file_id, "file_unique_id": file_id, "width": 640, "height": 480}

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        file_id = url.rsplit("/", 1)[-1]
        data = self.files[file_id]
        for i in range(0, len(data), chunk_size):
            yield data[i : i + chunk_size]

    # -- what the bot sent, for tests and the console ------------------------------------------
    def sent(
        self,
        kind: type[TelegramMethod[Any]] | tuple[type[TelegramMethod[Any]], ...] = (
            SendMessage,
            EditMessageText,
        ),
    ) -> list[Any]:
        return [c for c in self.calls if isinstance(c, kind)]


class WireSession(LocalSession):
    """LocalSession's answers, with the CPU work a real session does for each call and no socket:
    the request is encoded as AiohttpSession encodes it (its own `build_form_data`: every field
    through `prepare_value`, keyboards as JSON, then the form's body bytes), and the result comes
    back as Telegram's JSON body (`{"ok": true, "result": ...}`) parsed by aiogram's
    `check_response`, as AiohttpSession parses a response. LocalSession hands the bot the objects
    it made instead, which skips both: about a third of a Bot API call's CPU. The benchmarks use
    this one so that the bot and the echo ceiling pay what they would pay on the network."""

    def __init__(self, enforce_rules: bool = False) -> None:
        super().__init__(enforce_rules=enforce_rules)
        self._encoder = AiohttpSession()  # only its encoding is used: it never opens a connection

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self._encoder.api.api_url(token=bot.token, method=method.__api_method__)  # as it is sent:
        await self._encoder.build_form_data(bot=bot, method=method)().as_bytes()  # URL and body
        result: Any = await super().make_request(bot, method, timeout)
        if isinstance(result, TelegramObject):
            result = result.model_dump(mode="json", by_alias=True, exclude_none=True)
        content = self.json_dumps({"ok": True, "result": result})
        response = self.check_response(bot=bot, method=method, status_code=200, content=content)
        return cast(TelegramType, response.result)
