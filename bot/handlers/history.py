"""Paginated prediction history with a detail view."""

from __future__ import annotations

from contextlib import suppress
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import MenuCD, PageCD, PredCD
from bot.filters import Registered
from bot.i18n import Translator
from bot.keyboards import history_kb, prediction_kb
from bot.middlewares import TapAnswer
from bot.render import inputs_block, quote, result_block, short_result, when
from bot.replies import Screen
from services.accounts import User

STATUS_ICON = {"completed": "✅", "failed": "❌", "pending": "⏳"}


def _title(services: Services, name: str) -> str:
    try:
        return services.registry.meta(name).title
    except Exception:
        return name


async def history_view(t: Translator, services: Services, user: User, page: int) -> Screen:
    found = await services.accounts.predictions(user.id, page)
    if not found.items:
        return Screen(t("history_empty"), history_kb(t, [], 0, 1))
    lines, buttons = [], []
    for pred, model_name in found.items:
        icon = STATUS_ICON.get(pred.status, "•")
        res = short_result(pred.result) if pred.status == "completed" else t(f"status_{pred.status}")
        lines.append(
            t(
                "history_line",
                id=pred.id,
                icon=icon,
                title=escape(_title(services, model_name)),
                result=res,
                date=when(pred.created_at),
            )
        )
        buttons.append((pred.id, f"{icon} #{pred.id} · {_title(services, model_name)}"))
    text = t("history", page=found.page + 1, pages=found.pages, items="\n".join(lines))
    return Screen(text, history_kb(t, buttons, found.page, found.pages))


async def history_cmd(message: Message, t: Translator, services: Services, user: User) -> None:
    screen = await history_view(t, services, user, 0)
    await message.answer(screen.text, reply_markup=screen.markup)


async def history_cb(query: CallbackQuery, t: Translator, services: Services, user: User) -> None:
    if isinstance(query.message, Message):
        screen = await history_view(t, services, user, 0)
        await query.message.answer(screen.text, reply_markup=screen.markup)


async def history_page(
    query: CallbackQuery, callback_data: PageCD, t: Translator, services: Services, user: User
) -> None:
    if isinstance(query.message, Message):
        screen = await history_view(t, services, user, callback_data.page)
        with suppress(TelegramBadRequest):  # the page shown already ("message is not modified")
            await query.message.edit_text(screen.text, reply_markup=screen.markup)


async def prediction_detail(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: PredCD,
    t: Translator,
    services: Services,
    user: User,
) -> None:
    found = await services.accounts.prediction(user.id, callback_data.id)
    if found is None:
        callback_answer.alert(t("not_found"))
        return
    pred, model_name, cost = found.prediction, found.model_name, found.cost
    try:
        meta = services.registry.meta(model_name)
    except Exception:
        meta = None
    inputs = inputs_block(meta, pred.input_data or {}) if meta else quote(pred.input_data, 1000)
    if pred.status == "completed" and meta:
        outcome = result_block(t, meta, pred.result)
    elif pred.status == "failed":
        outcome = t("failed_reason", reason=escape(str((pred.result or {}).get("error", "?"))))
    else:
        outcome = t("status_pending")
    text = t(
        "prediction_detail",
        id=pred.id,
        title=escape(_title(services, model_name)),
        status=t(f"status_{pred.status}"),
        date=when(pred.created_at),
        inputs=inputs,
        outcome=outcome,
        cost=cost,
    )
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=prediction_kb(t, pred.id, meta is not None))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(history_cmd, Command("history"))
    router.callback_query.register(history_cb, MenuCD.filter(F.action == "history"))
    router.callback_query.register(history_page, PageCD.filter(F.kind == "preds"))
    router.callback_query.register(prediction_detail, PredCD.filter(F.action == "show"))
    return router
