"""The catalogue, model cards, step-by-step input, confirmation and the paid run."""

from __future__ import annotations

import asyncio
import secrets
from contextlib import suppress
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.callbacks import ConfirmCD, ModelCD, PredCD, StepCD
from bot.filters import NOT_COMMAND, Registered
from bot.i18n import Translator
from bot.keyboards import (
    back_to_menu_kb,
    cancel_kb,
    confirm_kb,
    model_card_kb,
    result_kb,
    step_kb,
)
from bot.middlewares import TapAnswer
from bot.render import (
    expected_text,
    input_error_text,
    inputs_block,
    money,
    result_block,
    value_label,
    value_text,
)
from bot.replies import edit_or_send, quote_for_button, quote_model
from bot.states import Predict
from db.engine import unit
from db.errors import InsufficientFunds
from db.models import User
from db.queries import user_prediction
from ml.inputs import InputError, Value, from_mapping, parse_step
from ml.schema import ModelMeta
from services.predictions import ModelChanged, ModelUnavailable, PredictionOutcome, PriceChanged

# The tap is answered at once (a "running…" toast); the message itself says "running" only when
# a run takes longer than a second, the usual limit for feedback that is not needed. Under load
# this matters: at 0.4 s a burst of 2,000 runs spent 13% more on notices it showed to everyone.
RUNNING_NOTICE_AFTER = 1.0  # seconds


async def ask_step(message: Message, t: Translator, meta: ModelMeta, index: int) -> None:
    f = meta.features[index]
    text = t(
        "step",
        i=index + 1,
        n=len(meta.features),
        name=escape(f.name),
        description=escape(f.description),
        expected=expected_text(t, f),
        example=value_text(f.example),
    )
    if index == 0 and len(meta.features) > 1:
        text += "\n\n" + t("step_paste_hint", count=len(meta.features))
    await message.answer(text, reply_markup=step_kb(t, value_label(f.example), index > 0))


async def begin_input(message: Message, state: FSMContext, t: Translator, meta: ModelMeta) -> None:
    await state.set_state(Predict.value)
    await state.set_data({"model": meta.name, "index": 0, "values": {}})
    await ask_step(message, t, meta, 0)


async def start_input(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: ModelCD,
    state: FSMContext,
    user: User,
    t: Translator,
    services: Services,
    session: AsyncSession,
) -> None:
    quoted = await quote_for_button(query, callback_answer, services, session, user, callback_data.name, t)
    if quoted is None:
        return
    message, quote = quoted
    if not quote.affordable:
        await message.answer(
            t("insufficient", cost=money(quote.cost), balance=money(quote.balance)),
            reply_markup=model_card_kb(t, quote.meta.name, False),
        )
        return
    await begin_input(message, state, t, quote.meta)


def _meta_or_none(services: Services, name: str | None) -> ModelMeta | None:
    try:
        return services.registry.meta(name or "")
    except Exception:
        return None


async def _accept(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    session: AsyncSession,
    user: User,
    meta: ModelMeta,
    values: dict[str, Value],
    index: int,
) -> None:
    """Store values; ask for the next missing one, or show the confirmation screen."""
    missing = [i for i, f in enumerate(meta.features) if f.name not in values]
    if missing:
        index = missing[0]
        await state.update_data(values=values, index=index)
        await ask_step(message, t, meta, index)
        return
    await show_confirm(message, state, t, services, session, user, meta, values)


async def step_value(
    message: Message, state: FSMContext, t: Translator, services: Services, session: AsyncSession, user: User
) -> None:
    data = await state.get_data()
    meta = _meta_or_none(services, data.get("model"))
    if meta is None:
        await state.clear()
        await message.answer(t("model_unavailable"), reply_markup=back_to_menu_kb(t))
        return
    index = int(data.get("index", 0))
    try:
        got = parse_step(meta.features, index, message.text or "")
    except InputError as exc:
        await message.answer(
            input_error_text(t, exc, meta),
            reply_markup=step_kb(t, value_label(meta.features[index].example), index > 0),
        )
        return
    values = {**data.get("values", {}), **got}
    await _accept(message, state, t, services, session, user, meta, values, index)


