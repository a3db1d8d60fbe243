"""Admin: find users, their card, credit and debit, disable and enable."""

from __future__ import annotations

import logging
from contextlib import suppress
from decimal import Decimal
from html import escape
from typing import Literal

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import AdminCD, PageCD
from bot.i18n import Translator
from bot.keyboards import user_card_kb, users_kb
from bot.render import admin_name, money, quote, short_result, when
from bot.replies import Screen
from services.admin import (
    BalanceLimitExceeded,
    InsufficientFunds,
    InvalidAmount,
    User,
    UserCard,
    UserNotFound,
)

log = logging.getLogger(__name__)


def user_label(u: User) -> str:
    flag = "⛔" if u.disabled else "👤"
    return f"{flag} #{u.id} @{u.username} · {money(u.balance)}"


async def users_view(t: Translator, services: Services, query: str, page: int) -> Screen:
    found = await services.admin.users(query, page)
    if not found.items:
        return Screen(t("adm_no_users"), users_kb(t, [], 0, 1, query))
    header = t("adm_users", page=found.page + 1, pages=found.pages, query=quote(query) or "—")
    items = [(u.id, user_label(u)) for u in found.items]
    return Screen(header, users_kb(t, items, found.page, found.pages, query[:20]))


async def users_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    screen = await users_view(t, services, (command.args or "").strip()[:50], 0)
    await message.answer(screen.text, reply_markup=screen.markup)


async def users_page(query: CallbackQuery, callback_data: PageCD, t: Translator, services: Services) -> None:
    if isinstance(query.message, Message):
        screen = await users_view(t, services, callback_data.query, callback_data.page)
        with suppress(TelegramBadRequest):  # the page shown already ("message is not modified")
            await query.message.edit_text(screen.text, reply_markup=screen.markup)


def user_card(t: Translator, card: UserCard) -> Screen:
    user = card.user
    lines = []
    for p, model_name in card.predictions:
        lines.append(
            f"#{p.id} {escape(model_name)} · {t('status_' + p.status)} · "
            f"{short_result(p.result, t) if p.status == 'completed' else ''} · {when(p.created_at)}"
        )
    text = t(
        "adm_user_card",
        id=user.id,
        username=quote(user.username),
        email=quote(user.email, 255),
        tg=user.telegram_id or "—",
        balance=user.balance,
        status=t("adm_disabled") if user.disabled else t("adm_active"),
        created=when(user.created_at),
        predictions="\n".join(lines) or "—",
    )
    return Screen(text, user_card_kb(t, user.id, user.disabled))


def not_found(t: Translator, ref: str) -> str:
    return t("adm_user_not_found", ref=quote(ref or "?"))


async def _send_card(message: Message, t: Translator, services: Services, ref: str) -> None:
    try:
        card = await services.admin.card(ref)
    except UserNotFound:
        await message.answer(not_found(t, ref))
        return
    screen = user_card(t, card)
    await message.answer(screen.text, reply_markup=screen.markup)


async def user_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    if not command.args:
        await message.answer(t("adm_usage_user"))
        return
    await _send_card(message, t, services, command.args.strip())


async def user_cb(query: CallbackQuery, callback_data: AdminCD, t: Translator, services: Services) -> None:
    if isinstance(query.message, Message):
        await _send_card(query.message, t, services, f"#{callback_data.arg}")


async def _money_command(
    message: Message,
    command: CommandObject,
    t: Translator,
    services: Services,
    kind: Literal["credit", "debit"],
) -> None:
    parts = (command.args or "").split(maxsplit=2)
    if len(parts) < 2:
        await message.answer(t(f"adm_usage_{kind}"))
        return
    ref, raw_amount = parts[0], parts[1].replace(",", ".")
    reason = parts[2].strip()[:100] if len(parts) > 2 else ""
    by = admin_name(message.from_user)
    try:
        done = await services.admin.adjust(ref, kind, raw_amount, by, reason)
    except UserNotFound:
        await message.answer(not_found(t, ref))
        return
    except InvalidAmount as exc:
        await message.answer(t("adm_bad_amount", amount=quote(raw_amount), reason=escape(exc.reason)))
        return
    except InsufficientFunds as exc:
        await message.answer(t("adm_insufficient", balance=exc.balance, amount=exc.amount))
        return
    except BalanceLimitExceeded:
        await message.answer(t("adm_balance_limit"))
        return
    log.info("%s: %s %s user %d", by, kind, raw_amount, done.user.id)
    await message.answer(
        t(
            f"adm_{kind}_done",
            amount=Decimal(raw_amount),
            username=quote(done.user.username),
            balance=done.balance,
        )
    )


async def credit_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    await _money_command(message, command, t, services, "credit")


async def debit_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    await _money_command(message, command, t, services, "debit")


async def _set_disabled(
    message: Message, t: Translator, services: Services, ref: str, disabled: bool | None
) -> None:
    """`disabled` None: the other way round from how the user is now (the card's button)."""
    try:
        user = await services.admin.set_disabled(ref, disabled)
    except UserNotFound:
        await message.answer(not_found(t, ref))
        return
    log.info(
        "admin in chat %d %s user %d", message.chat.id, "disabled" if user.disabled else "enabled", user.id
    )
    await message.answer(
        t("adm_disabled_done" if user.disabled else "adm_enabled_done", username=quote(user.username))
    )


async def disable_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    disabled = command.command == "disable"
    if not command.args:
        await message.answer(t("adm_usage_disable" if disabled else "adm_usage_enable"))
        return
    await _set_disabled(message, t, services, command.args.strip(), disabled)


async def toggle_user_cb(
    query: CallbackQuery, callback_data: AdminCD, t: Translator, services: Services
) -> None:
    if isinstance(query.message, Message):
        await _set_disabled(query.message, t, services, f"#{callback_data.arg}", None)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(users_cmd, Command("users"))
    router.callback_query.register(users_page, PageCD.filter(F.kind == "users"))
    router.message.register(user_cmd, Command("user"))
    router.callback_query.register(user_cb, AdminCD.filter(F.action == "user"))
    router.message.register(credit_cmd, Command("credit"))
    router.message.register(debit_cmd, Command("debit"))
    router.message.register(disable_cmd, Command("disable", "enable"))
    router.callback_query.register(toggle_user_cb, AdminCD.filter(F.action == "toggle_user"))
    return router
