"""Top up with Telegram Stars: packs or a custom amount → invoice → pre-checkout → payment and
its receipt; /terms and /paysupport, which Telegram expects of a bot that takes payments (both
open to everyone, disabled and unregistered users included)."""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
    Update,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.alerts import tell_admins
from bot.app import Services
from bot.callbacks import MenuCD, SupportCD, TopupCD
from bot.delivery import PAYMENT_DONE, PaymentAckGate
from bot.filters import NOT_COMMAND, Registered
from bot.i18n import I18n, Translator
from bot.keyboards import back_to_menu_kb, cancel_kb
from bot.middlewares import TapAnswer
from bot.refunds import attempt_refund
from bot.render import quote
from bot.replies import receipt_text
from bot.states import PaySupport, TopUp
from services.payments import Invoice, PaymentOutcome, User

log = logging.getLogger(__name__)


# A custom number of Stars: ASCII digits only ("²", "①" or "٣" pass str.isdigit() but int() refuses
# some and reads others), in groups of three when spaced as people write thousands ("1 000",
# also with a no-break or thin space). Nine digits at most: far above any bound, far below int()'s.
_STARS_RE = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u2009\u202f][0-9]{3}){1,2}|[0-9]{1,9}")


_GROUP_SEPARATORS = re.compile(r"[ \u00a0\u2009\u202f]")


def parse_stars(text: str) -> int | None:
    """A whole number of Stars typed by the user, or None if it is not one."""
    raw = text.strip()
    if not _STARS_RE.fullmatch(raw):
        return None
    return int(_GROUP_SEPARATORS.sub("", raw))


async def successful_payment(
    message: Message,
    t: Translator,
    user: User | None,
    services: Services,
    bot: Bot,
    i18n: I18n,
    event_update: Update,
    payment_gate: PaymentAckGate,
) -> str:
    """Money Telegram has taken: recorded and credited once (keyed by its charge id), whatever
    the user's state: throttled, in a dialog, or disabled meanwhile (the money is still theirs).
    In webhook mode Telegram gets its answer only after this commit (see bot/delivery.py); in
    polling mode the next getUpdates, which confirms it, waits for the commit."""
    paid = message.successful_payment
    assert paid is not None and message.from_user is not None
    support = escape(services.settings.support_contact) or "/paysupport"
    outcome = await services.payments.record_payment(
        payload=paid.invoice_payload,
        charge_id=paid.telegram_payment_charge_id,
        telegram_id=message.from_user.id,
        currency=paid.currency,
        total_amount=paid.total_amount,
    )
    payment_gate.settled(event_update.update_id)  # committed: polling may confirm it now
    log.info(
        "payment %s: %s (payment %d)", paid.telegram_payment_charge_id, outcome.status, outcome.payment_id
    )
    if outcome.status == "replayed":
        return PAYMENT_DONE  # the same payment delivered again; its receipt went the first time
    try:
        await tell_payer(message, t, outcome, paid.total_amount, support, user)
    except TelegramAPIError as exc:  # (blocked the bot): the rest must happen all the same
        log.warning("could not tell the payer of payment %d: %s", outcome.payment_id, exc)
    if outcome.unmatched:
        # Telegram took Stars from someone we cannot match: the admins are told, the Stars go back
        log.error("payment %s matches no account", paid.telegram_payment_charge_id)
        await tell_admins(
            bot,
            services,
            i18n,
            "adm_payment_unknown",
            id=outcome.payment_id,
            stars=paid.total_amount,
            tg=message.from_user.id,
        )
    elif outcome.disabled:
        await tell_admins(
            bot,
            services,
            i18n,
            "adm_payment_disabled",
            user=outcome.user_id,
            stars=paid.total_amount,
            credits=outcome.credits,
            order=outcome.order_id or "—",
        )
    if outcome.status == "refund_pending":
        await attempt_refund(bot, services, outcome.payment_id)
    return PAYMENT_DONE


async def tell_payer(
    message: Message, t: Translator, outcome: PaymentOutcome, stars: int, support: str, user: User | None
) -> None:
    """The receipt of a credited payment (once: a redelivered update never gets here), or why
    nothing was credited."""
    if outcome.status == "credited":
        text = receipt_text(t, outcome, stars, message.date, support)
        if outcome.disabled:
            text += "\n\n" + t("receipt_disabled_note", support=support)
        # a disabled account gets no Menu button: it would lead nowhere
        markup = None if outcome.disabled or user is None else back_to_menu_kb(t)
        await message.answer(text, reply_markup=markup)
    elif outcome.unmatched:
        await message.answer(t("payment_unmatched", stars=stars, support=support))
    elif outcome.status == "refund_pending":
        await message.answer(t("payment_duplicate", stars=stars), reply_markup=back_to_menu_kb(t))


