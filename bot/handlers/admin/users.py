"""Admin: find users, their card (predictions, payments), credit and debit, disable and enable.
Every change is shown for confirmation first (bot/handlers/admin/pending.py) and runs once; the
user is told in their own language (bot/alerts.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import suppress
from decimal import Decimal
from html import escape
from typing import Any, Literal

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.alerts import tell_user, told_line
from bot.app import Services
from bot.callbacks import AdminCD, PageCD
from bot.filters import NOT_COMMAND
from bot.handlers.admin.pending import ask
from bot.i18n import I18n, Translator
from bot.keyboards import Keyboard, cancel_kb, users_kb
from bot.render import admin_name, money, quote, short_result, when
from bot.replies import Screen
from bot.states import AdminCredit
from ml.schema import ModelMeta
from services.admin import (
    AlreadyDone,
    BalanceLimitExceeded,
    DisableRefused,
    InsufficientFunds,
    InvalidAmount,
    User,
    UserCard,
    UserNotFound,
)

log = logging.getLogger(__name__)

REFUNDABLE = ("credited", "refund_failed")  # payment statuses a Refund button is offered for
MAX_AMOUNT = Decimal(1000000)  # one credit, debit or price at most (db.ledger.MAX_AMOUNT)


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


def user_card_kb(t: Translator, card: UserCard) -> InlineKeyboardMarkup:
    user = card.user
    b = Keyboard()
    uid = str(user.id)
    b.button(text=t("btn_adm_credit"), callback_data=AdminCD(action="credit", arg=uid), unique=True)
    if user.disabled:
        b.button(text=t("btn_adm_enable"), callback_data=AdminCD(action="toggle_user", arg=uid), unique=True)
    elif not card.is_admin:
        b.button(text=t("btn_adm_disable"), callback_data=AdminCD(action="toggle_user", arg=uid), unique=True)
    for p in card.payments:
        if p.status in REFUNDABLE:
            b.button(
                text=t("btn_adm_refund", order=p.order_id or p.id, stars=p.stars),
                callback_data=AdminCD(action="refund", arg=str(p.id)),
                unique=True,
            )
    b.button(text=t("btn_adm_users"), callback_data=PageCD(kind="users", page=0))
    b.adjust(2, 1)
    return b.as_markup()


def user_card(t: Translator, card: UserCard, metas: Mapping[str, ModelMeta]) -> Screen:
    user = card.user
    lines = []
    for p, model_name in card.predictions:
        result = short_result(p.result, t, metas.get(model_name)) if p.status == "completed" else ""
        lines.append(
            f"#{p.id} {escape(model_name)} · {t('status_' + p.status)} · {result} · {when(p.created_at)}"
        )
    payments = [
        t(
            "adm_payment_line",
            order=p.order_id or p.id,
            stars=p.stars,
            credits=p.credits,
            status=t(f"adm_payment_{p.status}"),
            date=when(p.created_at),
        )
        for p in card.payments
    ]
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
        payments="\n".join(payments) or "—",
    )
    if card.is_admin:
        text += "\n" + t("adm_card_is_admin")
    return Screen(text, user_card_kb(t, card))


def not_found(t: Translator, ref: str) -> str:
    return t("adm_user_not_found", ref=quote(ref or "?"))


async def _show_card(message: Message, t: Translator, services: Services, ref: str, edit: bool) -> None:
    try:
        card = await services.admin.card(ref)
    except UserNotFound:
        await message.answer(not_found(t, ref))
        return
    screen = user_card(t, card, services.registry.metas())
    if edit:
        with suppress(TelegramBadRequest):  # not modified: the card is as it was
            await message.edit_text(screen.text, reply_markup=screen.markup)
        return
    await message.answer(screen.text, reply_markup=screen.markup)


async def user_cmd(message: Message, command: CommandObject, t: Translator, services: Services) -> None:
    if not command.args:
        await message.answer(t("adm_usage_user"))
        return
    await _show_card(message, t, services, command.args.strip(), edit=False)


async def user_cb(query: CallbackQuery, callback_data: AdminCD, t: Translator, services: Services) -> None:
    if isinstance(query.message, Message):
        await _show_card(query.message, t, services, f"#{callback_data.arg}", edit=True)


def card_button_kb(t: Translator, user_id: int) -> InlineKeyboardMarkup:
    """Under a result: back to the user's card."""
    b = Keyboard()
    b.button(text=t("btn_adm_card"), callback_data=AdminCD(action="user", arg=str(user_id)), unique=True)
    return b.as_markup()


