"""Messages to the admins (ADMIN_IDS) about money that needs a person: a payment from a disabled
or unknown account, a refund made outside the bot. Each admin reads it in their own language."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from sqlalchemy import select

from bot.app import Services
from bot.i18n import I18n
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
