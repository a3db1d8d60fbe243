"""Admin commands and buttons from anyone else, or anywhere but a private chat: refused and logged."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import AdminCD, AdminOkCD
from bot.i18n import Translator
from bot.middlewares import TapAnswer

log = logging.getLogger(__name__)


ADMIN_COMMANDS = (
    "admin",
    "users",
    "user",
    "credit",
    "debit",
    "disable",
    "enable",
    "models",
    "setcost",
    "enable_model",
    "disable_model",
    "addmodel",
    "versions",
    "rollback",
    "stats",
    "broadcast",
    "refund",
    "promo_new",
    "promos",
    "promo_off",
)


async def refuse_command(message: Message, t: Translator) -> None:
    tg = message.from_user
    log.warning(
        "admin command %r refused: tg %s in %s chat %d",
        (message.text or "")[:40],
        tg and tg.id,
        message.chat.type,
        message.chat.id,
    )
    await message.answer(t("adm_refused_group" if message.chat.type != "private" else "adm_refused"))


async def refuse_button(query: CallbackQuery, callback_answer: TapAnswer, t: Translator) -> None:
    log.warning("admin button refused: tg %d", query.from_user.id)
    callback_answer.alert(t("adm_refused"))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(refuse_command, Command(*ADMIN_COMMANDS))
    router.callback_query.register(refuse_button, AdminCD.filter())
    router.callback_query.register(refuse_button, AdminOkCD.filter())
    return router
