"""Screens and reply helpers that several handler modules share."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from babel.dates import format_datetime

from bot.app import Services
from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb, main_menu_kb, model_card_kb, nudge_kb, result_kb
from bot.middlewares import TapAnswer
from bot.render import insufficient_text, outcome_text, quote
from services.accounts import User
from services.catalogue import Quote
from services.payments import PaymentOutcome
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


async def replace_with_menu(message: Message, t: Translator) -> None:
    """A message whose buttons are out of date keeps just a Menu button: the next tap leads
    somewhere. (Already so, or too old to edit: left as it is.)"""
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=back_to_menu_kb(t))


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


def outcome_screen(
    t: Translator, meta: ModelMeta | None, outcome: PredictionOutcome, price: Decimal | None = None
) -> Screen:
    """A paid run's result (or why it failed, refunded), with Repeat under it; with Top up first
    when the balance left no longer pays `price`, what this model costs."""
    topup = price is not None and price > 0 and outcome.balance < price
    markup = result_kb(t, outcome.prediction_id, outcome.model_name, topup, why=outcome.ok)
    return Screen(outcome_text(t, meta, outcome), markup)


# -- low-balance reminders ---------------------------------------------------------------------
# A reminder goes when a charge takes the balance across a line: from two or more runs of the
# model just used to one ("enough for 1 more"), or from one to none ("not enough for another").
# That is computed from this charge alone (the balance before it is the balance after it plus what
# it cost), so nothing needs remembering: the next run at a low balance crosses no line and
# reminds of nothing, and a top-up followed by another descent reminds again. A replayed run, a
# refunded one and a free model charge nothing and cross nothing. Runs of several models in turn
# are judged each against its own price.
NUDGE_RUNS = 2  # the upper line, in runs of the model just used


def runs_left_if_crossed(outcome: PredictionOutcome) -> int | None:
    """How many more runs of this model the balance pays (0 or 1) if this charge crossed a
    reminder line; None if it crossed none."""
    price = outcome.cost
    if outcome.duplicate or outcome.refunded or not outcome.ok or price <= 0:
        return None
    after = int(outcome.balance // price)
    before = int((outcome.balance + price) // price)
    if after < NUDGE_RUNS <= before or after < 1 <= before:
        return after
    return None


def low_balance_nudge(
    t: Translator, user: User, meta: ModelMeta | None, outcome: PredictionOutcome
) -> Screen | None:
    """The reminder this run calls for, if any and if the user wants reminders (/settings)."""
    if not user.notifications:
        return None
    runs = runs_left_if_crossed(outcome)
    if runs is None:
        return None
    title = escape(meta.title_in(t.lang) if meta is not None else outcome.model_name)
    key = "nudge_low_balance" if runs > 0 else "nudge_no_balance"
    return Screen(t(key, balance=outcome.balance, runs=runs, title=title), nudge_kb(t))


# -- payments ----------------------------------------------------------------------------------
DATE_PATTERN = "d MMMM y, HH:mm"  # 26 November 2026, 09:05 / 26 ноября 2026, 09:05


def date_text(t: Translator, when: datetime) -> str:
    """A moment in UTC, written the way the user's language writes dates."""
    moment = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return t("date_utc", date=format_datetime(moment, DATE_PATTERN, tzinfo=UTC, locale=t.lang))


def receipt_text(t: Translator, outcome: PaymentOutcome, stars: int, when: datetime, support: str) -> str:
    """The receipt of a credited payment: order, Stars, credits, balance, date, and where to ask."""
    return t(
        "payment_credited",
        order=outcome.order_id or "—",
        stars=stars,
        credits=outcome.credits,
        balance=outcome.balance,
        date=date_text(t, when),
        support=support,
    )
