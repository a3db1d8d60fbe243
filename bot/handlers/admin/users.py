"""Admin: find users, their card, credit and debit, disable and enable."""

from __future__ import annotations

import logging
from contextlib import suppress
from decimal import Decimal
from html import escape

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Services
from bot.callbacks import AdminCD, PageCD
from bot.i18n import Translator
from bot.keyboards import user_card_kb, users_kb
from bot.render import admin_name, money, quote, short_result, when
from db import accounts
from db.engine import unit
from db.errors import BalanceLimitExceeded, InsufficientFunds, InvalidAmount
from db.ledger import deduct_balance, increase_balance
from db.models import TxKind, User
from db.queries import (
    find_user,
    list_users,
    user_predictions,
)

log = logging.getLogger(__name__)


def user_label(u: User) -> str:
    flag = "⛔" if u.disabled else "👤"
    return f"{flag} #{u.id} @{u.username} · {money(u.balance)}"


async def users_view(t: Translator, session: AsyncSession, query: str, page: int) -> tuple[str, object]:
    async with unit(session):
        users, pages = await list_users(session, query, page)
    page = max(0, min(page, pages - 1))
    if not users:
        return t("adm_no_users"), users_kb(t, [], 0, 1, query)
    header = t("adm_users", page=page + 1, pages=pages, query=quote(query) or "—")
    return header, users_kb(t, [(u.id, user_label(u)) for u in users], page, pages, query[:20])


async def users_cmd(message: Message, command: CommandObject, t: Translator, session: AsyncSession) -> None:
    text, kb = await users_view(t, session, (command.args or "").strip()[:50], 0)
    await message.answer(text, reply_markup=kb)  # type: ignore[arg-type]


async def users_page(
    query: CallbackQuery, callback_data: PageCD, t: Translator, session: AsyncSession
) -> None:
    if isinstance(query.message, Message):
        text, kb = await users_view(t, session, callback_data.query, callback_data.page)
        with suppress(TelegramBadRequest):
            await query.message.edit_text(text, reply_markup=kb)  # type: ignore[arg-type]


async def user_card(t: Translator, services: Services, session: AsyncSession, user: User) -> str:
    async with unit(session):
        await session.refresh(user)
        preds, _ = await user_predictions(session, user.id, 0, 5)
    lines = []
    for p, model_name in preds:
        lines.append(
            f"#{p.id} {escape(model_name)} · {t('status_' + p.status)} · "
            f"{short_result(p.result) if p.status == 'completed' else ''} · {when(p.created_at)}"
        )
    return t(
        "adm_user_card",
        id=user.id,
        username=quote(user.username),
        email=quote(user.email, 255),
        tg=user.telegram_id or "—",
        balance=money(user.balance),
        status=t("adm_disabled") if user.disabled else t("adm_active"),
        created=when(user.created_at),
        predictions="\n".join(lines) or "—",
    )


async def _find(message: Message, t: Translator, session: AsyncSession, ref: str) -> User | None:
    async with unit(session):
        found = await find_user(session, ref) if ref else None
    if found is None:
        await message.answer(t("adm_user_not_found", ref=quote(ref or "?")))
    return found


async def user_cmd(
    message: Message, command: CommandObject, t: Translator, services: Services, session: AsyncSession
) -> None:
    if not command.args:
        await message.answer(t("adm_usage_user"))
        return
    found = await _find(message, t, session, command.args.strip())
    if found is not None:
        await message.answer(
            await user_card(t, services, session, found),
            reply_markup=user_card_kb(t, found.id, found.disabled),
        )


async def user_cb(
    query: CallbackQuery, callback_data: AdminCD, t: Translator, services: Services, session: AsyncSession
) -> None:
    if not isinstance(query.message, Message):
        return
    found = await _find(query.message, t, session, f"#{callback_data.arg}")
    if found is not None:
        await query.message.answer(
            await user_card(t, services, session, found),
            reply_markup=user_card_kb(t, found.id, found.disabled),
        )


async def _money_command(
    message: Message, command: CommandObject, t: Translator, session: AsyncSession, kind: str
) -> None:
    parts = (command.args or "").split(maxsplit=2)
    if len(parts) < 2:
        await message.answer(t(f"adm_usage_{kind}"))
        return
    ref, raw_amount = parts[0], parts[1].replace(",", ".")
    reason = parts[2].strip()[:100] if len(parts) > 2 else ""
    found = await _find(message, t, session, ref)
    if found is None:
        return
    by = admin_name(message.from_user)
    word = "credit" if kind == "credit" else "debit"
    description = f"Admin {word} by {by}" + (f": {reason}" if reason else "")
    try:
        async with unit(session):
            if kind == "credit":
                entry = await increase_balance(
                    session, found.id, raw_amount, description, kind=TxKind.ADMIN_CREDIT
                )
            else:
                entry = await deduct_balance(
                    session, found.id, raw_amount, description, kind=TxKind.ADMIN_DEBIT
                )
    except InvalidAmount as exc:
        await message.answer(t("adm_bad_amount", amount=quote(raw_amount), reason=escape(exc.reason)))
        return
    except InsufficientFunds as exc:
        await message.answer(t("adm_insufficient", balance=money(exc.balance), amount=money(exc.amount)))
        return
    except BalanceLimitExceeded:
        await message.answer(t("adm_balance_limit"))
        return
    log.info("%s: %s %s user %d", by, word, raw_amount, found.id)
    await message.answer(
        t(
            f"adm_{kind}_done",
            amount=money(Decimal(raw_amount)),
            username=quote(found.username),
            balance=money(entry.balance),
        )
    )


async def credit_cmd(message: Message, command: CommandObject, t: Translator, session: AsyncSession) -> None:
    await _money_command(message, command, t, session, "credit")


async def debit_cmd(message: Message, command: CommandObject, t: Translator, session: AsyncSession) -> None:
    await _money_command(message, command, t, session, "debit")


async def _set_disabled(
    message: Message, t: Translator, session: AsyncSession, user: User, disabled: bool
) -> None:
    async with unit(session):
        await accounts.set_disabled(session, user.id, disabled)
    user.disabled = disabled
    log.info("admin in chat %d %s user %d", message.chat.id, "disabled" if disabled else "enabled", user.id)
    await message.answer(
        t("adm_disabled_done" if disabled else "adm_enabled_done", username=quote(user.username))
    )


async def disable_cmd(message: Message, command: CommandObject, t: Translator, session: AsyncSession) -> None:
    disabled = command.command == "disable"
    if not command.args:
        await message.answer(t("adm_usage_disable" if disabled else "adm_usage_enable"))
        return
    found = await _find(message, t, session, command.args.strip())
    if found is not None:
        await _set_disabled(message, t, session, found, disabled)


async def toggle_user_cb(
    query: CallbackQuery, callback_data: AdminCD, t: Translator, session: AsyncSession
) -> None:
    if not isinstance(query.message, Message):
        return
    found = await _find(query.message, t, session, f"#{callback_data.arg}")
    if found is not None:
        await _set_disabled(query.message, t, session, found, not found.disabled)


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
