"""The confirmation screen and the paid run (a model's inputs are asked in bot/handlers/inputs.py)."""

from __future__ import annotations

import secrets
from contextlib import suppress
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import ConfirmCD, PredCD
from bot.filters import Registered
from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb, cancel_kb, confirm_kb, step_kb
from bot.middlewares import TapAnswer
from bot.pictures import result_picture, show_result
from bot.render import (
    confirm_text,
    input_error_text,
    running_text,
    step_text,
    words,
)
from bot.replies import (
    RunningNotice,
    Screen,
    confirmed_cost,
    edit_or_send,
    low_balance_nudge,
    outcome_screen,
    refusal_screen,
    replace_with_menu,
)
from bot.states import Predict
from services.accounts import User
from services.predictions import (
    InputError,
    InsufficientFunds,
    ModelChanged,
    ModelMeta,
    ModelUnavailable,
    PriceChanged,
)


async def ask_step(message: Message, t: Translator, meta: ModelMeta, index: int) -> None:
    await message.answer(step_text(t, meta, index), reply_markup=step_kb(t, meta, index))


async def begin_input(message: Message, state: FSMContext, t: Translator, meta: ModelMeta) -> None:
    await state.set_state(Predict.value)
    await state.set_data({"model": meta.name, "index": 0, "values": {}})
    await ask_step(message, t, meta, 0)


async def show_confirm(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    user: User,
    meta: ModelMeta,
    values: dict[str, Any],
    note: str = "",
    edit: bool = False,
) -> None:
    """The confirmation screen. The price it shows is stored with its nonce: Confirm never pays
    more than that. `note` goes above the screen; `edit`: replace `message` instead of answering."""
    try:
        quote = await services.predictions.confirm_quote(user.id, meta.name)
    except ModelUnavailable as exc:
        await state.clear()
        text = t("model_changed" if isinstance(exc, ModelChanged) else "model_unavailable")
        await edit_or_send(message, text, back_to_menu_kb(t), edit)
        return
    nonce = secrets.token_urlsafe(9)
    await state.set_state(Predict.confirm)
    # the price and the model version the screen shows: Confirm runs that version, at most that price
    await state.set_data(
        {
            "model": meta.name,
            "values": values,
            "nonce": nonce,
            "cost": str(quote.cost),
            "version": quote.version_id,
        }
    )
    text = confirm_text(t, meta, values, quote)
    if note:
        text = note + "\n\n" + text
    await edit_or_send(message, text, confirm_kb(t, nonce, quote.cost, quote.affordable), edit)