async def step_not_text(message: Message, state: FSMContext, t: Translator, services: Services) -> None:
    data = await state.get_data()
    meta = _meta_or_none(services, data.get("model"))
    index = int(data.get("index", 0))
    await message.answer(t("need_value"))
    if meta is not None:
        await ask_step(message, t, meta, index)


async def step_button(
    query: CallbackQuery,
    callback_data: StepCD,
    state: FSMContext,
    t: Translator,
    services: Services,
    session: AsyncSession,
    user: User,
) -> None:
    data = await state.get_data()
    meta = _meta_or_none(services, data.get("model"))
    if meta is None or not isinstance(query.message, Message):
        await state.clear()
        return
    with suppress(TelegramBadRequest):
        await query.message.edit_reply_markup(reply_markup=None)
    index = int(data.get("index", 0))
    values: dict[str, Any] = dict(data.get("values", {}))
    if callback_data.action == "back":
        index = max(0, index - 1)
        values.pop(meta.features[index].name, None)
        await state.update_data(values=values, index=index)
        await ask_step(query.message, t, meta, index)
        return
    f = meta.features[index]
    values[f.name] = f.example
    await _accept(query.message, state, t, services, session, user, meta, values, index)


async def step_button_stale(query: CallbackQuery, callback_answer: TapAnswer, t: Translator) -> None:
    callback_answer.alert(t("button_expired"))


async def show_confirm(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    session: AsyncSession,
    user: User,
    meta: ModelMeta,
    values: dict[str, Any],
    note: str = "",
    edit: bool = False,
) -> None:
    """The confirmation screen. The price it shows is stored with its nonce: Confirm never pays
    more than that. `note` goes above the screen; `edit`: replace `message` instead of answering."""
    version = services.registry.version_of(meta.name)  # the version `values` were read for
    try:
        quote = await quote_model(services, session, user, meta.name)
        if quote.version_id != version:  # replaced while the values were typed
            raise ModelChanged(meta.name)
    except ModelUnavailable as exc:
        await state.clear()
        text = t("model_changed" if isinstance(exc, ModelChanged) else "model_unavailable")
        await edit_or_send(message, text, back_to_menu_kb(t), edit)
        return
    nonce = secrets.token_urlsafe(9)
    await state.set_state(Predict.confirm)
    # the price and the model version the screen shows: Confirm runs that version, at most that price
    await state.set_data(
        {"model": meta.name, "values": values, "nonce": nonce, "cost": str(quote.cost), "version": version}
    )
    if quote.affordable:
        text = t(
            "confirm",
            title=escape(meta.title),
            inputs=inputs_block(meta, values),
            cost=money(quote.cost),
            balance=money(quote.balance),
            after=money(quote.balance_after),
        )
    else:
        text = t(
            "confirm_insufficient",
            title=escape(meta.title),
            inputs=inputs_block(meta, values),
            cost=money(quote.cost),
            balance=money(quote.balance),
        )
    if note:
        text = note + "\n\n" + text
    await edit_or_send(message, text, confirm_kb(t, nonce, quote.cost, quote.affordable), edit)


def confirmed_cost(data: dict[str, Any]) -> Decimal | None:
    """The price the confirmation screen showed (stored with its nonce), None if unknown."""
    try:
        return Decimal(str(data["cost"]))
    except (KeyError, InvalidOperation):
        return None


def outcome_text(t: Translator, meta: ModelMeta | None, outcome: PredictionOutcome) -> str:
    title = escape(meta.title) if meta else escape(outcome.model_name)
    if outcome.status == "pending":
        return t("still_running", id=outcome.prediction_id)
    if outcome.ok and meta is not None:
        text = t(
            "result",
            title=title,
            id=outcome.prediction_id,
            result=result_block(t, meta, outcome.result),
            cost=money(outcome.cost),
            balance=money(outcome.balance),
        )
    else:
        text = t(
            "failed_refunded",
            title=title,
            id=outcome.prediction_id,
            reason=escape(outcome.error or "?"),
            balance=money(outcome.balance),
        )
    if outcome.duplicate:
        text = t("already_processed") + "\n\n" + text
    return text


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


