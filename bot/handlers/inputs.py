"""A model's inputs, step by step (or all pasted at once), up to the confirmation screen."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import ModelCD, StepCD, model_tag
from bot.filters import NOT_COMMAND, Registered
from bot.handlers.predict import ask_step, begin_input, show_confirm
from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb, model_card_kb, step_kb
from bot.middlewares import TapAnswer
from bot.render import input_error_text, insufficient_text
from bot.replies import quote_for_button
from bot.states import Predict
from services.accounts import User
from services.predictions import InputError, ModelMeta


async def start_input(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: ModelCD,
    state: FSMContext,
    user: User,
    t: Translator,
    services: Services,
) -> None:
    quoted = await quote_for_button(query, callback_answer, services, user, callback_data.name, t)
    if quoted is None:
        return
    message, quote = quoted
    if not quote.affordable:
        text = insufficient_text(t, quote.cost, quote.balance)
        await message.answer(text, reply_markup=model_card_kb(t, quote.meta.name, False))
        return
    await begin_input(message, state, t, quote.meta)


async def _accept(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    user: User,
    meta: ModelMeta,
    values: dict[str, Any],
) -> None:
    """Store values; ask for the next missing one, or show the confirmation screen."""
    missing = [i for i, f in enumerate(meta.features) if f.name not in values]
    if missing:
        index = missing[0]
        await state.update_data(values=values, index=index)
        await ask_step(message, t, meta, index)
        return
    await show_confirm(message, state, t, services, user, meta, values)


async def step_value(
    message: Message, state: FSMContext, t: Translator, services: Services, user: User
) -> None:
    data = await state.get_data()
    meta = services.predictions.meta_or_none(data.get("model"))
    if meta is None:
        await state.clear()
        await message.answer(t("model_unavailable"), reply_markup=back_to_menu_kb(t))
        return
    index = int(data.get("index", 0))
    try:
        got = services.predictions.read_step(meta, index, message.text or "")
    except InputError as exc:
        await message.answer(
            input_error_text(t, exc, meta),
            reply_markup=step_kb(t, meta, index),
        )
        return
    values = {**data.get("values", {}), **got}
    await _accept(message, state, t, services, user, meta, values)


async def step_not_text(message: Message, state: FSMContext, t: Translator, services: Services) -> None:
    data = await state.get_data()
    meta = services.predictions.meta_or_none(data.get("model"))
    index = int(data.get("index", 0))
    await message.answer(t("need_value"))
    if meta is not None:
        await ask_step(message, t, meta, index)


async def step_button(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: StepCD,
    state: FSMContext,
    t: Translator,
    services: Services,
    user: User,
) -> None:
    """Back, the example, or a category. The button must belong to the question asked now: one
    left on an earlier question (or another model's) is refused and fills nothing."""
    data = await state.get_data()
    meta = services.predictions.meta_or_none(data.get("model"))
    if meta is None or not isinstance(query.message, Message):
        await state.clear()
        callback_answer.alert(t("model_unavailable"))
        return
    index = int(data.get("index", 0))
    if callback_data.step != index or callback_data.model != model_tag(meta.name):
        callback_answer.toast(t("step_stale"))
        return
    f = meta.features[index]
    choices = list(f.categories or {})
    if callback_data.action == "pick" and not 0 <= callback_data.value < len(choices):
        callback_answer.toast(t("step_stale"))  # forged, or the model's categories changed
        return
    with suppress(TelegramBadRequest):
        await query.message.edit_reply_markup(reply_markup=None)
    values: dict[str, Any] = dict(data.get("values", {}))
    if callback_data.action == "back":
        index = max(0, index - 1)
        values.pop(meta.features[index].name, None)
        await state.update_data(values=values, index=index)
        await ask_step(query.message, t, meta, index)
        return
    values[f.name] = choices[callback_data.value] if callback_data.action == "pick" else f.example
    await _accept(query.message, state, t, services, user, meta, values)


async def step_button_stale(query: CallbackQuery, callback_answer: TapAnswer, t: Translator) -> None:
    callback_answer.alert(t("button_expired"))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.callback_query.register(start_input, ModelCD.filter(F.action == "start"))
    router.message.register(step_value, Predict.value, NOT_COMMAND)
    router.message.register(step_not_text, Predict.value, ~F.text.startswith("/"))
    router.callback_query.register(step_button, Predict.value, StepCD.filter())
    router.callback_query.register(step_button_stale, StepCD.filter())
    return router
