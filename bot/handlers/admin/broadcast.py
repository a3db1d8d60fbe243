"""Admin: a message to every user, previewed first. It keeps the admin's formatting (the message's
entities, as HTML) and may be written per language: `/broadcast` asks for the English text, then
for each other language's (optional); each user gets their language's, else the English one.
`/broadcast <text>` is one text for everyone."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.app import Services
from bot.callbacks import AdminCD, CancelCD
from bot.filters import NOT_COMMAND
from bot.i18n import DEFAULT_LANG, I18n, Translator
from bot.keyboards import LANG_NAMES, Keyboard, broadcast_kb, cancel_kb
from bot.middlewares import TapAnswer
from bot.render import admin_name
from bot.states import AdminBroadcast
from bot.telegram_rules import shown_text
from services.admin import Recipients

log = logging.getLogger(__name__)


BROADCAST_MAX = 3500  # characters a broadcast shows (its preview adds a line; Telegram takes 4,096)

PREVIEW_MAX = 4000  # characters of HTML in one preview message (Telegram counts fewer: tags are not shown)

DRAFTS_KEPT = 5  # broadcast previews whose Send works (and sent ones that say so); older: out of date

Drafts = dict[str, str]  # language -> HTML


def _html(message: Message, skip_command: bool = False) -> tuple[str, int]:
    """The message as HTML (its entities kept: bold, links…) and how many characters it shows;
    without its leading /command if `skip_command`."""
    html = message.html_text if message.text else ""
    shown = len(message.text or "")
    if skip_command:  # the command itself is plain text in both (a bot_command entity has no tag)
        html = (re.split(r"\s", html, maxsplit=1)[1:] or [""])[0].strip()
        shown = len((re.split(r"\s", message.text or "", maxsplit=1)[1:] or [""])[0].strip())
    return html, shown


def other_languages(i18n: I18n) -> list[str]:
    return [lang for lang in i18n.languages if lang != DEFAULT_LANG]


def skip_kb(t: Translator) -> InlineKeyboardMarkup:
    b = Keyboard()
    b.button(text=t("btn_adm_broadcast_skip"), callback_data=AdminCD(action="broadcast_skip"))
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    b.adjust(1)
    return b.as_markup()


async def _ask_text(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(AdminBroadcast.text)
    await state.update_data(bc_texts={})
    await message.answer(t("adm_broadcast_ask"), reply_markup=cancel_kb(t))


async def _preview(message: Message, state: FSMContext, t: Translator, texts: Drafts) -> None:
    """A preview whose Send button names its own draft: each preview sends its own texts, once."""
    nonce = secrets.token_urlsafe(6)
    drafts = {**(await state.get_data()).get("drafts", {}), nonce: texts}
    await state.set_state(AdminBroadcast.confirm)
    await state.update_data(drafts=dict(list(drafts.items())[-DRAFTS_KEPT:]), bc_texts={})
    parts = [
        (f"<b>{LANG_NAMES.get(lang, lang)}</b>\n" if len(texts) > 1 else "") + html
        for lang, html in texts.items()
    ]
    whole = "\n\n".join([t("adm_broadcast_preview"), *parts])
    if len(whole) <= PREVIEW_MAX:
        await message.answer(whole, reply_markup=broadcast_kb(t, nonce))
        return
    # each language's text apart (together they would not fit one message); Send under the last
    await message.answer(t("adm_broadcast_preview"))
    for n, part in enumerate(parts):
        await message.answer(part, reply_markup=broadcast_kb(t, nonce) if n == len(parts) - 1 else None)


def _too_long(shown: int) -> bool:
    return shown > BROADCAST_MAX


async def broadcast_cmd(message: Message, command: CommandObject, state: FSMContext, t: Translator) -> None:
    if command.args:
        html, shown = _html(message, skip_command=True)
        if not shown_text(command.args, None):  # only spaces and control characters
            await _ask_text(message, state, t)
            return
        if _too_long(shown):
            await message.answer(t("adm_broadcast_too_long", count=shown, max=BROADCAST_MAX))
            return
        await _preview(message, state, t, {DEFAULT_LANG: html})
        return
    await _ask_text(message, state, t)


async def broadcast_cb(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    if isinstance(query.message, Message):
        await _ask_text(query.message, state, t)


async def _next_language(
    message: Message, state: FSMContext, t: Translator, i18n: I18n, texts: Drafts
) -> None:
    """Ask for the next language's text, or show the preview once every language was asked."""
    missing = [lang for lang in other_languages(i18n) if lang not in texts and f"-{lang}" not in texts]
    if not missing:
        await _preview(message, state, t, {k: v for k, v in texts.items() if not k.startswith("-")})
        return
    await state.set_state(AdminBroadcast.translation)
    await state.update_data(bc_texts=texts, bc_lang=missing[0])
    await message.answer(
        t("adm_broadcast_ask_lang", language=LANG_NAMES.get(missing[0], missing[0])), reply_markup=skip_kb(t)
    )


