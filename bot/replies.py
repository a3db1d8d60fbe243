"""Screens and reply helpers that several handler modules share."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.app import Services
from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb, main_menu_kb, model_card_kb, result_kb
from bot.middlewares import TapAnswer
from bot.render import insufficient_text, outcome_text, quote
from services.accounts import User
from services.catalogue import Quote
from services.predictions import (
    InsufficientFunds,
    ModelChanged,
    ModelMeta,
    ModelUnavailable,
    PredictionOutcome,
)

# The tap is answered at once (a "running…" toast); the message itself says "running" only when
# a run takes longer than a second, the usual limit for feedback that is not needed. Under load
# this matters: at 0.4 s a burst of 2,000 runs spent 13% more on notices it showed to everyone.
RUNNING_NOTICE_AFTER = 1.0  # seconds


def menu_text(t: Translator, user: User) -> str:
    return t("menu", name=quote(user.username), balance=user.balance)


async def show_menu(
    message: Message, t: Translator, user: User, services: Services, edit: bool = False
) -> None:
    kb = main_menu_kb(t, is_admin=message.chat.id in services.settings.admin_ids)
    await edit_or_send(message, menu_text(t, user), kb, edit)


async def quote_for_button(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    services: Services,
    user: User,
    name: str,
    t: Translator,
) -> tuple[Message, Quote] | None:
    """Answer a model button and quote the model; None (after saying why) if it cannot run."""
    await callback_answer.send_now()
    if not isinstance(query.message, Message):
        return None
    try:
        return query.message, await services.catalogue.quote(user.id, name)
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


class RunningNotice:
    """Shows "running…" (and the typing status) only if the run is still going after
    RUNNING_NOTICE_AFTER seconds: a quick result replaces the confirmation screen directly, without
    a flash of "running" and without spending two more Bot API calls."""

    def __init__(self, message: Message, text: str, bot: Bot) -> None:
        self._shown: asyncio.Task[None] | None = None
        self._timer = asyncio.get_running_loop().call_later(
            RUNNING_NOTICE_AFTER, self._show, message, text, bot
        )

    def _show(self, message: Message, text: str, bot: Bot) -> None:
        self._shown = asyncio.create_task(self._send(message, text, bot))

    @staticmethod
    async def _send(message: Message, text: str, bot: Bot) -> None:
        with suppress(TelegramBadRequest):
            await message.edit_text(text, reply_markup=None)
        with suppress(TelegramAPIError):
            await bot.send_chat_action(message.chat.id, ChatAction.TYPING)

    async def stop(self) -> None:
        """Before the final edit: a notice already on its way lands first, never after it."""
        self._timer.cancel()
        if self._shown is not None:
            await asyncio.wait([self._shown])


def confirmed_cost(data: dict[str, Any]) -> Decimal | None:
    """The price a confirmation screen showed (stored with its nonce in the dialog's data), None
    if unknown."""
    try:
        return Decimal(str(data["cost"]))
    except (KeyError, InvalidOperation):
        return None


def refusal_screen(t: Translator, exc: Exception, model_name: str) -> Screen:
    """What a paid run refused before anything was charged says: too little credit, the model
    replaced meanwhile, or not available (its inputs no longer fit it, among other reasons)."""
    if isinstance(exc, InsufficientFunds):
        return Screen(insufficient_text(t, exc.amount, exc.balance), model_card_kb(t, model_name, False))
    if isinstance(exc, ModelChanged):
        return Screen(t("model_changed"), back_to_menu_kb(t))
    return Screen(t("model_unavailable"), back_to_menu_kb(t))


def outcome_screen(t: Translator, meta: ModelMeta | None, outcome: PredictionOutcome) -> Screen:
    """A paid run's result (or why it failed, refunded), with Repeat under it."""
    markup = result_kb(t, outcome.prediction_id, outcome.model_name, why=outcome.ok)
    return Screen(outcome_text(t, meta, outcome), markup)