def amount_reason(reason: str) -> str:
    """InvalidAmount's reason, in the admin's language."""
    if reason.startswith("at most ") and reason != "at most two decimals":
        return "max"
    return {
        "not a number": "nan",
        "not finite": "infinite",
        "must be positive": "positive",
        "at most two decimals": "decimals",
    }.get(reason, "nan")


def bad_amount_text(t: Translator, raw: str, exc: InvalidAmount) -> str:
    reason = amount_reason(exc.reason)
    return t("adm_bad_amount", amount=quote(raw), reason=t(f"adm_amount_{reason}", max=MAX_AMOUNT))


async def _plan_adjust(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    ref: str,
    kind: Literal["credit", "debit"],
    raw_amount: str,
    reason: str,
) -> bool:
    """Check a credit or debit and show it for confirmation (nothing changes before Confirm);
    False if it was refused (and said why)."""
    raw_amount = raw_amount.replace(",", ".")
    try:
        plan = await services.admin.plan_adjust(ref, kind, raw_amount)
    except UserNotFound:
        await message.answer(not_found(t, ref))
        return False
    except InvalidAmount as exc:
        await message.answer(bad_amount_text(t, raw_amount, exc))
        return False
    except InsufficientFunds as exc:
        await message.answer(t("adm_insufficient", balance=exc.balance, amount=exc.amount))
        return False
    except BalanceLimitExceeded:
        await message.answer(t("adm_balance_limit"))
        return False
    text = t(
        f"adm_confirm_{kind}",
        amount=plan.amount,
        username=quote(plan.user.username),
        balance=plan.balance,
        after=plan.after,
    )
    if reason:
        text += "\n" + t("adm_confirm_reason", reason=quote(reason))
    action = {"op": kind, "user": plan.user.id, "amount": str(plan.amount), "reason": reason}
    await ask(message, state, t, text, action)
    return True


async def _money_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    t: Translator,
    services: Services,
    kind: Literal["credit", "debit"],
) -> None:
    parts = (command.args or "").split(maxsplit=2)
    if len(parts) < 2:
        await message.answer(t(f"adm_usage_{kind}"))
        return
    reason = parts[2].strip()[:100] if len(parts) > 2 else ""
    await _plan_adjust(message, state, t, services, parts[0], kind, parts[1], reason)


async def credit_cmd(
    message: Message, command: CommandObject, state: FSMContext, t: Translator, services: Services
) -> None:
    await _money_command(message, command, state, t, services, "credit")


async def debit_cmd(
    message: Message, command: CommandObject, state: FSMContext, t: Translator, services: Services
) -> None:
    await _money_command(message, command, state, t, services, "debit")


async def credit_cb(
    query: CallbackQuery, callback_data: AdminCD, state: FSMContext, t: Translator, services: Services
) -> None:
    """The card's Credit button: ask for the amount (and an optional reason)."""
    if not isinstance(query.message, Message):
        return
    try:
        user = await services.admin.find(f"#{callback_data.arg}")
    except UserNotFound:
        await query.message.answer(not_found(t, f"#{callback_data.arg}"))
        return
    await state.set_state(AdminCredit.amount)
    await state.update_data(credit_user=user.id)
    await query.message.answer(
        t("adm_credit_ask", username=quote(user.username), balance=user.balance), reply_markup=cancel_kb(t)
    )


async def credit_amount(message: Message, state: FSMContext, t: Translator, services: Services) -> None:
    user_id = (await state.get_data()).get("credit_user")
    parts = (message.text or "").split(maxsplit=1)
    if not parts or user_id is None:
        await message.answer(t("adm_credit_ask_again"), reply_markup=cancel_kb(t))
        return
    reason = parts[1].strip()[:100] if len(parts) > 1 else ""
    if await _plan_adjust(message, state, t, services, f"#{user_id}", "credit", parts[0], reason):
        await state.set_state(None)  # else the amount is asked again


