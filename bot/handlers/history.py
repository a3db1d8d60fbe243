"""Paginated prediction history (a CSV batch is one item, opened to its rows) with a detail view."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import BatchCD, MenuCD, PageCD, PredCD
from bot.filters import Registered
from bot.i18n import Translator
from bot.keyboards import batch_rows_kb, history_kb, is_current_page, prediction_kb
from bot.middlewares import TapAnswer
from bot.render import (
    batch_summary_text,
    failure_text,
    inputs_block,
    quote,
    result_block,
    short_result,
    title_of,
    when,
)
from bot.replies import Screen, edit_or_send
from services.accounts import User

STATUS_ICON = {"completed": "✅", "failed": "❌", "pending": "⏳"}


def _plain_title(services: Services, name: str, lang: str) -> str:
    """A model's title for a button (plain text)."""
    meta = services.predictions.meta_or_none(name)
    return meta.title_in(lang) if meta is not None else name


async def history_view(t: Translator, services: Services, user: User, page: int) -> Screen:
    found = await services.accounts.predictions(user.id, page)
    if not found.items:
        return Screen(t("history_empty"), history_kb(t, [], 0, 1))
    lines, buttons, batch_ids = [], [], set()
    for item in found.items:
        if item.batch is not None:
            b = item.batch
            meta = services.predictions.meta_or_none(b.model_name)
            summary = batch_summary_text(t, b, title_of(meta, b.model_name, t.lang))
            lines.append(t("history_batch_line", batch=summary, date=when(b.created_at)))
            title = _plain_title(services, b.model_name, t.lang)
            buttons.append((b.first_id, t("btn_batch_item", title=title, date=when(b.created_at))))
            batch_ids.add(b.first_id)
            continue
        pred, model_name = item.prediction, item.model_name
        assert pred is not None
        meta = services.predictions.meta_or_none(model_name)
        icon = STATUS_ICON.get(pred.status, "•")
        res = short_result(pred.result, t, meta) if pred.status == "completed" else t(f"status_{pred.status}")
        lines.append(
            t(
                "history_line",
                id=pred.id,
                icon=icon,
                title=title_of(meta, model_name, t.lang),
                result=res,
                date=when(pred.created_at),
            )
        )
        buttons.append((pred.id, f"{icon} #{pred.id} · {_plain_title(services, model_name, t.lang)}"))
    text = t("history", page=found.page + 1, pages=found.pages, items="\n".join(lines))
    return Screen(text, history_kb(t, buttons, found.page, found.pages, batch_ids))


async def history_cmd(message: Message, t: Translator, services: Services, user: User) -> None:
    screen = await history_view(t, services, user, 0)
    await message.answer(screen.text, reply_markup=screen.markup)


async def history_cb(query: CallbackQuery, t: Translator, services: Services, user: User) -> None:
    if isinstance(query.message, Message):
        screen = await history_view(t, services, user, 0)
        await edit_or_send(query.message, screen.text, screen.markup, edit=True)


async def history_page(
    query: CallbackQuery, callback_data: PageCD, t: Translator, services: Services, user: User
) -> None:
    if isinstance(query.message, Message) and not is_current_page(query.message.reply_markup, query.data):
        screen = await history_view(t, services, user, callback_data.page)
        await edit_or_send(query.message, screen.text, screen.markup, edit=True)


async def batch_view(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: BatchCD,
    t: Translator,
    services: Services,
    user: User,
) -> None:
    """A CSV batch's rows, a page at a time; each row opens its prediction."""
    if not isinstance(query.message, Message) or is_current_page(query.message.reply_markup, query.data):
        return
    found = await services.accounts.batch(user.id, callback_data.id, callback_data.page)
    if found is None:
        callback_answer.alert(t("not_found"))
        return
    b, rows = found.batch, found.rows
    meta = services.predictions.meta_or_none(b.model_name)
    lines, buttons = [], []
    for pred in rows.items:
        icon = STATUS_ICON.get(pred.status, "•")
        if pred.status == "completed":
            res = short_result(pred.result, t, meta)
        elif pred.status == "failed":
            res = failure_text(t, (pred.result or {}).get("error"))
        else:
            res = t("status_pending")
        lines.append(t("batch_row_line", icon=icon, id=pred.id, result=res))
        buttons.append((pred.id, f"{icon} #{pred.id}"))
    text = t(
        "batch_view",
        batch=batch_summary_text(t, b, title_of(meta, b.model_name, t.lang)),
        date=when(b.created_at),
        page=rows.page + 1,
        pages=rows.pages,
        items="\n".join(lines),
    )
    markup = batch_rows_kb(t, b.first_id, buttons, rows.page, rows.pages, callback_data.back)
    await edit_or_send(query.message, text, markup, edit=True)


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
    meta = services.predictions.meta_or_none(model_name)
    inputs = inputs_block(meta, pred.input_data or {}, t=t) if meta else quote(pred.input_data, 1000)
    if pred.status == "completed" and meta:
        outcome = result_block(t, meta, pred.result)
    elif pred.status == "failed":
        # a plain sentence: the stored reason is for the log (an exception's text, a timeout)
        outcome = t("history_failed", reason=failure_text(t, (pred.result or {}).get("error")))
    else:
        outcome = t("status_pending")
    text = t(
        "prediction_detail",
        id=pred.id,
        title=title_of(meta, model_name, t.lang),
        status=t(f"status_{pred.status}"),
        date=when(pred.created_at),
        inputs=inputs,
        outcome=outcome,
        cost=cost,
    )
    if isinstance(query.message, Message):
        markup = prediction_kb(t, pred.id, meta is not None)
        await edit_or_send(query.message, text, markup, edit=True)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(history_cmd, Command("history"))
    router.callback_query.register(history_cb, MenuCD.filter(F.action == "history"))
    router.callback_query.register(history_page, PageCD.filter(F.kind == "preds"))
    router.callback_query.register(batch_view, BatchCD.filter())
    router.callback_query.register(prediction_detail, PredCD.filter(F.action == "show"))
    return router
