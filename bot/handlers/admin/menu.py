"""The admin menu and /stats."""

from __future__ import annotations

import logging
from contextlib import suppress
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import AdminCD
from bot.i18n import Translator
from bot.keyboards import admin_menu_kb
from services.admin import Stats

log = logging.getLogger(__name__)


async def admin_menu(message: Message, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await message.answer(t("adm_menu"), reply_markup=admin_menu_kb(t))


async def admin_menu_cb(query: CallbackQuery, t: Translator) -> None:
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(t("adm_menu"), reply_markup=admin_menu_kb(t))


def stats_text(t: Translator, s: Stats) -> str:
    by_model = "\n".join(f"• {escape(m)}: {n}" for m, n in s.by_model.items()) or "—"
    return t(
        "adm_stats",
        users=s.users,
        active=s.active_users,
        completed=s.by_status.get("completed", 0),
        failed=s.by_status.get("failed", 0),
        pending=s.by_status.get("pending", 0),
        by_model=by_model,
        spent=s.spent,
        refunded=s.refunded,
        credited=s.credited,
    )


async def stats_cmd(message: Message, t: Translator, services: Services) -> None:
    await message.answer(stats_text(t, await services.admin.stats()))


async def stats_cb(query: CallbackQuery, t: Translator, services: Services) -> None:
    if isinstance(query.message, Message):
        await query.message.answer(stats_text(t, await services.admin.stats()))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(admin_menu, Command("admin"))
    router.callback_query.register(admin_menu_cb, AdminCD.filter(F.action == "menu"))
    router.message.register(stats_cmd, Command("stats"))
    router.callback_query.register(stats_cb, AdminCD.filter(F.action == "stats"))
    return router
