"""CSV batches: a file with a header of feature names → every valid row predicted and charged."""

from __future__ import annotations

import io
import logging
import secrets
from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.batch_csv import BatchFileError, ParsedBatch, read_batch, results_csv, template_csv
from bot.callbacks import ConfirmCD, ModelCD
from bot.filters import Registered
from bot.handlers.predict import confirmed_cost
from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb, cancel_kb, confirm_kb
from bot.middlewares import TapAnswer
from bot.render import input_error_text, money, quote, quote_list
from bot.replies import quote_for_button
from bot.states import Predict
from db.engine import unit
from db.errors import InsufficientFunds
from db.models import User
from ml.schema import ModelMeta
from services.predictions import ModelChanged, ModelUnavailable, PriceChanged

log = logging.getLogger(__name__)


SHOW_BAD_ROWS = 10


BAD_ROWS_CHARS = 2500  # with the screen's own lines, well within a message's 4,096 characters


async def batch_start(
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
    meta = quote.meta
    await state.set_state(Predict.batch)
    await state.set_data({"model": meta.name})
    await message.answer_document(
        BufferedInputFile(template_csv(meta), filename=f"{meta.name}_template.csv"),
        caption=t(
            "batch_prompt",
            title=escape(meta.title),
            cost=money(quote.cost),
            max_rows=services.settings.batch_max_rows,
            max_kb=services.settings.batch_max_bytes // 1000,
        ),
        reply_markup=cancel_kb(t),
    )


def _file_error_text(t: Translator, exc: BatchFileError) -> str:
    params = dict(exc.params)
    if "missing" in params:
        params["missing"] = quote_list(params["missing"])
    if "detail" in params:
        params["detail"] = quote(params["detail"])
    return t(f"err_batch_{exc.code}", **params)


async def batch_file(
    message: Message,
    state: FSMContext,
    user: User,
    t: Translator,
    services: Services,
    bot: Bot,
    session: AsyncSession,
) -> None:
    doc = message.document
    assert doc is not None
    data = await state.get_data()
    try:
        meta = services.registry.meta(data.get("model", ""))
    except Exception:
        await state.clear()
        await message.answer(t("model_unavailable"), reply_markup=back_to_menu_kb(t))
        return
    name = (doc.file_name or "").lower()
    if not (name.endswith(".csv") or name.endswith(".txt") or (doc.mime_type or "").startswith("text/")):
        await message.answer(t("err_batch_not_csv"), reply_markup=cancel_kb(t))
        return
    if doc.file_size is not None and doc.file_size > services.settings.batch_max_bytes:
        await message.answer(
            t("err_batch_too_big", max_kb=services.settings.batch_max_bytes // 1000),
            reply_markup=cancel_kb(t),
        )
        return
    buf = io.BytesIO()
    try:
        await bot.download(doc, destination=buf)
    except TelegramAPIError:
        log.warning("download of %s failed", doc.file_id, exc_info=True)
        await message.answer(t("err_batch_download"), reply_markup=cancel_kb(t))
        return
    raw = buf.getvalue()
    if len(raw) > services.settings.batch_max_bytes:
        await message.answer(
            t("err_batch_too_big", max_kb=services.settings.batch_max_bytes // 1000),
            reply_markup=cancel_kb(t),
        )
        return
    try:
        parsed = read_batch(meta, raw, services.settings.batch_max_rows)
    except BatchFileError as exc:
        await message.answer(_file_error_text(t, exc), reply_markup=cancel_kb(t))
        return
    if not parsed.valid:
        await message.answer(
            t("batch_no_valid", bad=_bad_rows_text(t, meta, parsed)), reply_markup=cancel_kb(t)
        )
        return
    await show_batch_confirm(message, state, t, services, session, user, meta, parsed, doc.file_id)


def _bad_rows_text(t: Translator, meta: ModelMeta, parsed: ParsedBatch) -> str:
    """The first invalid rows and why, as many as fit in BAD_ROWS_CHARS (a reason may list a
    model's categories): the rest are counted, and all are in the results file."""
    lines: list[str] = []
    size = 0
    for n, e in parsed.bad[:SHOW_BAD_ROWS]:
        line = t("batch_bad_row", row=n, reason=input_error_text(t, e, meta))
        if size + len(line) > BAD_ROWS_CHARS:
            break
        lines.append(line)
        size += len(line) + 1
    if len(parsed.bad) > len(lines):
        lines.append(t("batch_more_bad", count=len(parsed.bad) - len(lines)))
    return "\n".join(lines)


async def show_batch_confirm(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    session: AsyncSession,
    user: User,
    meta: ModelMeta,
    parsed: ParsedBatch,
    file_id: str,
) -> None:
    """The batch confirmation screen. Its per-row price and row count are stored with its nonce:
    Confirm never pays more than that."""
    bad_text = _bad_rows_text(t, meta, parsed)
    version = services.registry.version_of(meta.name)  # the version the file was checked against
    try:
        async with unit(session):
            quote = await services.predictions.quote(session, user.id, meta.name)
        if quote.version_id != version:
            raise ModelChanged(meta.name)
    except ModelUnavailable as exc:
        await state.clear()
        text = t("model_changed" if isinstance(exc, ModelChanged) else "model_unavailable")
        await message.answer(text, reply_markup=back_to_menu_kb(t))
        return
    total = quote.cost * len(parsed.valid)
    nonce = secrets.token_urlsafe(9)
    await state.set_state(Predict.batch_confirm)
    await state.set_data(
        # the file is fetched again on Confirm
        {
            "model": meta.name,
            "nonce": nonce,
            "file_id": file_id,
            "cost": str(quote.cost),
            "rows": len(parsed.valid),
            "version": version,
        }
    )
    affordable = quote.balance >= total
    text = t(
        "batch_confirm" if affordable else "batch_insufficient",
        title=escape(meta.title),
        valid=len(parsed.valid),
        bad=len(parsed.bad),
        cost=money(quote.cost),
        total=money(total),
        balance=money(quote.balance),
        after=money(quote.balance - total),
    )
    if bad_text:
        text += "\n\n" + bad_text
    await message.answer(text, reply_markup=confirm_kb(t, nonce, total, affordable, batch=True))


async def batch_needs_file(message: Message, t: Translator) -> None:
    await message.answer(t("err_batch_need_file"), reply_markup=cancel_kb(t))


async def batch_confirm(
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
    """Charges the batch at the per-row price its screen showed, or less; a higher price, or a
    file read differently, shows a new screen (and nonce) instead."""
    data = await state.get_data()
    message = query.message if isinstance(query.message, Message) else None
    if data.get("nonce") != callback_data.nonce or message is None:
        callback_answer.alert(t("confirm_expired"))
        return
    await callback_answer.send_now(t("running_short"))
    try:
        meta = services.registry.meta(data.get("model", ""))
    except Exception:
        await state.clear()
        await message.answer(t("model_unavailable"))
        return
    buf = io.BytesIO()
    try:
        await bot.download(str(data.get("file_id")), destination=buf)
        parsed = read_batch(meta, buf.getvalue(), services.settings.batch_max_rows)
    except (TelegramAPIError, BatchFileError):
        await state.clear()
        await message.answer(t("err_batch_download"))
        return
    quoted = confirmed_cost(data)
    if quoted is None or len(parsed.valid) != data.get("rows"):
        # a screen from before prices were stored with it, or not the rows it counted: ask again
        with suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)
        if not parsed.valid:
            await state.clear()
            await message.answer(t("batch_no_valid", bad=""), reply_markup=cancel_kb(t))
            return
        await show_batch_confirm(
            message, state, t, services, session, user, meta, parsed, str(data.get("file_id"))
        )
        return
    with suppress(TelegramBadRequest):
        await message.edit_text(
            t("batch_running", title=escape(meta.title), count=len(parsed.valid)), reply_markup=None
        )
    try:
        outcome = await services.predictions.run_batch(
            user_id=user.id,
            model_name=meta.name,
            rows=[v for _, v in parsed.valid],
            request_key=f"batch:{callback_data.nonce}",
            max_cost=quoted,
            model_version=data.get("version"),
        )
    except PriceChanged as exc:
        note = t("price_changed", was=money(exc.quoted), now=money(exc.current))
        with suppress(TelegramBadRequest):
            await message.edit_text(note, reply_markup=None)  # was "predicting…"
        await show_batch_confirm(
            message, state, t, services, session, user, meta, parsed, str(data.get("file_id"))
        )
        return
    except InsufficientFunds as exc:
        await state.clear()
        await message.answer(t("insufficient", cost=money(exc.amount), balance=money(exc.balance)))
        return
    except ModelUnavailable as exc:
        await state.clear()
        await message.answer(t("model_changed" if isinstance(exc, ModelChanged) else "model_unavailable"))
        return
    await state.clear()
    results = {}
    errors = {n: str(e) for n, e in parsed.bad}
    for (number, _), (_, status, result) in zip(parsed.valid, outcome.items, strict=False):
        results[number] = (status, result)
        if status == "failed":
            errors[number] = str((result or {}).get("error", "failed"))
    await message.answer_document(
        BufferedInputFile(
            results_csv(meta, parsed, results, errors), filename=f"{meta.name}_predictions.csv"
        ),
        caption=t(
            "batch_done",
            completed=outcome.completed,
            failed=outcome.failed,
            bad=len(parsed.bad),
            charged=money(outcome.charged),
            balance=money(outcome.balance),
        ),
    )


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.callback_query.register(batch_start, ModelCD.filter(F.action == "batch"))
    router.message.register(batch_file, Predict.batch, F.document)
    router.message.register(batch_needs_file, Predict.batch, ~F.text.startswith("/"))
    router.callback_query.register(batch_confirm, ConfirmCD.filter(F.action == "batch"))
    return router
