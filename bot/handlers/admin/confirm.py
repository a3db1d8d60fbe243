"""Confirm and Cancel of the admin actions shown for confirmation (see pending.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import AdminOkCD
from bot.handlers.admin import models, payments, users
from bot.handlers.admin.pending import drop, take
from bot.i18n import I18n, Translator
from bot.middlewares import TapAnswer
from bot.replies import Screen

log = logging.getLogger(__name__)

Run = Callable[[dict[str, Any], str, CallbackQuery, Translator, Services, Bot, I18n], Awaitable[Screen]]

RUNS: dict[str, Run] = {
    "credit": users.run_adjust,
    "debit": users.run_adjust,
    "disable": users.run_switch,
    "enable": users.run_switch,
    "model_on": models.run_model_switch,
    "model_off": models.run_model_switch,
    "setcost": models.run_setcost,
    "refund": payments.run_refund,
}


async def answer_cb(
    query: CallbackQuery,
    callback_data: AdminOkCD,
    callback_answer: TapAnswer,
    state: FSMContext,
    t: Translator,
    services: Services,
    bot: Bot,
    i18n: I18n,
) -> None:
    if callback_data.answer == "no":
        await drop(state, callback_data.nonce)
        screen = Screen(t("adm_action_cancelled"))
    else:
        action, done = await take(state, callback_data.nonce)
        if action is None:
            callback_answer.alert(t("adm_already_done" if done else "adm_confirm_stale"))
            return
        run = RUNS.get(str(action.get("op")))
        if run is None:  # written by an older version of the bot
            callback_answer.alert(t("adm_confirm_stale"))
            return
        callback_answer.toast(t("adm_working"))
        await callback_answer.send_now()  # a refund waits on Telegram: stop the spinner first
        screen = await run(action, callback_data.nonce, query, t, services, bot, i18n)
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(screen.text, reply_markup=screen.markup)
            return
        await query.message.answer(screen.text, reply_markup=screen.markup)


def setup() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(answer_cb, AdminOkCD.filter())
    return router
