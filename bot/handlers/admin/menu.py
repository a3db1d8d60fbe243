"""The admin menu and /stats (a chart of the chosen range, with the figures in its caption)."""

from __future__ import annotations

import logging
from contextlib import suppress
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.app import Services
from bot.callbacks import AdminCD
from bot.i18n import Translator
from bot.keyboards import Keyboard, admin_menu_kb
from bot.pictures import PictureScreen, replace_with_picture, send_with_picture, stats_chart
from services.admin import RangeStats

log = logging.getLogger(__name__)


async def admin_menu(message: Message, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await message.answer(t("adm_menu"), reply_markup=admin_menu_kb(t))


async def admin_menu_cb(query: CallbackQuery, t: Translator) -> None:
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(t("adm_menu"), reply_markup=admin_menu_kb(t))


STATS_RANGES = {"7": 7, "30": 30, "90": 90, "all": None}


def stats_kb(t: Translator, current: str) -> InlineKeyboardMarkup:
    b = Keyboard()
    for arg in STATS_RANGES:
        label = t("btn_adm_stats_all") if arg == "all" else t("btn_adm_stats_days", days=int(arg))
        b.button(
            text=("• " if arg == current else "") + label, callback_data=AdminCD(action="stats", arg=arg)
        )
    b.button(text=t("btn_admin"), callback_data=AdminCD(action="menu"))
    b.adjust(4, 1)
    return b.as_markup()


def stats_period(t: Translator, days: int | None) -> str:
    return t("adm_stats_all") if days is None else t("adm_stats_days", days=days)


def stats_text(t: Translator, s: RangeStats, days: int | None) -> str:
    by_model = "\n".join(
        t("adm_stats_model", name=escape(m.name), runs=m.runs, failed=m.failed, spent=m.spent)
        for m in s.models[:30]
    )
    return t(
        "adm_stats",
        period=stats_period(t, days),
        users=s.users,
        active=s.active_users,
        new=s.new_users,
        runs=sum(m.runs for m in s.models),
        completed=sum(m.completed for m in s.models),
        failed=sum(m.failed for m in s.models),
        by_model=by_model or "—",
        spent=s.spent,
        refunded=s.refunded,
        credited=s.credited,
        payments=s.payments,
        stars_paid=s.stars_paid,
        stars_refunded=s.stars_refunded,
        stars=s.stars_revenue,
    )


async def stats_screen(t: Translator, services: Services, arg: str) -> PictureScreen:
    """The figures and keyboard, and the chart (None if it could not be drawn: the text goes
    alone)."""
    arg = arg if arg in STATS_RANGES else "all"
    days = STATS_RANGES[arg]
    board = await services.admin.dashboard(days)
    period = stats_period(t, days)
    png = await services.charts.render(stats_chart(t, board.series, period))  # off the event loop
    text = stats_text(t, board.stats, days)
    return PictureScreen(text, stats_kb(t, arg), png, t("adm_chart_caption", period=period))


async def stats_cmd(message: Message, t: Translator, services: Services) -> None:
    await send_with_picture(message, await stats_screen(t, services, "all"), services.photo_ids)


async def stats_cb(query: CallbackQuery, callback_data: AdminCD, t: Translator, services: Services) -> None:
    """The range buttons (and the menu's Stats) replace the screen in place."""
    if isinstance(query.message, Message):
        screen = await stats_screen(t, services, callback_data.arg)
        await replace_with_picture(query.message, screen, services.photo_ids)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(admin_menu, Command("admin"))
    router.callback_query.register(admin_menu_cb, AdminCD.filter(F.action == "menu"))
    router.message.register(stats_cmd, Command("stats"))
    router.callback_query.register(stats_cb, AdminCD.filter(F.action == "stats"))
    return router