async def broadcast_text(message: Message, state: FSMContext, t: Translator, i18n: I18n) -> None:
    """A broadcast's text, in the language being asked for."""
    if not shown_text(message.text or "", None):  # Telegram would show nothing: asked again
        await message.answer(t("adm_broadcast_ask"), reply_markup=cancel_kb(t))
        return
    html, shown = _html(message)
    if _too_long(shown):
        await message.answer(t("adm_broadcast_too_long", count=shown, max=BROADCAST_MAX))
        return
    data = await state.get_data()
    texts: Drafts = dict(data.get("bc_texts") or {})
    lang = (
        str(data.get("bc_lang") or DEFAULT_LANG)
        if await state.get_state() == AdminBroadcast.translation.state
        else DEFAULT_LANG
    )
    texts[lang] = html
    await _next_language(message, state, t, i18n, texts)


async def broadcast_skip(
    query: CallbackQuery, callback_answer: TapAnswer, state: FSMContext, t: Translator, i18n: I18n
) -> None:
    """No text in this language: its users get the English one."""
    data = await state.get_data()
    if await state.get_state() != AdminBroadcast.translation.state or not isinstance(query.message, Message):
        callback_answer.alert(t("adm_broadcast_stale"))
        return
    texts: Drafts = dict(data.get("bc_texts") or {})
    texts[f"-{data.get('bc_lang')}"] = ""  # asked, and skipped
    with suppress(TelegramBadRequest):
        await query.message.edit_reply_markup(reply_markup=None)
    await _next_language(query.message, state, t, i18n, texts)


async def broadcast(
    bot: Bot, services: Services, recipients: Recipients, texts: Drafts, report_to: int, t: Translator
) -> None:
    """Send to every reachable active user who did not turn notifications off, in their language
    (else English), at BROADCAST_RATE per second (Telegram allows ~30/s); 429s are waited out by
    the session's retry middleware. Users who blocked the bot (403) are marked unreachable:
    later broadcasts skip them until they write to the bot again."""
    sent = failed = 0
    blocked: list[int] = []
    pause = 1.0 / services.settings.broadcast_rate
    try:
        for lang, chat_ids in recipients.chats.items():
            text = texts.get(lang or DEFAULT_LANG) or texts[DEFAULT_LANG]
            for chat_id in chat_ids:
                try:
                    await bot.send_message(chat_id, text)
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
        "broadcast done: %d sent, %d failed (%d blocked the bot), %d skipped, %d opted out",
        sent,
        failed,
        len(blocked),
        recipients.unreachable,
        recipients.opted_out,
    )
    with suppress(TelegramAPIError):
        await bot.send_message(
            report_to,
            t(
                "adm_broadcast_done",
                sent=sent,
                failed=failed,
                skipped=recipients.unreachable,
                opted_out=recipients.opted_out,
            ),
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
    drafts: dict[str, Drafts | str] = dict(data.get("drafts", {}))
    sent: list[str] = list(data.get("sent", []))
    texts = drafts.pop(callback_data.arg, None)
    if isinstance(texts, str):  # a draft kept by the previous version of the bot: plain text
        texts = {DEFAULT_LANG: escape(texts)}
    if not texts:
        key = "adm_broadcast_already_sent" if callback_data.arg in sent else "adm_broadcast_stale"
        callback_answer.alert(t(key))
        return
    sent = [*sent, callback_data.arg][-DRAFTS_KEPT:]
    if not drafts and await state.get_state() == AdminBroadcast.confirm.state:
        await state.set_state(None)  # no preview left to confirm (another dialog would stay)
    await state.update_data(drafts=drafts, sent=sent)
    recipients = await services.admin.recipients()
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_text(
                t("adm_broadcast_started", count=recipients.count), reply_markup=None
            )
        log.info(
            "%s started a broadcast to %d users (%d unreachable, %d opted out)",
            admin_name(query.from_user),
            recipients.count,
            recipients.unreachable,
            recipients.opted_out,
        )
        services.spawn(broadcast(bot, services, recipients, texts, query.message.chat.id, t))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(broadcast_cmd, Command("broadcast"))
    router.callback_query.register(broadcast_cb, AdminCD.filter(F.action == "broadcast"))
    router.message.register(broadcast_text, AdminBroadcast.text, NOT_COMMAND)
    router.message.register(broadcast_text, AdminBroadcast.translation, NOT_COMMAND)
    router.callback_query.register(broadcast_skip, AdminCD.filter(F.action == "broadcast_skip"))
    router.callback_query.register(broadcast_send, AdminCD.filter(F.action == "broadcast_send"))
    return router
