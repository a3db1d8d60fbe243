"""Admin: a message to every user, previewed first."""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import AdminCD
from bot.filters import NOT_COMMAND
from bot.i18n import Translator
from bot.keyboards import broadcast_kb, cancel_kb
from bot.middlewares import TapAnswer
from bot.render import admin_name, quote
from bot.states import AdminBroadcast
from bot.telegram_rules import shown_text
from services.admin import Audience

log = logging.getLogger(__name__)


BROADCAST_MAX = 3500  # characters of a broadcast (sent as plain text; the preview adds a line)


DRAFTS_KEPT = 5  # broadcast previews whose Send works (and sent ones that say so); older: out of date


async def _ask_broadcast(message: Message, state: FSMContext, t: Translator, text: str) -> None:
    """A preview whose Send button names its own draft: each preview sends its own text, once."""
    if not shown_text(text, None):  # only spaces and control characters: Telegram sends nothing
        await state.set_state(AdminBroadcast.text)
        await message.answer(t("adm_broadcast_ask"), reply_markup=cancel_kb(t))
        return
    nonce = secrets.token_urlsafe(6)
    drafts = {**(await state.get_data()).get("drafts", {}), nonce: text}
    await state.set_state(AdminBroadcast.confirm)
    await state.update_data(drafts=dict(list(drafts.items())[-DRAFTS_KEPT:]))
    await message.answer(
        t("adm_broadcast_preview", text=quote(text, BROADCAST_MAX)), reply_markup=broadcast_kb(t, nonce)
    )


async def broadcast_cmd(message: Message, command: CommandObject, state: FSMContext, t: Translator) -> None:
    if command.args:
        await _ask_broadcast(message, state, t, command.args.strip()[:BROADCAST_MAX])
        return
    await state.set_state(AdminBroadcast.text)
    await message.answer(t("adm_broadcast_ask"), reply_markup=cancel_kb(t))


async def broadcast_cb(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.set_state(AdminBroadcast.text)
    if isinstance(query.message, Message):
        await query.message.answer(t("adm_broadcast_ask"), reply_markup=cancel_kb(t))


async def broadcast_text(message: Message, state: FSMContext, t: Translator) -> None:
    await _ask_broadcast(message, state, t, (message.text or "")[:BROADCAST_MAX])


async def broadcast(
    bot: Bot, services: Services, audience: Audience, text: str, report_to: int, t: Translator
) -> None:
    """Send to every reachable active user at BROADCAST_RATE per second (Telegram allows ~30/s);
    429s are waited out by the session's retry middleware. Users who blocked the bot (403) are
    marked unreachable: later broadcasts skip them until they write to the bot again."""
    sent = failed = 0
    blocked: list[int] = []
    pause = 1.0 / services.settings.broadcast_rate
    try:
        for chat_id in audience.chat_ids:
            try:
                await bot.send_message(chat_id, text, parse_mode=None)
                sent += 1
            except TelegramForbiddenError:
                blocked.append(chat_id)
                failed += 1
            except TelegramAPIError as exc:
                log.warning("broadcast to %d failed: %s", chat_id, exc)
                failed += 1
            await asyncio.sleep(pause)
    finally:  # also when stopped half-way: what was learnt is kept
        if blocked:
            await services.admin.mark_unreachable(blocked)
    log.info(
        "broadcast done: %d sent, %d failed (%d blocked the bot), %d skipped",
        sent,
        failed,
        len(blocked),
        audience.skipped,
    )
    with suppress(TelegramAPIError):
        await bot.send_message(
            report_to, t("adm_broadcast_done", sent=sent, failed=failed, skipped=audience.skipped)
        )


async def broadcast_send(
    query: CallbackQuery,
    callback_answer: TapAnswer,
    callback_data: AdminCD,
    state: FSMContext,
    t: Translator,
    services: Services,
    bot: Bot,
) -> None:
    """Sends the draft of the preview whose button this is. The draft is taken out of the dialog
    before anything is sent (an admin's updates are handled one at a time), so a second tap finds
    it sent; a preview whose draft is gone (the dialog was left) says it is out of date."""
    data = await state.get_data()
    drafts: dict[str, str] = dict(data.get("drafts", {}))
    sent: list[str] = list(data.get("sent", []))
    text = drafts.pop(callback_data.arg, None)
    if text is None:
        key = "adm_broadcast_already_sent" if callback_data.arg in sent else "adm_broadcast_stale"
        callback_answer.alert(t(key))
        return
    sent = [*sent, callback_data.arg][-DRAFTS_KEPT:]
    if not drafts and await state.get_state() == AdminBroadcast.confirm.state:
        await state.set_state(None)  # no preview left to confirm (another dialog would stay)
    await state.update_data(drafts=drafts, sent=sent)
    audience = await services.admin.audience()
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(
                t("adm_broadcast_started", count=len(audience.chat_ids)), reply_markup=None
            )
        log.info(
            "%s started a broadcast to %d users (%d skipped)",
            admin_name(query.from_user),
            len(audience.chat_ids),
            audience.skipped,
        )
        services.spawn(broadcast(bot, services, audience, text, query.message.chat.id, t))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(broadcast_cmd, Command("broadcast"))
    router.callback_query.register(broadcast_cb, AdminCD.filter(F.action == "broadcast"))
    router.message.register(broadcast_text, AdminBroadcast.text, NOT_COMMAND)
    router.callback_query.register(broadcast_send, AdminCD.filter(F.action == "broadcast_send"))
    return router
