"""Admin: Stars refunds, by /refund <order> or by a payment's Refund button on the user card, each
shown for confirmation first (what goes back, from whom). The user is told, in their language,
once the Stars are returned."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.alerts import tell_user, told_line
from bot.app import Services
from bot.callbacks import AdminCD
from bot.handlers.admin.pending import ask
from bot.handlers.admin.users import card_button_kb
from bot.i18n import I18n, Translator
from bot.refunds import attempt_refund
from bot.render import admin_name, quote
from bot.replies import Screen
from services.payments import InsufficientFunds, PaymentError, PaymentStatus

log = logging.getLogger(__name__)


async def refund(ref: str, tg_admin: Any, t: Translator, services: Services, bot: Bot, i18n: I18n) -> Screen:
    """Refund a Stars purchase: credits back through the ledger first, then Telegram's refund;
    the payer is told if it went through."""
    try:
        started = await services.payments.start_refund(ref)  # committed before Telegram is asked
    except InsufficientFunds as exc:
        return Screen(t("adm_refund_insufficient", balance=exc.balance, amount=exc.amount))
    except PaymentError as exc:
        return Screen(t("adm_refund_already" if exc.code == "already_refunded" else "adm_refund_changed"))
    if started is None:
        return Screen(t("adm_refund_not_found", ref=quote(ref)))
    log.info("%s refunds payment %d (%d stars)", admin_name(tg_admin), started.payment_id, started.stars)
    status = await attempt_refund(bot, services, started.payment_id, alert=False)
    payment = await services.payments.refund_state(started.payment_id)
    key = {"refunded": "adm_refund_done", "refund_pending": "adm_refund_retrying"}.get(
        status, "adm_refund_failed"
    )
    text = t(
        key, stars=payment.stars, credits=payment.credits, id=payment.payment_id, error=escape(payment.error)
    )
    found = await services.admin.payment(payment.payment_id)
    user = found[1] if found else None
    if status != "refunded" or found is None or user is None:
        return Screen(text)
    told = await tell_user(
        bot,
        services,
        i18n,
        user,
        "notice_refunded",
        stars=payment.stars,
        order=found[0].number,
        credits=payment.credits,
    )
    return Screen(text + "\n" + told_line(t, told), card_button_kb(t, user.id))


async def ask_refund(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    payment_id: int | None,
    ref: str,
    edit: bool = False,
) -> None:
    """What refunding the payment would do, with Confirm / Cancel (Confirm runs `refund`); a
    payment not found (`ref`: how the admin named it), or refunded already, is said at once."""
    found = None if payment_id is None else await services.admin.payment(payment_id)
    if found is None:
        await message.answer(t("adm_refund_not_found", ref=quote(ref)))
        return
    line, user = found
    if line.status == PaymentStatus.REFUNDED:
        await message.answer(t("adm_refund_already"))
        return
    text = t(
        "adm_confirm_refund",
        order=line.number,
        stars=line.stars,
        credits=line.credits,
        username=quote(user.username) if user else "—",
    )
    await ask(message, state, t, text, {"op": "refund", "charge": line.charge_id}, edit=edit)


async def refund_cmd(
    message: Message, command: CommandObject, state: FSMContext, t: Translator, services: Services
) -> None:
    ref = (command.args or "").strip()
    if not ref:
        await message.answer(t("adm_usage_refund"))
        return
    await ask_refund(message, state, t, services, await services.payments.find(ref), ref)


async def refund_cb(
    query: CallbackQuery, callback_data: AdminCD, state: FSMContext, t: Translator, services: Services
) -> None:
    """A payment's Refund button on the user card (it carries the payment's id)."""
    arg = callback_data.arg
    payment_id = int(arg) if arg.isascii() and arg.isdigit() and len(arg) < 19 else None
    if isinstance(query.message, Message):
        await ask_refund(query.message, state, t, services, payment_id, arg, edit=True)


async def run_refund(
    action: dict[str, Any],
    nonce: str,
    query: CallbackQuery,
    t: Translator,
    services: Services,
    bot: Bot,
    i18n: I18n,
) -> Screen:
    return await refund(str(action["charge"]), query.from_user, t, services, bot, i18n)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(refund_cmd, Command("refund"))
    router.callback_query.register(refund_cb, AdminCD.filter(F.action == "refund"))
    return router
