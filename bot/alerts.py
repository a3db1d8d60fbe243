"""Messages outside the chat at hand, each in its reader's language: to the admins (ADMIN_IDS)
about money that needs a person (a payment from a disabled or unknown account, a refund made
outside the bot), and to a user about what happened to their account (an admin's credit, debit,
disable, a refund). Telegram's 403 to a user (they blocked the bot, or deleted the account) marks
them unreachable, as a broadcast does; it is never an error for whoever caused the message."""

from __future__ import annotations

import logging
from typing import Any, Literal

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from sqlalchemy import select

from bot.app import Services
from bot.i18n import I18n, Translator
from db.models import User

log = logging.getLogger(__name__)


async def tell_admins(bot: Bot, services: Services, i18n: I18n, key: str, **kwargs: Any) -> int:
    """Send the text `key` to every admin; returns how many got it. Never raises for Telegram."""
    admins = sorted(services.settings.admin_ids)
    if not admins:
        log.warning("no ADMIN_IDS to tell: %s %s", key, kwargs)
        return 0
    async with services.session_factory() as session:
        rows = await session.execute(
            select(User.telegram_id, User.language).where(User.telegram_id.in_(admins))
        )
        languages = {tg: lang for tg, lang in rows.all()}
    sent = 0
    for admin in admins:
        text = i18n.get(i18n.pick(languages.get(admin), None), key, **kwargs)
        try:
            await bot.send_message(admin, text)
            sent += 1
        except TelegramAPIError as exc:
            log.warning("could not tell admin %d (%s): %s", admin, key, exc)
    return sent


Told = Literal["told", "unreachable", "no_chat", "failed"]


async def tell_user(bot: Bot, services: Services, i18n: I18n, user: User, key: str, **params: Any) -> Told:
    """Send the text `key` to `user` in their language; whether they got it. Never raises for
    Telegram."""
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