async def confirm_run(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: ConfirmCD,
    state: FSMContext,
    user: User,
    t: Translator,
    services: Services,
    bot: Bot,
) -> None:
    """Only this charges. The nonce of the confirmation screen is the run's idempotency key, so a
    double tap, a replayed update or a stale screen never pays twice; the price that screen showed
    is the most it pays: a higher price now shows a new screen (and nonce) instead."""
    message = query.message if isinstance(query.message, Message) else None
    key = f"confirm:{callback_data.nonce}"
    data = await state.get_data()
    if data.get("nonce") != callback_data.nonce:
        earlier = await services.predictions.lookup(user.id, key)
        if earlier is None:
            callback_answer.alert(t("confirm_expired"))
            if message is not None:  # a stale screen: its buttons give way to the menu
                await replace_with_menu(message, t)
            return
        callback_answer.toast(t("already_processed_short"))
        if message is not None:
            meta = services.predictions.meta_or_none(earlier.model_name)
            screen = outcome_screen(t, meta, earlier, earlier.cost or None)
            await message.answer(screen.text, reply_markup=screen.markup)
        return
    meta = services.predictions.meta_or_none(data.get("model"))
    quoted = confirmed_cost(data)
    if quoted is None:  # a screen from before prices were stored with it: charge nothing
        if meta is None or message is None:
            await state.clear()
            callback_answer.alert(t("confirm_expired"))
            return
        await show_confirm(message, state, t, services, user, meta, data.get("values", {}), edit=True)
        return
    await callback_answer.send_now(t("running_short"))
    notice = None
    if message is not None and meta is not None:
        notice = RunningNotice(message, running_text(t, meta), bot)
    refusal: Screen | None = None
    try:
        outcome = await services.predictions.run(
            user_id=user.id,
            model_name=data.get("model", ""),
            values=data.get("values", {}),
            request_key=key,
            max_cost=quoted,
            model_version=data.get("version"),
        )
    except PriceChanged as exc:
        if notice is not None:
            await notice.stop()
            notice = None
        if message is not None and meta is not None:
            note = t("price_changed", was=exc.quoted, now=exc.current)
            await show_confirm(
                message, state, t, services, user, meta, data.get("values", {}), note=note, edit=True
            )
        else:
            await state.clear()
        return
    except (InsufficientFunds, ModelUnavailable, InputError) as exc:
        refusal = refusal_screen(t, exc, data.get("model", ""))
    finally:
        if notice is not None:
            await notice.stop()
    await state.clear()
    if message is None:
        return
    if refusal is not None:
        await edit_or_send(message, refusal.text, refusal.markup, True)
        return
    screen = outcome_screen(t, meta, outcome, quoted)
    png = await result_picture(services.charts, t, user, meta, outcome)  # settled: no money moves now
    title = words(meta.title_in(t.lang)) if meta else ""
    await show_result(message, t, screen, png, title, services.photo_ids)
    nudge = low_balance_nudge(t, user, meta, outcome)
    if nudge is not None:
        await message.answer(nudge.text, reply_markup=nudge.markup)


async def confirm_edit(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: ConfirmCD,
    state: FSMContext,
    t: Translator,
    services: Services,
) -> None:
    data = await state.get_data()
    meta = services.predictions.meta_or_none(data.get("model"))
    if data.get("nonce") != callback_data.nonce or meta is None or not isinstance(query.message, Message):
        callback_answer.alert(t("button_expired"))
        if isinstance(query.message, Message):  # a stale screen: its buttons give way to the menu
            await replace_with_menu(query.message, t)
        return
    with suppress(TelegramBadRequest):
        await query.message.edit_reply_markup(reply_markup=None)
    await begin_input(query.message, state, t, meta)


async def confirm_waiting(message: Message, t: Translator) -> None:
    await message.answer(t("confirm_waiting"), reply_markup=cancel_kb(t))


async def repeat(
    query: CallbackQuery,
    callback_data: PredCD,
    state: FSMContext,
    user: User,
    t: Translator,
    services: Services,
) -> None:
    if not isinstance(query.message, Message):
        return
    try:
        earlier = await services.predictions.rerun(user.id, callback_data.id)
    except ModelUnavailable:
        await query.message.answer(t("model_unavailable"), reply_markup=back_to_menu_kb(t))
        return
    if earlier.values is None:  # the model's inputs changed since
        text = input_error_text(t, earlier.error, earlier.meta)
        await query.message.answer(text, reply_markup=back_to_menu_kb(t))
        return
    await show_confirm(query.message, state, t, services, user, earlier.meta, earlier.values)


def setup() -> Router:
    router = Router(name=__name__)
    # The paid run is the hot path. aiogram tries a router's handlers in the order they were
    # registered, and each one tried first costs every Confirm press a callback-data parse (together
    # about 5% of a burst). Its callback prefix is its own, so trying it first changes no other match.
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.callback_query.register(confirm_run, ConfirmCD.filter(F.action == "run"))
    router.callback_query.register(confirm_edit, ConfirmCD.filter(F.action == "edit"))
    router.message.register(confirm_waiting, Predict.confirm, ~F.text.startswith("/"))
    router.callback_query.register(repeat, PredCD.filter(F.action == "repeat"))
    return router