async def run_adjust(
    action: dict[str, Any],
    nonce: str,
    query: CallbackQuery,
    t: Translator,
    services: Services,
    bot: Bot,
    i18n: I18n,
) -> Screen:
    """The confirmed credit or debit: once (the nonce is its ledger key); the user is told."""
    kind: Literal["credit", "debit"] = "credit" if action["op"] == "credit" else "debit"
    user_id = int(action["user"])
    by = admin_name(query.from_user)
    try:
        done = await services.admin.adjust(
            user_id, kind, action["amount"], by, action.get("reason", ""), nonce
        )
    except AlreadyDone:
        return Screen(t("adm_already_done"))
    except UserNotFound:
        return Screen(not_found(t, f"#{user_id}"))
    except InsufficientFunds as exc:  # spent since the confirmation was shown
        return Screen(
            t("adm_insufficient", balance=exc.balance, amount=exc.amount), card_button_kb(t, user_id)
        )
    except BalanceLimitExceeded:
        return Screen(t("adm_balance_limit"), card_button_kb(t, user_id))
    log.info("%s: %s %s user %d", by, kind, action["amount"], user_id)
    amount = Decimal(action["amount"])
    told = await tell_user(
        bot, services, i18n, done.user, f"notice_{kind}ed", amount=amount, balance=done.balance
    )
    text = t(f"adm_{kind}_done", amount=amount, username=quote(done.user.username), balance=done.balance)
    return Screen(text + "\n" + told_line(t, told), card_button_kb(t, user_id))


async def _plan_switch(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    ref: str,
    disabled: bool | None,
    actor: int,
    edit: bool,
) -> None:
    """Show a disable or enable for confirmation. `disabled` None: the other way round from now."""
    try:
        user = await services.admin.find(ref)
        want = not user.disabled if disabled is None else disabled
        user = await services.admin.plan_disable(ref, want, actor)
    except UserNotFound:
        await message.answer(not_found(t, ref))
        return
    except DisableRefused as exc:
        await message.answer(t(f"adm_disable_refused_{exc.code}", username=quote(user.username)))
        return
    if user.disabled == want:
        key = "adm_already_disabled" if want else "adm_already_enabled"
        await message.answer(t(key, username=quote(user.username)), reply_markup=card_button_kb(t, user.id))
        return
    text = t("adm_confirm_disable" if want else "adm_confirm_enable", username=quote(user.username))
    await ask(message, state, t, text, {"op": "disable" if want else "enable", "user": user.id}, edit=edit)


async def disable_cmd(
    message: Message, command: CommandObject, state: FSMContext, t: Translator, services: Services
) -> None:
    disabled = command.command == "disable"
    if not command.args or message.from_user is None:
        await message.answer(t("adm_usage_disable" if disabled else "adm_usage_enable"))
        return
    await _plan_switch(
        message, state, t, services, command.args.strip(), disabled, message.from_user.id, edit=False
    )


async def toggle_user_cb(
    query: CallbackQuery, callback_data: AdminCD, state: FSMContext, t: Translator, services: Services
) -> None:
    if isinstance(query.message, Message):
        ref = f"#{callback_data.arg}"
        await _plan_switch(query.message, state, t, services, ref, None, query.from_user.id, edit=True)


async def run_switch(
    action: dict[str, Any],
    nonce: str,
    query: CallbackQuery,
    t: Translator,
    services: Services,
    bot: Bot,
    i18n: I18n,
) -> Screen:
    disabled = action["op"] == "disable"
    user_id = int(action["user"])
    try:
        done = await services.admin.set_disabled(user_id, disabled, query.from_user.id)
    except UserNotFound:
        return Screen(not_found(t, f"#{user_id}"))
    except DisableRefused as exc:
        return Screen(t(f"adm_disable_refused_{exc.code}", username=f"#{user_id}"))
    name = quote(done.user.username)
    text = t("adm_disabled_done" if disabled else "adm_enabled_done", username=name)
    if not done.changed:
        return Screen(text, card_button_kb(t, user_id))
    log.info("%s %s user %d", admin_name(query.from_user), "disabled" if disabled else "enabled", user_id)
    told = await tell_user(
        bot, services, i18n, done.user, "notice_disabled" if disabled else "notice_enabled"
    )
    return Screen(text + "\n" + told_line(t, told), card_button_kb(t, user_id))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(users_cmd, Command("users"))
    router.callback_query.register(users_page, PageCD.filter(F.kind == "users"))
    router.message.register(user_cmd, Command("user"))
    router.callback_query.register(user_cb, AdminCD.filter(F.action == "user"))
    router.message.register(credit_cmd, Command("credit"))
    router.message.register(debit_cmd, Command("debit"))
    router.callback_query.register(credit_cb, AdminCD.filter(F.action == "credit"))
    router.message.register(credit_amount, AdminCredit.amount, NOT_COMMAND)
    router.message.register(disable_cmd, Command("disable", "enable"))
    router.callback_query.register(toggle_user_cb, AdminCD.filter(F.action == "toggle_user"))
    return router
