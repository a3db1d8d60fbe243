"""Console mode: chat with the real Dispatcher in a terminal, without Telegram or a token.

Type messages and /commands as in Telegram; a number presses that button of the latest
keyboard; `/file path.csv` sends a file; `/quit` leaves. Messages are shown without HTML.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import sys
import time
from pathlib import Path
from typing import Any

from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import InlineKeyboardMarkup, Message, Update

from bot.app import build_services
from bot.config import Settings
from bot.dispatcher import create_bot, create_dispatcher, recover_and_notify
from bot.i18n import I18n
from bot.local_session import LocalSession

CONSOLE_USER = {
    "id": 777000001,
    "is_bot": False,
    "first_name": "Console",
    "username": "console_user",
    "language_code": "en",
}
_TAG_RE = re.compile(r"<[^>]+>")


def plain(text: str | None) -> str:
    return html.unescape(_TAG_RE.sub("", text or ""))


class ConsoleView:
    def __init__(self, out: Any = sys.stdout) -> None:
        self.out = out
        self.buttons: list[tuple[str, str, Message]] = []  # (label, callback data, message)
        self.files: dict[str, bytes] = {}

    def on_call(self, method: TelegramMethod[Any], result: Any) -> None:
        if isinstance(method, SendMessage):
            self._show(plain(method.text), method.reply_markup, result)
        elif isinstance(method, EditMessageText):
            self._show("(edited) " + plain(method.text), method.reply_markup, result)
        elif isinstance(method, EditMessageReplyMarkup) and method.reply_markup is None:
            self.buttons = [b for b in self.buttons if b[2].message_id != method.message_id]
        elif isinstance(method, AnswerCallbackQuery) and method.text:
            print(f"\n💬 {method.text}", file=self.out)
        elif isinstance(method, SendPhoto):
            self._show(f"🖼 (a chart) {plain(method.caption)}", method.reply_markup, result)
        elif isinstance(method, EditMessageMedia):
            caption = getattr(method.media, "caption", None)
            self._show(f"(edited) 🖼 (a chart) {plain(caption)}", method.reply_markup, result)
        elif isinstance(method, SendDocument):
            name = result.document.file_name if result.document else "file"
            print(f"\n📎 {name}: {plain(method.caption)}", file=self.out)
            self._show("", method.reply_markup, result)

    def _show(self, text: str, markup: Any, message: Message) -> None:
        if text:
            print("\n" + text, file=self.out)
        if isinstance(markup, InlineKeyboardMarkup):
            self.buttons = []
            for row in markup.inline_keyboard:
                cells = []
                for button in row:
                    self.buttons.append((button.text, button.callback_data or "", message))
                    cells.append(f"[{len(self.buttons)}] {button.text}")
                print("   ".join(cells), file=self.out)


async def run_console(settings: Settings, lines: Any = None, out: Any = sys.stdout) -> int:
    services = await build_services(settings)
    view = ConsoleView(out)
    session = LocalSession(on_call=view.on_call)
    bot = create_bot("42:console", session=session)
    i18n = I18n()
    dp = create_dispatcher(services, i18n=i18n)
    update_ids = itertools.count(1)
    message_ids = itertools.count(1)
    chat = {"id": CONSOLE_USER["id"], "type": "private"}
    print(
        "Console mode: type messages or /commands; a number presses a button; "
        "/file PATH sends a file; /quit leaves.",
        file=out,
    )
    try:
        await dp.emit_startup(bot=bot)
        services.spawn(recover_and_notify(bot, services, i18n))  # runs a stop left pending
        while True:
            if lines is None:
                try:
                    line = await asyncio.to_thread(input, "\n> ")
                except EOFError:
                    break
            else:
                scripted = next(lines, None)
                if scripted is None:
                    break
                line = scripted
            line = line.strip()
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            update: dict[str, Any] = {"update_id": next(update_ids)}
            if line.isdecimal() and 0 < int(line) <= len(view.buttons):
                _, data, msg = view.buttons[int(line) - 1]
                update["callback_query"] = {
                    "id": str(time.time_ns()),
                    "from": CONSOLE_USER,
                    "chat_instance": "c",
                    "data": data,
                    "message": msg.model_dump(by_alias=True, exclude_none=True),
                }
            elif line.startswith("/file "):
                path = Path(line[6:].strip()).expanduser()  # noqa: ASYNC240 (a local, interactive tool)
                if not path.is_file():
                    print(f"no such file: {path}", file=out)
                    continue
                file_id = f"up{next(message_ids)}"
                session.files[file_id] = path.read_bytes()
                update["message"] = {
                    "message_id": next(message_ids),
                    "date": int(time.time()),
                    "chat": chat,
                    "from": CONSOLE_USER,
                    "document": {
                        "file_id": file_id,
                        "file_unique_id": file_id,
                        "file_name": path.name,
                        "file_size": path.stat().st_size,
                    },
                }
            else:
                text_msg: dict[str, Any] = {
                    "message_id": next(message_ids),
                    "date": int(time.time()),
                    "chat": chat,
                    "from": CONSOLE_USER,
                    "text": line,
                }
                if line.startswith("/"):
                    text_msg["entities"] = [
                        {"type": "bot_command", "offset": 0, "length": len(line.split()[0])}
                    ]
                update["message"] = text_msg
            await dp.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
    finally:
        await dp.emit_shutdown(bot=bot)
        await services.close()
    return 0
