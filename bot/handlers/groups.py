"""Group chats: the bot works in private chats only. Anything said to it in a group gets one
short answer with a button that opens the private chat (a deep link, carrying a /start payload
given there); a button pressed on a message in a group is refused. Nothing about the user (menu,
balance, predictions) is ever shown in a group. First among the routers: whatever a handler
further on would do never happens in a group."""

from __future__ import annotations

import logging
import re

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import JOIN_TRANSITION, ChatMemberUpdatedFilter
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from bot.handlers.admin.refusals import ADMIN_COMMANDS
from bot.i18n import Translator
from bot.keyboards import open_private_kb
from bot.middlewares import TapAnswer

log = logging.getLogger(__name__)
# A deep link's payload: up to 64 of A-Z a-z 0-9 _ - (Telegram's rule).
PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
START = re.compile(r"/start(?:@\w+)?\s+(\S+)\s*$", re.IGNORECASE)
COMMAND = re.compile(r"/([A-Za-z0-9_]+)")
GROUP_PAYLOAD = "group"  # a plain /start, once in the private chat


def start_payload(text: str | None) -> str:
    """The payload of "/start <payload>" said in the group, to carry over; else "group"."""
    found = START.match(text or "")
    if found and PAYLOAD.fullmatch(found.group(1)):
        return found.group(1)
    return GROUP_PAYLOAD


async def private_link(bot: Bot, payload: str) -> str:
    me = await bot.me()  # asked once, then cached by aiogram
    return f"https://t.me/{me.username}?start={payload}"


async def in_group(message: Message, bot: Bot, t: Translator) -> None:
    command = COMMAND.match(message.text or "")
    if command and command.group(1).lower() in ADMIN_COMMANDS:  # as the admin console logs refusals
        tg = message.from_user
        log.warning(
            "admin command %r refused: tg %s in %s chat %d",
            (message.text or "")[:40],
            tg and tg.id,
            message.chat.type,
            message.chat.id,
        )
    link = await private_link(bot, start_payload(message.text))
    await message.reply(t("group_only"), reply_markup=open_private_kb(t, link))


async def added_to_group(event: ChatMemberUpdated, bot: Bot, t: Translator) -> None:
    """Someone added the bot to a group: say once where it works (a group that does not let it
    write is left alone)."""
    link = await private_link(bot, GROUP_PAYLOAD)
    try:
        await bot.send_message(event.chat.id, t("group_only"), reply_markup=open_private_kb(t, link))
    except TelegramAPIError as exc:
        log.info("could not greet group %d: %s", event.chat.id, exc)


async def button_in_group(query: CallbackQuery, callback_answer: TapAnswer, t: Translator) -> None:
    callback_answer.alert(t("group_only_alert"))


def setup() -> Router:
    router = Router(name=__name__)
    # a payment is recorded wherever it comes from (the payments router, next)
    router.message.filter(F.chat.type != ChatType.PRIVATE, ~F.successful_payment)
    router.message.register(in_group)
    router.callback_query.filter(F.message.chat.type != ChatType.PRIVATE)
    router.callback_query.register(button_in_group)
    router.my_chat_member.register(
        added_to_group, ChatMemberUpdatedFilter(JOIN_TRANSITION), F.chat.type != ChatType.PRIVATE
    )
    return router
