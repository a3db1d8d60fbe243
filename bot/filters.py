"""Filters on what the context middleware loaded."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from db.models import User

log = logging.getLogger(__name__)

# Text that is not a /command: dialog steps take these, so commands always reach their handlers.
NOT_COMMAND = F.text & ~F.text.startswith("/")


class Registered(BaseFilter):
    async def __call__(self, event: Message | CallbackQuery, user: User | None = None) -> bool:
        return user is not None


class IsAdmin(BaseFilter):
    """An admin from ADMIN_IDS, in a private chat. Anything else is refused (and logged) by the
    admin router's fallback, never silently run."""

    async def __call__(self, event: Message | CallbackQuery, services: Services, **_: Any) -> bool:
        tg = event.from_user
        message = event if isinstance(event, Message) else event.message
        private = message is not None and message.chat.type == "private"
        return tg is not None and tg.id in services.settings.admin_ids and private