async def confirm_run(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: ConfirmCD,
    state: FSMContext,
    user: User,
    t: Translator,
    services: Services,
    bot: Bot,
    session: AsyncSession,
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
            return
        callback_answer.toast(t("already_processed_short"))
        if message is not None:
            await message.answer(
                outcome_text(t, _meta_or_none(services, earlier.model_name), earlier),
                reply_markup=result_kb(t, earlier.prediction_id, earlier.model_name),
            )
        return
    meta = _meta_or_none(services, data.get("model"))
    quoted = confirmed_cost(data)
    if quoted is None:  # a screen from before prices were stored with it: charge nothing
        if meta is None or message is None:
            await state.clear()
            callback_answer.alert(t("confirm_expired"))
            return
        await show_confirm(
            message, state, t, services, session, user, meta, data.get("values", {}), edit=True
        )
        return
    await callback_answer.send_now(t("running_short"))
    notice = None
    if message is not None and meta is not None:
        notice = RunningNotice(message, t("running", title=escape(meta.title)), bot)
    refusal: tuple[str, Any] | None = None
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
            note = t("price_changed", was=money(exc.quoted), now=money(exc.current))
            await show_confirm(
                message, state, t, services, session, user, meta, data.get("values", {}), note=note, edit=True
            )
        else:
            await state.clear()
        return
    except InsufficientFunds as exc:
        text = t("insufficient", cost=money(exc.amount), balance=money(exc.balance))
        refusal = text, model_card_kb(t, data.get("model", ""), False)
    except ModelChanged:
        refusal = t("model_changed"), back_to_menu_kb(t)
    except (ModelUnavailable, InputError):
        refusal = t("model_unavailable"), back_to_menu_kb(t)
    finally:
        if notice is not None:
            await notice.stop()
    await state.clear()
    if message is None:
        return
    if refusal is not None:
        await edit_or_send(message, *refusal, True)
        return
    await edit_or_send(
        message, outcome_text(t, meta, outcome), result_kb(t, outcome.prediction_id, outcome.model_name), True
    )


async def confirm_edit(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: ConfirmCD,
    state: FSMContext,
    t: Translator,
    services: Services,
) -> None:
    data = await state.get_data()
    meta = _meta_or_none(services, data.get("model"))
    if data.get("nonce") != callback_data.nonce or meta is None or not isinstance(query.message, Message):
        callback_answer.alert(t("button_expired"))
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
    session: AsyncSession,
) -> None:
    if not isinstance(query.message, Message):
        return
    async with unit(session):
        found = await user_prediction(session, user.id, callback_data.id)
    meta = _meta_or_none(services, found[1]) if found else None
    if found is None or meta is None:
        await query.message.answer(t("model_unavailable"), reply_markup=back_to_menu_kb(t))
        return
    try:
        values = from_mapping(meta.features, found[0].input_data or {})
    except InputError as exc:  # the model's inputs changed since
        await query.message.answer(input_error_text(t, exc, meta), reply_markup=back_to_menu_kb(t))
        return
    await show_confirm(query.message, state, t, services, session, user, meta, values)


def setup() -> Router:
    router = Router(name=__name__)
    # The paid run is the hot path. aiogram tries a router's handlers in the order they were
    # registered, and each one tried first costs every Confirm press a callback-data parse (together
    # about 5% of a burst). Its callback prefix is its own, so trying it first changes no other match.
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.callback_query.register(confirm_run, ConfirmCD.filter(F.action == "run"))
    router.callback_query.register(start_input, ModelCD.filter(F.action == "start"))
    router.message.register(step_value, Predict.value, NOT_COMMAND)
    router.message.register(step_not_text, Predict.value, ~F.text.startswith("/"))
    router.callback_query.register(step_button, Predict.value, StepCD.filter())
    router.callback_query.register(step_button_stale, StepCD.filter())
    router.callback_query.register(confirm_edit, ConfirmCD.filter(F.action == "edit"))
    router.message.register(confirm_waiting, Predict.confirm, ~F.text.startswith("/"))
    router.callback_query.register(repeat, PredCD.filter(F.action == "repeat"))
    return router
