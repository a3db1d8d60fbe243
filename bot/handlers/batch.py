"""CSV batches: a file with a header of feature names → every valid row predicted and charged."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import time
from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.app import Services
from bot.batch_csv import BatchFileError, ParsedBatch, outcome_csv, read_batch, template_csv
from bot.callbacks import ConfirmCD, ModelCD
from bot.filters import Registered
from bot.i18n import Translator
from bot.keyboards import back_to_menu_kb, cancel_kb, confirm_kb, insufficient_kb
from bot.middlewares import TapAnswer
from bot.render import (
    bad_rows_text,
    batch_confirm_text,
    batch_done_text,
    batch_file_error_text,
    batch_prompt_text,
    batch_running_text,
    insufficient_text,
    price_changed_text,
)
from bot.replies import confirmed_cost, quote_for_button
from bot.states import Predict
from services.accounts import User
from services.predictions import InsufficientFunds, ModelChanged, ModelMeta, ModelUnavailable, PriceChanged

log = logging.getLogger(__name__)

# The "predicting…" message shows a batch's progress, edited at most once per this many seconds
# (Telegram allows about one message a second per chat, edits included). Tests set it to 0.
PROGRESS_INTERVAL = 1.0


class BatchProgress:
    """Edits the "predicting…" message as a batch's parts are settled: `report` is called by the
    run and never waits (the edit goes out from a task of its own, at most one in flight and one
    per PROGRESS_INTERVAL; a report arriving meanwhile replaces the one waiting). `stop` waits for
    an edit under way, so the result always lands after the last progress edit."""

    def __init__(self, message: Message, t: Translator, meta: ModelMeta) -> None:
        self._message = message
        self._t = t
        self._meta = meta
        self._last = time.monotonic()  # the "predicting…" edit just made
        self._latest: tuple[int, int] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def report(self, done: int, total: int) -> None:
        if self._stop.is_set() or done >= total:
            return  # the result replaces the message next
        self._latest = (done, total)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._send())

    async def _send(self) -> None:
        while self._latest is not None and not self._stop.is_set():
            wait = self._last + PROGRESS_INTERVAL - time.monotonic()
            if wait > 0:
                with suppress(TimeoutError):  # the interval, cut short by `stop`
                    await asyncio.wait_for(self._stop.wait(), wait)
                continue
            done, total = self._latest
            self._latest = None
            self._last = time.monotonic()
            text = self._t(
                "batch_progress", title=escape(self._meta.title_in(self._t.lang)), done=done, total=total
            )
            with suppress(TelegramAPIError):
                await self._message.edit_text(text, reply_markup=None)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait([self._task])


async def batch_start(
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
    meta = quote.meta
    await state.set_state(Predict.batch)
    await state.set_data({"model": meta.name})
    await message.answer_document(
        BufferedInputFile(template_csv(meta), filename=f"{meta.name}_template.csv"),
        caption=batch_prompt_text(
            t, quote, services.settings.batch_max_rows, services.settings.batch_max_bytes
        ),
        reply_markup=cancel_kb(t),
    )


async def batch_file(
    message: Message,
    state: FSMContext,
    user: User,
    t: Translator,
    services: Services,
    bot: Bot,
) -> None:
    doc = message.document
    assert doc is not None
    data = await state.get_data()
    meta = services.predictions.meta_or_none(data.get("model", ""))
    if meta is None:
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
        await message.answer(batch_file_error_text(t, exc), reply_markup=cancel_kb(t))
        return
    if not parsed.valid:
        await message.answer(
            t("batch_no_valid", bad=bad_rows_text(t, meta, parsed)), reply_markup=cancel_kb(t)
        )
        return
    await show_batch_confirm(message, state, t, services, user, meta, parsed, doc.file_id)


async def show_batch_confirm(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    user: User,
    meta: ModelMeta,
    parsed: ParsedBatch,
    file_id: str,
) -> None:
    """The batch confirmation screen. Its per-row price and row count are stored with its nonce:
    Confirm never pays more than that."""
    try:
        quote = await services.predictions.confirm_quote(user.id, meta.name)
    except ModelUnavailable as exc:
        await state.clear()
        text = t("model_changed" if isinstance(exc, ModelChanged) else "model_unavailable")
        await message.answer(text, reply_markup=back_to_menu_kb(t))
        return
    total = quote.cost * len(parsed.valid)
    nonce = secrets.token_urlsafe(9)
    await state.set_state(Predict.batch_confirm)
    await state.set_data(
        # the file is fetched again on Confirm; the version is the one the file was checked against
        {
            "model": meta.name,
            "nonce": nonce,
            "file_id": file_id,
            "cost": str(quote.cost),
            "rows": len(parsed.valid),
            "version": quote.version_id,
        }
    )
    affordable = quote.balance >= total
    text = batch_confirm_text(t, meta, parsed, quote)
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
) -> None:
    """Charges the batch at the per-row price its screen showed, or less; a higher price, or a
    file read differently, shows a new screen (and nonce) instead."""
    data = await state.get_data()
    message = query.message if isinstance(query.message, Message) else None
    if data.get("nonce") != callback_data.nonce or message is None:
        callback_answer.alert(t("confirm_expired"))
        return
    await callback_answer.send_now(t("running_short"))
    meta = services.predictions.meta_or_none(data.get("model", ""))
    if meta is None:
        await state.clear()
        await message.answer(t("model_unavailable"), reply_markup=back_to_menu_kb(t))
        return
    buf = io.BytesIO()
    try:
        await bot.download(str(data.get("file_id")), destination=buf)
        parsed = read_batch(meta, buf.getvalue(), services.settings.batch_max_rows)
    except (TelegramAPIError, BatchFileError):
        await state.clear()
        await message.answer(t("err_batch_download"), reply_markup=back_to_menu_kb(t))
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
        await show_batch_confirm(message, state, t, services, user, meta, parsed, str(data.get("file_id")))
        return
    with suppress(TelegramBadRequest):
        await message.edit_text(batch_running_text(t, meta, len(parsed.valid)), reply_markup=None)
    progress = BatchProgress(message, t, meta)
    try:
        outcome = await services.predictions.run_batch(
            user_id=user.id,
            model_name=meta.name,
            rows=[v for _, v in parsed.valid],
            request_key=f"batch:{callback_data.nonce}",
            max_cost=quoted,
            model_version=data.get("version"),
            progress=progress.report,
        )
    except PriceChanged as exc:
        await progress.stop()
        note = price_changed_text(t, exc)
        with suppress(TelegramBadRequest):
            await message.edit_text(note, reply_markup=None)  # was "predicting…"
        await show_batch_confirm(message, state, t, services, user, meta, parsed, str(data.get("file_id")))
        return
    except InsufficientFunds as exc:
        await progress.stop()
        await state.clear()
        await message.answer(insufficient_text(t, exc.amount, exc.balance), reply_markup=insufficient_kb(t))
        return
    except ModelUnavailable as exc:
        await progress.stop()
        await state.clear()
        text = t("model_changed" if isinstance(exc, ModelChanged) else "model_unavailable")
        await message.answer(text, reply_markup=back_to_menu_kb(t))
        return
    await progress.stop()
    await state.clear()
    with suppress(TelegramBadRequest):  # the "predicting…" message ends: the results follow
        title = escape(meta.title_in(t.lang))
        await message.edit_text(t("batch_finished", title=title, total=len(parsed.valid)), reply_markup=None)
    await message.answer_document(
        BufferedInputFile(
            outcome_csv(t, meta, parsed, outcome.items), filename=f"{meta.name}_predictions.csv"
        ),
        caption=batch_done_text(t, parsed, outcome),
        # the balance no longer pays one more row of this model: Top up beside Menu, as on a result
        reply_markup=insufficient_kb(t) if outcome.balance < quoted else back_to_menu_kb(t),
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
