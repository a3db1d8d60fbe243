"""Telling a user what an admin did to their account, in the user's own language. Telegram's 403
(the user blocked the bot, or deleted the account) marks them unreachable, as a broadcast does;
it is never an error for the admin, who is told whether the user got the message."""

from __future__ import annotations

import logging
from typing import Any, Literal

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError

from bot.app import Services
from bot.i18n import I18n, Translator
from db.models import User

log = logging.getLogger(__name__)

Told = Literal["told", "unreachable", "no_chat", "failed"]


async def tell_user(bot: Bot, services: Services, i18n: I18n, user: User, key: str, **params: Any) -> Told:
    if user.telegram_id is None:
        return "no_chat"
    if user.unreachable_at is not None:  # blocked the bot: nothing is sent until they write again
        return "unreachable"
    text = i18n.get(i18n.pick(user.language, None), key, **params)
    try:
        await bot.send_message(user.telegram_id, text)
    except TelegramForbiddenError:
        await services.admin.mark_unreachable([user.telegram_id])
        log.info("user %d blocked the bot: not told (%s)", user.id, key)
        return "unreachable"
    except TelegramAPIError as exc:
        log.warning("could not tell user %d (%s): %s", user.id, key, exc)
        return "failed"
    return "told"


def told_line(t: Translator, told: Told) -> str:
    """What the admin reads under the result: whether the user was told."""
    return t(f"adm_told_{told}")
