"""The main menu, /cancel and /help (/language: see settings)."""

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
from bot.callbacks import CancelCD, MenuCD
from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb
from bot.middlewares import TapAnswer
from bot.render import money
from bot.replies import show_menu
from services.accounts import User

log = logging.getLogger(__name__)


async def cancel_cmd(
    message: Message, state: FSMContext, user: User | None, t: Translator, services: Services
) -> None:
    had = await state.get_state()
    await state.clear()
    await message.answer(t("cancelled") if had else t("nothing_to_cancel"))
    if user is not None:
        await show_menu(message, t, user, services)


async def cancel_cb(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    state: FSMContext,
    user: User | None,
    t: Translator,
    services: Services,
) -> None:
    await state.clear()
    callback_answer.toast(t("cancelled"))
    if not isinstance(query.message, Message):
        return
    with suppress(TelegramBadRequest):
        await query.message.edit_reply_markup(reply_markup=None)
    if user is not None:
        await show_menu(query.message, t, user, services)
    else:
        await query.message.answer(t("cancelled_unregistered"))


async def menu_cmd(
    message: Message, state: FSMContext, user: User | None, t: Translator, services: Services
) -> None:
    if user is None:
        await message.answer(t("need_registration"))
        return
    await state.clear()
    await show_menu(message, t, user, services)


async def menu_cb(
    query: CallbackQuery, state: FSMContext, user: User | None, t: Translator, services: Services
) -> None:
    if user is None or not isinstance(query.message, Message):
        return
    await state.clear()
    await services.accounts.refresh(user)
    await show_menu(query.message, t, user, services, edit=True)


def help_text(t: Translator, services: Services, costs: list[tuple[str, str]]) -> str:
    lines = "\n".join(f"• {escape(title)} — {cost}" for title, cost in costs)
    return t("help", costs=lines, credits=services.welcome_credits)


async def _help(message: Message, t: Translator, services: Services) -> None:
    items = await services.catalogue.listing(t.lang)
    text = help_text(t, services, [(i.title, money(i.cost)) for i in items])
    await message.answer(text, reply_markup=back_to_menu_kb(t))


async def help_cmd(message: Message, t: Translator, services: Services) -> None:
    await _help(message, t, services)


async def help_cb(query: CallbackQuery, t: Translator, services: Services) -> None:
    if isinstance(query.message, Message):
        await _help(query.message, t, services)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(cancel_cmd, Command("cancel"))
    router.callback_query.register(cancel_cb, CancelCD.filter())
    router.message.register(menu_cmd, Command("menu"))
    router.callback_query.register(menu_cb, MenuCD.filter(F.action == "main"))
    router.message.register(help_cmd, Command("help"))
    router.callback_query.register(help_cb, MenuCD.filter(F.action == "help"))
    return router