def topup_kb(t: Translator, services: Services) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for pack in services.payments.packs:
        b.button(
            text=t("btn_pack", stars=pack.stars, credits=pack.credits),
            callback_data=TopupCD(stars=pack.stars),
        )
    b.button(text=t("btn_custom_amount"), callback_data=TopupCD(stars=0))
    b.button(text=t("btn_terms"), callback_data=SupportCD(action="terms"))
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.adjust(2)
    return b.as_markup()


async def show_topup(message: Message, t: Translator, services: Services) -> None:
    await message.answer(
        t("topup_menu", rate=services.payments.credits_per_star),
        reply_markup=topup_kb(t, services),
    )


async def topup_cmd(message: Message, t: Translator, services: Services, state: FSMContext) -> None:
    await state.clear()
    await show_topup(message, t, services)


async def topup_cb(query: CallbackQuery, t: Translator, services: Services) -> None:
    if isinstance(query.message, Message):
        await show_topup(query.message, t, services)


async def send_invoice(message: Message, bot: Bot, t: Translator, invoice: Invoice) -> None:
    credits = invoice.credits
    await bot.send_invoice(
        chat_id=message.chat.id,
        title=t("invoice_title", credits=credits),
        description=t("invoice_description", credits=credits, stars=invoice.stars, order=invoice.order_id),
        payload=invoice.payload,
        currency=invoice.currency,
        prices=[LabeledPrice(label=t("invoice_label", credits=credits), amount=invoice.stars)],
        provider_token="",  # Stars need none
    )


async def topup_pick(
    query: CallbackQuery,
    callback_data: TopupCD,
    state: FSMContext,
    t: Translator,
    services: Services,
    bot: Bot,
    user: User,
) -> None:
    if not isinstance(query.message, Message):
        return
    if callback_data.stars == 0:
        await state.set_state(TopUp.amount)
        await query.message.answer(
            t(
                "topup_ask_amount",
                min=services.settings.topup_min_stars,
                max=services.settings.topup_max_stars,
                rate=services.payments.credits_per_star,
            ),
            reply_markup=cancel_kb(t),
        )
        return
    invoice = await services.payments.order_pack(user.id, callback_data.stars)
    if invoice is None:  # a button from before the packs changed: the packs as they are now
        await query.message.answer(t("topup_pack_gone"), reply_markup=topup_kb(t, services))
        return
    await send_invoice(query.message, bot, t, invoice)


async def topup_amount(
    message: Message,
    state: FSMContext,
    t: Translator,
    services: Services,
    bot: Bot,
    user: User,
) -> None:
    stars = parse_stars(message.text or "")
    low, high = services.settings.topup_min_stars, services.settings.topup_max_stars
    if stars is None or not low <= stars <= high:
        await message.answer(t("err_topup_amount", min=low, max=high), reply_markup=cancel_kb(t))
        return
    await state.clear()
    invoice = await services.payments.order_stars(user.id, stars)
    await send_invoice(message, bot, t, invoice)


async def topup_amount_not_text(message: Message, t: Translator, services: Services) -> None:
    await message.answer(
        t("err_topup_amount", min=services.settings.topup_min_stars, max=services.settings.topup_max_stars),
        reply_markup=cancel_kb(t),
    )


async def pre_checkout(query: PreCheckoutQuery, t: Translator, services: Services) -> None:
    """Telegram waits at most 10 seconds for this answer: one indexed query, then answer."""
    reason = await services.payments.check_checkout(
        payload=query.invoice_payload,
        telegram_id=query.from_user.id,
        currency=query.currency,
        total_amount=query.total_amount,
    )
    if reason is None:
        await query.answer(ok=True)
        return
    log.info("pre-checkout %s refused: %s (tg %d)", query.invoice_payload, reason, query.from_user.id)
    await query.answer(ok=False, error_message=t(f"checkout_{reason}"))


# -- /terms and /paysupport ------------------------------------------------------------------
# A support message forwarded to the admins is cut to this many characters (a Telegram message
# holds 4,096, and the admins' text around it needs some).
SUPPORT_MESSAGE_LIMIT = 3000


def terms_kb(t: Translator, user: User | None) -> InlineKeyboardMarkup | None:
    """Where to go from the terms: the menu, for those who have one."""
    if user is None or user.disabled:
        return None
    b = InlineKeyboardBuilder()
    b.button(text=t("btn_topup"), callback_data=MenuCD(action="topup"))
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.adjust(2)
    return b.as_markup()


