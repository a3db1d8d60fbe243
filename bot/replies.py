"""Screens and reply helpers that several handler modules share."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb, main_menu_kb
from bot.middlewares import TapAnswer
from bot.render import money, quote
from db.engine import unit
from db.models import User
from services.predictions import ModelUnavailable, Quote


def menu_text(t: Translator, user: User) -> str:
    return t("menu", name=quote(user.username), balance=money(user.balance))


async def show_menu(
    message: Message, t: Translator, user: User, services: Services, edit: bool = False
) -> None:
    kb = main_menu_kb(t, is_admin=message.chat.id in services.settings.admin_ids)
    if edit:
        with suppress(TelegramBadRequest):
            await message.edit_text(menu_text(t, user), reply_markup=kb)
            return
    await message.answer(menu_text(t, user), reply_markup=kb)


async def quote_model(services: Services, session: AsyncSession, user: User, name: str) -> Quote:
    async with unit(session):
        return await services.predictions.quote(session, user.id, name)


async def quote_for_button(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    services: Services,
    session: AsyncSession,
    user: User,
    name: str,
    t: Translator,
) -> tuple[Message, Quote] | None:
    """Answer a model button and quote the model; None (after saying why) if it cannot run."""
    await callback_answer.send_now()
    if not isinstance(query.message, Message):
        return None
    try:
        return query.message, await quote_model(services, session, user, name)
    except ModelUnavailable:
        await query.message.answer(t("model_unavailable"), reply_markup=back_to_menu_kb(t))
        return None


async def edit_or_send(message: Message, text: str, kb: Any, edit: bool) -> Message:
    if edit:
        with suppress(TelegramBadRequest):
            result = await message.edit_text(text, reply_markup=kb)
            return result if isinstance(result, Message) else message
    return await message.answer(text, reply_markup=kb)


@dataclass(frozen=True)
class Screen:
    """A screen's text and keyboard, built before it is sent or edited in."""

    text: str
    markup: InlineKeyboardMarkup | None = None