def terms_text(t: Translator, services: Services) -> str:
    contact = escape(services.settings.support_contact) or "/paysupport"
    return t("terms", contact=contact)


async def terms_cmd(message: Message, t: Translator, services: Services, user: User | None) -> None:
    await message.answer(terms_text(t, services), reply_markup=terms_kb(t, user))


async def terms_cb(query: CallbackQuery, t: Translator, services: Services, user: User | None) -> None:
    if isinstance(query.message, Message):
        await query.message.answer(terms_text(t, services), reply_markup=terms_kb(t, user))


async def paysupport(
    message: Message, t: Translator, services: Services, state: FSMContext, user: User | None
) -> None:
    """Whom to write to about a payment. With no SUPPORT_CONTACT set, the admins are the
    support: the user's next message is passed on to them (with who sent it and a link to their
    chat), so the answer never depends on a contact nobody configured."""
    contact = services.settings.support_contact
    if contact or not services.settings.admin_ids:
        shown = escape(contact) if contact else t("paysupport_admins")
        await message.answer(t("paysupport", contact=shown), reply_markup=terms_kb(t, user))
        return
    await state.set_state(PaySupport.message)
    await message.answer(t("paysupport_write"), reply_markup=support_cancel_kb(t))


def support_cancel_kb(t: Translator) -> InlineKeyboardMarkup:
    """Cancel for the support message: its own button, which a disabled user may press too."""
    kb = InlineKeyboardBuilder()
    kb.button(text=t("btn_cancel"), callback_data=SupportCD(action="cancel"))
    return kb.as_markup()


async def paysupport_message(
    message: Message,
    t: Translator,
    services: Services,
    state: FSMContext,
    bot: Bot,
    i18n: I18n,
    user: User | None,
) -> None:
    assert message.from_user is not None
    text = message.text or message.caption or ""
    if not text.strip():
        await message.answer(t("paysupport_text_only"), reply_markup=support_cancel_kb(t))
        return
    await state.clear()
    tg = message.from_user
    sent = await tell_admins(
        bot,
        services,
        i18n,
        "adm_paysupport",
        user=user.id if user is not None else "—",
        name=quote(f"@{tg.username}" if tg.username else tg.full_name),
        tg=tg.id,
        text=quote(text, SUPPORT_MESSAGE_LIMIT),
    )
    log.info("support message from tg %d passed to %d admin(s)", tg.id, sent)
    key = "paysupport_sent" if sent else "paysupport_not_sent"
    await message.answer(t(key), reply_markup=terms_kb(t, user))


async def paysupport_cancel(
    query: CallbackQuery, callback_answer: TapAnswer, t: Translator, state: FSMContext, user: User | None
) -> None:
    if await state.get_state() == PaySupport.message.state:
        await state.clear()
    callback_answer.toast(t("cancelled"))
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):  # pressed twice: the same text again
            await query.message.edit_text(t("paysupport_cancelled"), reply_markup=terms_kb(t, user))


async def paysupport_left(message: Message, state: FSMContext) -> None:
    """Another command instead of the support message: the user went elsewhere; their next
    text is not meant for the admins. The command itself goes on to its handler."""
    await state.clear()
    raise SkipHandler


async def paysupport_cancel_cmd(
    message: Message, t: Translator, state: FSMContext, user: User | None
) -> None:
    await state.clear()
    await message.answer(t("paysupport_cancelled"), reply_markup=terms_kb(t, user))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(successful_payment, F.successful_payment)
    router.message.register(topup_cmd, Command("topup"), Registered())
    router.callback_query.register(topup_cb, MenuCD.filter(F.action == "topup"), Registered())
    router.callback_query.register(topup_pick, TopupCD.filter(), Registered())
    router.message.register(topup_amount, TopUp.amount, NOT_COMMAND, Registered())
    router.message.register(topup_amount_not_text, TopUp.amount, ~F.text.startswith("/"), Registered())
    router.pre_checkout_query.register(pre_checkout)
    # /terms and /paysupport: for everyone, registered or not, disabled or not
    router.message.register(paysupport, Command("paysupport"))
    router.message.register(terms_cmd, Command("terms"))
    router.callback_query.register(terms_cb, SupportCD.filter(F.action == "terms"))
    router.callback_query.register(paysupport_cancel, SupportCD.filter(F.action == "cancel"))
    router.message.register(paysupport_cancel_cmd, PaySupport.message, Command("cancel"))
    router.message.register(paysupport_message, PaySupport.message, ~F.text.startswith("/"))
    router.message.register(paysupport_left, PaySupport.message)
    return router
