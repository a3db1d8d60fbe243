"""Top-ups with Telegram Stars, exactly once: invoices, pre-checkout, payments and refunds."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramServerError
from aiogram.methods import AnswerPreCheckoutQuery, RefundStarPayment, SendInvoice, SendMessage
from sqlalchemy import select, update

from bot.app import Services
from bot.refunds import retry_due_refunds
from db.ledger import deduct_balance
from db.models import Order, Payment, User
from db.payments import record_payment
from tests.bot_harness import Harness, Reply, TgUser
from tests.bot_helpers import confirmed, registered
from tests.helpers import assert_reconciled, balance_of, transactions_of

PAYER = TgUser(5001, "payer")
OTHER = TgUser(5002, "other")
ADMIN = TgUser(9001, "boss")
_charges = iter(range(1, 10_000))


def invoices(h: Harness) -> list[SendInvoice]:
    return [c for c in h.session.calls if isinstance(c, SendInvoice)]


def checkout_answer(r: Reply) -> AnswerPreCheckoutQuery:
    [answer] = [m for m, _ in r.calls if isinstance(m, AnswerPreCheckoutQuery)]
    return answer


async def pre_checkout(h: Harness, tg: TgUser, payload: str, amount: int, currency: str = "XTR") -> Reply:
    return await h.feed(
        h.update(
            pre_checkout_query={
                "id": f"pcq{time.time_ns()}",
                "from": tg.as_dict(),
                "currency": currency,
                "total_amount": amount,
                "invoice_payload": payload,
            }
        )
    )


def payment_update(
    h: Harness, tg: TgUser, payload: str, amount: int, charge_id: str, date: int | None = None
) -> Any:
    return h.update(
        message={
            "message_id": next(_charges),
            "date": date or int(time.time()),
            "chat": {"id": tg.id, "type": "private"},
            "from": tg.as_dict(),
            "successful_payment": {
                "currency": "XTR",
                "total_amount": amount,
                "invoice_payload": payload,
                "telegram_payment_charge_id": charge_id,
                "provider_payment_charge_id": "",
            },
        }
    )


async def buy_pack(h: Harness, tg: TgUser, label: str = "⭐ 100") -> SendInvoice:
    await h.send(tg, "/topup")
    await h.press(tg, label)
    return invoices(h)[-1]


async def paid(
    h: Harness, services: Services, tg: TgUser, label: str = "⭐ 100", charge: str | None = None
) -> tuple[SendInvoice, Reply]:
    invoice = await buy_pack(h, tg, label)
    r = await h.feed(
        payment_update(h, tg, invoice.payload, invoice.prices[0].amount, charge or f"ch-{next(_charges)}")
    )
    return invoice, r


async def test_invoice_is_sent_with_the_right_fields(harness: Harness, services: Services) -> None:
    uid = await registered(services, PAYER)
    r = await harness.send(PAYER, "/topup")
    assert "Top up with Telegram Stars" in r.text
    assert r.buttons()[:5] == [
        "⭐ 50 → 50 cr",
        "⭐ 100 → 105 cr",
        "⭐ 250 → 275 cr",
        "⭐ 500 → 600 cr",
        "✏️ Other amount",
    ]
    await harness.press(PAYER, "⭐ 100")
    [invoice] = invoices(harness)
    assert invoice.currency == "XTR" and invoice.provider_token == ""
    assert [(p.label, p.amount) for p in invoice.prices] == [("105 credits", 100)]
    assert invoice.title == "105 credits" and "order #1" in invoice.description
    async with services.session_factory() as s:
        order = (await s.scalars(select(Order))).one()
    assert (order.user_id, order.stars, order.credits, order.status, order.payload) == (
        uid,
        100,
        105.0,
        "new",
        invoice.payload,
    )
    assert await balance_of(services.session_factory, uid) == Decimal("10")  # nothing before payment


async def test_custom_amount_within_bounds(harness: Harness, services: Services) -> None:
    await registered(services, PAYER, lang="ru")
    ru = TgUser(PAYER.id, PAYER.username, language_code="ru")
    await harness.send(ru, "/topup")
    r = await harness.press(ru, "Другая сумма")
    assert "от 1 до 10\u202f000" in r.text
    for bad in ("abc", "0", "10001", "2.5", "-3"):
        r = await harness.send(ru, bad)
        assert "целое число звёзд от 1 до 10\u202f000" in r.text, bad
    assert invoices(harness) == []
    await harness.send(ru, "25")
    [invoice] = invoices(harness)
    assert invoice.prices[0].amount == 25 and invoice.title == "25 кредитов"


async def test_custom_amount_takes_ascii_digits_only(harness: Harness, services: Services) -> None:
    """Superscripts, circled and other Unicode digits pass str.isdigit(); int() refuses them or
    reads them as digits: each is answered like any other text that is not a whole number."""
    await registered(services, PAYER)
    await harness.send(PAYER, "/topup")
    await harness.press(PAYER, "Other amount")
    for bad in ("²", "³", "①", "٣", "１２", "1²", "1" * 5000, "1 00", "12,5", " "):
        r = await harness.send(PAYER, bad)
        assert r.texts == ["⚠️ Send a whole number of Stars from 1 to 10,000."], repr(bad[:10])
    assert invoices(harness) == []
    await harness.send(PAYER, " 1\u202f000 ")  # thousands as people write them
    await harness.send(PAYER, "/topup")
    await harness.press(PAYER, "Other amount")
    await harness.send(PAYER, "2 500")
    assert [i.prices[0].amount for i in invoices(harness)] == [1000, 2500]


async def test_pre_checkout_accepted(harness: Harness, services: Services) -> None:
    await registered(services, PAYER)
    invoice = await buy_pack(harness, PAYER)
    answer = checkout_answer(await pre_checkout(harness, PAYER, invoice.payload, 100))
    assert answer.ok is True and answer.error_message is None


async def test_pre_checkout_refusals(harness: Harness, services: Services) -> None:
    await registered(services, PAYER)
    await registered(services, OTHER)
    invoice = await buy_pack(harness, PAYER)
    cases = [
        (PAYER, "topup:nope", 100, "XTR", "This invoice is unknown"),
        (OTHER, invoice.payload, 100, "XTR", "made for another account"),
        (PAYER, invoice.payload, 99, "XTR", "amount does not match"),
        (PAYER, invoice.payload, 100, "USD", "amount does not match"),
    ]
    for tg, payload, amount, currency, reason in cases:
        answer = checkout_answer(await pre_checkout(harness, tg, payload, amount, currency))
        assert answer.ok is False and reason in (answer.error_message or ""), reason
    await harness.feed(payment_update(harness, PAYER, invoice.payload, 100, "ch-paid"))
    answer = checkout_answer(await pre_checkout(harness, PAYER, invoice.payload, 100))
    assert answer.ok is False and "already paid" in (answer.error_message or "")
    await confirmed(harness, ADMIN, "/disable payer")
    invoice2 = invoices(harness)[-1]
    answer = checkout_answer(await pre_checkout(harness, PAYER, invoice2.payload, 100))
    assert answer.ok is False and "disabled" in (answer.error_message or "")


async def test_successful_payment_credits_exactly_once(harness: Harness, services: Services) -> None:
    uid = await registered(services, PAYER)
    invoice = await buy_pack(harness, PAYER)
    delivery = payment_update(harness, PAYER, invoice.payload, 100, "charge-A")
    r = await harness.feed(delivery)
    assert "Payment received" in r.text and "Added: <b>+105</b> credits\nBalance: <b>115</b>" in r.text
    assert (await harness.feed(delivery)).calls == []  # the same update again
    again = await harness.feed(
        payment_update(harness, PAYER, invoice.payload, 100, "charge-A")
    )  # a new update
    assert again.calls == []
    fresh = Harness(services)  # another process that never saw the update ids
    try:
        await fresh.feed(delivery)
    finally:
        await fresh.close()
    assert await balance_of(services.session_factory, uid) == Decimal("115")
    txs = [t for t in await transactions_of(services.session_factory, uid) if t.kind == "topup"]
    assert [(t.amount, t.description) for t in txs] == [(105.0, "Top up: 100 Telegram Stars (order #1)")]
    async with services.session_factory() as s:
        [payment] = (await s.scalars(select(Payment))).all()
        order = (await s.scalars(select(Order))).one()
    assert payment.status == "credited" and payment.telegram_payment_charge_id == "charge-A"
    assert order.status == "paid" and order.paid_at is not None
    await assert_reconciled(services.session_factory)


async def test_an_old_invoice_paid_again_credits_nothing_and_returns_the_stars(
    harness: Harness, services: Services
) -> None:
    uid = await registered(services, PAYER)
    invoice = await buy_pack(harness, PAYER, "⭐ 50")
    await harness.feed(payment_update(harness, PAYER, invoice.payload, 50, "charge-1"))
    r = await harness.feed(payment_update(harness, PAYER, invoice.payload, 50, "charge-2"))
    assert "already been paid" in r.text and "50 ⭐ are being returned" in r.text
    [refund] = [m for m, _ in r.calls if isinstance(m, RefundStarPayment)]
    assert refund.telegram_payment_charge_id == "charge-2" and refund.user_id == PAYER.id
    assert await balance_of(services.session_factory, uid) == Decimal("60")
    async with services.session_factory() as s:
        statuses = {p.telegram_payment_charge_id: p.status for p in await s.scalars(select(Payment))}
    assert statuses == {"charge-1": "credited", "charge-2": "refunded"}
    await assert_reconciled(services.session_factory)


async def test_concurrent_deliveries_of_one_payment_credit_once(services: Services) -> None:
    uid = await registered(services, PAYER)
    async with services.session_factory() as s, s.begin():
        from db.payments import create_order

        order = await create_order(s, uid, 100, Decimal("105"))

    async def deliver() -> str:
        async with services.session_factory() as s, s.begin():
            out = await record_payment(
                s,
                payload=order.payload,
                charge_id="same-charge",
                telegram_id=PAYER.id,
                currency="XTR",
                total_amount=100,
            )
            return out.status

    statuses = await asyncio.gather(*(deliver() for _ in range(6)))
    assert sorted(statuses) == ["credited"] + ["replayed"] * 5
    assert await balance_of(services.session_factory, uid) == Decimal("115")


async def test_admin_refund_takes_credits_back_and_refunds_the_stars(
    harness: Harness, services: Services
) -> None:
    uid = await registered(services, PAYER)
    await paid(harness, services, PAYER, charge="charge-R")
    r = await confirmed(harness, ADMIN, "/refund 1")
    assert "Refunded 100 ⭐ (payment #1); 105 credits taken back" in r.text
    [refund] = [m for m, _ in r.calls if isinstance(m, RefundStarPayment)]
    assert (refund.user_id, refund.telegram_payment_charge_id) == (PAYER.id, "charge-R")
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    kinds = [(t.kind, t.amount) for t in await transactions_of(services.session_factory, uid)]
    assert kinds == [("welcome", 10.0), ("topup", 105.0), ("topup_refund", -105.0)]
    r = await harness.send(ADMIN, "/refund charge-R")
    assert "refunded already" in r.text and not [m for m, _ in r.calls if isinstance(m, RefundStarPayment)]
    r = await harness.send(PAYER, "/refund 1")
    assert "for administrators" in r.text
    r = await harness.send(ADMIN, "/refund 77")
    assert "No payment “77”" in r.text
    await assert_reconciled(services.session_factory)


async def test_charge_already_refunded_counts_as_done(harness: Harness, services: Services) -> None:
    uid = await registered(services, PAYER)
    await paid(harness, services, PAYER)
    harness.session.fail[RefundStarPayment] = [
        TelegramBadRequest(
            method=RefundStarPayment(user_id=PAYER.id, telegram_payment_charge_id="x"),
            message="Bad Request: CHARGE_ALREADY_REFUNDED",
        )
    ]
    r = await confirmed(harness, ADMIN, "/refund 1")
    assert "Refunded 100 ⭐" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("10")


def told_payer(harness: Harness) -> list[str]:
    """What the bot sent the payer's chat on its own (not as an answer): notices."""
    return [
        c.text
        for c in harness.session.calls
        if isinstance(c, SendMessage) and c.chat_id == PAYER.id and "refunded" in c.text
    ]


async def test_a_transient_failure_is_retried_later_not_lost(harness: Harness, services: Services) -> None:
    uid = await registered(services, PAYER)
    await paid(harness, services, PAYER)
    method = RefundStarPayment(user_id=PAYER.id, telegram_payment_charge_id="x")
    harness.session.fail[RefundStarPayment] = [
        TelegramServerError(method=method, message="Internal Server Error")
    ]
    r = await confirmed(harness, ADMIN, "/refund 1")
    assert "will be retried automatically" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("10")  # the credits are back with us
    async with services.session_factory() as s:
        payment = (await s.scalars(select(Payment))).one()
    assert payment.status == "refund_pending" and payment.refund_attempts == 1 and payment.next_attempt_at
    assert await retry_due_refunds(harness.bot, services) == 0  # not due yet: back-off
    harness.session.fail[RefundStarPayment] = [TelegramNetworkError(method=method, message="timeout")]
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Payment).values(next_attempt_at=None))
    assert await retry_due_refunds(harness.bot, services) == 1  # fails again, transiently
    assert told_payer(harness) == []  # nothing refunded yet: the payer is not told
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Payment).values(next_attempt_at=None))
    assert await retry_due_refunds(harness.bot, services) == 1  # and now goes through
    [notice] = told_payer(harness)  # the payer hears it, as after a /refund that went through
    assert "Your payment for order #1 has been refunded: 100 ⭐" in notice and "105 credits" in notice
    assert await retry_due_refunds(harness.bot, services) == 0 and len(told_payer(harness)) == 1
    async with services.session_factory() as s:
        payment = (await s.scalars(select(Payment))).one()
    assert payment.status == "refunded" and payment.refund_attempts == 2
    refunds = [c for c in harness.session.calls if isinstance(c, RefundStarPayment)]
    assert len(refunds) == 3
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    await assert_reconciled(services.session_factory)


async def test_a_refused_refund_gives_the_credits_back(harness: Harness, services: Services) -> None:
    uid = await registered(services, PAYER)
    await paid(harness, services, PAYER)
    harness.session.fail[RefundStarPayment] = [
        TelegramBadRequest(
            method=RefundStarPayment(user_id=PAYER.id, telegram_payment_charge_id="x"),
            message="Bad Request: CHARGE_NOT_FOUND",
        )
    ]
    r = await confirmed(harness, ADMIN, "/refund 1")
    assert "refused the refund of payment #1: Bad Request: CHARGE_NOT_FOUND" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("115")
    kinds = [t.kind for t in await transactions_of(services.session_factory, uid)]
    assert kinds == ["welcome", "topup", "topup_refund", "topup_refund_reverted"]
    await assert_reconciled(services.session_factory)


async def test_no_refund_when_the_credits_are_spent(harness: Harness, services: Services) -> None:
    uid = await registered(services, PAYER)
    await paid(harness, services, PAYER)
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, 100, "spent")
    r = await confirmed(harness, ADMIN, "/refund 1")
    assert "balance is 15: cannot take back 105" in r.text
    assert not [c for c in harness.session.calls if isinstance(c, RefundStarPayment)]
    async with services.session_factory() as s:
        assert (await s.scalars(select(Payment))).one().status == "credited"
    assert await balance_of(services.session_factory, uid) == Decimal("15")


# -- the receipt --------------------------------------------------------------------------------

MARCH_1 = int(datetime(2026, 3, 1, 14, 5, tzinfo=UTC).timestamp())
RECEIPTS = {
    "en": (
        "✅ <b>Payment received</b>, thank you!\n\n🧾 <b>Receipt</b>\nOrder: #1\nPaid: 100 ⭐\n"
        "Added: <b>+105</b> credits\nBalance: <b>115</b>\nDate: 1 March 2026, 14:05 UTC\n\n"
        "Questions about this payment or a refund: @our_support (give the order number)."
    ),
    "ru": (
        "✅ <b>Оплата получена</b>, спасибо!\n\n🧾 <b>Чек</b>\nЗаказ: №1\nОплачено: 100 ⭐\n"
        "Начислено: <b>+105</b> кредитов\nБаланс: <b>115</b>\nДата: 1 марта 2026, 14:05 (UTC)\n\n"
        "Вопросы по этому платежу или возврат: @our_support (назовите номер заказа)."
    ),
}


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_payment_gets_one_receipt_in_the_payers_language(
    harness: Harness, services: Services, lang: str
) -> None:
    services.settings.support_contact = "@our_support"
    tg = TgUser(PAYER.id, PAYER.username, language_code=lang)
    uid = await registered(services, tg, lang=lang)
    await harness.send(tg, "/topup")
    await harness.press(tg, "⭐ 100")
    invoice = invoices(harness)[-1]
    delivery = payment_update(harness, tg, invoice.payload, 100, "receipt-1", date=MARCH_1)
    r = await harness.feed(delivery)
    [receipt] = r.calls_of(SendMessage)
    assert receipt.text == RECEIPTS[lang]
    assert r.buttons() == ["🏠 " + ("Menu" if lang == "en" else "Меню")]
    # Telegram delivers it again (the same update, or a new one with the same charge): no second receipt
    assert (await harness.feed(delivery)).calls == []
    again = payment_update(harness, tg, invoice.payload, 100, "receipt-1", date=MARCH_1)
    assert (await harness.feed(again)).calls == []
    assert await balance_of(services.session_factory, uid) == Decimal("115")
    await assert_reconciled(services.session_factory)


async def test_a_receipt_without_a_support_contact_points_to_paysupport(
    harness: Harness, services: Services
) -> None:
    await registered(services, PAYER)
    _, r = await paid(harness, services, PAYER)
    assert "Questions about this payment or a refund: /paysupport (give the order number)." in r.text


async def test_a_pack_that_is_gone_shows_the_packs_there_are(harness: Harness, services: Services) -> None:
    await registered(services, PAYER)
    await harness.send(PAYER, "/topup")
    stale = harness.press_update(PAYER, "⭐ 100")
    services.payments.packs = [p for p in services.payments.packs if p.stars != 100]
    r = await harness.feed(stale)
    assert "no longer offered" in r.text and "⭐ 50 → 50 cr" in r.buttons()
    assert "🏠 Menu" in r.buttons() and invoices(harness) == []


# -- /terms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title", "words"),
    [
        ("en", "Terms of service", ["not medical, financial", "Refunds.", "Contact:</b> @our_support"]),
        (
            "ru",
            "Условия использования",
            ["не медицинская, финансовая", "Возврат.", "Связь:</b> @our_support"],
        ),
    ],
)
async def test_terms_from_the_command_and_the_top_up_screen(
    harness: Harness, services: Services, lang: str, title: str, words: list[str]
) -> None:
    services.settings.support_contact = "@our_support"
    tg = TgUser(PAYER.id, PAYER.username, language_code=lang)
    await registered(services, tg, lang=lang)
    by_command = await harness.send(tg, "/terms")
    assert title in by_command.text and all(w in by_command.text for w in words)
    await harness.send(tg, "/topup")
    by_button = await harness.press(tg, "📄")
    assert by_button.texts == by_command.texts
    assert by_button.buttons() == (["➕ Top up", "🏠 Menu"] if lang == "en" else ["➕ Пополнить", "🏠 Меню"])


async def test_terms_and_paysupport_for_the_unregistered_and_the_disabled(
    harness: Harness, services: Services
) -> None:
    services.settings.support_contact = "support@example.com"
    stranger = TgUser(5300, "stranger", language_code="ru")
    r = await harness.send(stranger, "/terms")
    assert "Условия использования" in r.text and "support@example.com" in r.text and r.buttons() == []
    r = await harness.send(stranger, "/paysupport")
    assert "напишите support@example.com" in r.text
    uid = await registered(services, PAYER)
    await set_disabled(services, uid)
    for command, words in (("/paysupport", "contact support@example.com"), ("/terms", "Terms of service")):
        r = await harness.send(PAYER, command)
        assert words in r.text and "Your account is disabled" not in r.text, command
        assert r.buttons() == []  # a menu would lead a disabled user nowhere
    r = await harness.send(PAYER, "/balance")  # everything else stays closed
    assert r.texts == ["⛔ Your account is disabled. If you think this is a mistake, contact support."]
    r = await harness.send(PAYER, "/paysupport@predict_bot")  # as a client may send it
    assert "contact support@example.com" in r.text


async def set_disabled(services: Services, uid: int, disabled: bool = True) -> None:
    async with services.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == uid).values(disabled=disabled))


# -- /paysupport -----------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "words"), [("en", "Payments support"), ("ru", "Поддержка по оплате")])
async def test_paysupport_shows_the_contact(
    harness: Harness, services: Services, lang: str, words: str
) -> None:
    services.settings.support_contact = "@our_support"
    r = await harness.send(TgUser(5100, "anyone", language_code=lang), "/paysupport")
    assert words in r.text and "@our_support" in r.text


@pytest.mark.parametrize(
    ("lang", "prompt", "sent"),
    [
        ("en", "write here, in one message", "Passed on to the administrators"),
        ("ru", "опишите здесь одним сообщением", "Сообщение передано администраторам"),
    ],
)
async def test_paysupport_without_a_contact_passes_the_next_message_to_the_admins(
    harness: Harness, services: Services, lang: str, prompt: str, sent: str
) -> None:
    assert services.settings.support_contact == ""
    tg = TgUser(PAYER.id, PAYER.username, language_code=lang)
    uid = await registered(services, tg, lang=lang)
    r = await harness.send(tg, "/paysupport")
    assert prompt in r.text and r.buttons() == ["✖ " + ("Cancel" if lang == "en" else "Отмена")]
    r = await harness.send_sticker(tg)  # not text: asked again
    assert ("text" in r.text or "текстом" in r.text) and len(r.buttons()) == 1
    r = await harness.send(tg, "Order #1: paid <twice>, please refund & help")
    to_user = [m.text for m in r.calls_of(SendMessage) if int(m.chat_id) == tg.id]
    to_admin = [m.text for m in r.calls_of(SendMessage) if int(m.chat_id) == ADMIN.id]
    assert len(to_user) == 1 and sent in to_user[0]
    assert len(to_admin) == 1
    assert f"user #{uid} (@payer, " in to_admin[0] and f'<a href="tg://user?id={tg.id}">' in to_admin[0]
    assert "Order #1: paid &lt;twice&gt;, please refund &amp; help" in to_admin[0]
    # that was the one message: the next one is not passed on
    r = await harness.send(tg, "thanks")
    assert not [m for m in r.calls_of(SendMessage) if int(m.chat_id) == ADMIN.id]


async def test_paysupport_can_be_cancelled_or_left(harness: Harness, services: Services) -> None:
    await registered(services, PAYER)
    await harness.send(PAYER, "/paysupport")
    r = await harness.press(PAYER, "Cancel")
    assert r.texts == ["Cancelled: nothing was sent."] and "🏠 Menu" in r.buttons()
    await harness.send(PAYER, "/paysupport")
    r = await harness.send(PAYER, "/cancel")
    assert r.texts == ["Cancelled: nothing was sent."]
    await harness.send(PAYER, "/paysupport")
    r = await harness.send(PAYER, "/balance")  # went elsewhere: the command works as always
    assert "Balance" in r.text
    r = await harness.send(PAYER, "hello")  # and this is not for the admins
    assert not [m for m in r.calls_of(SendMessage) if int(m.chat_id) == ADMIN.id]
    assert "didn't get that" in r.text


async def test_a_disabled_user_can_write_to_the_admins(harness: Harness, services: Services) -> None:
    uid = await registered(services, PAYER)
    await set_disabled(services, uid)
    r = await harness.send(PAYER, "/paysupport")
    assert "write here, in one message" in r.text
    r = await harness.send(PAYER, "/predict")  # not a way around the block
    assert r.texts == ["⛔ Your account is disabled. If you think this is a mistake, contact support."]
    r = await harness.send(PAYER, "Why was I disabled? Order #3")
    [to_admin] = [m.text for m in r.calls_of(SendMessage) if int(m.chat_id) == ADMIN.id]
    assert "Why was I disabled? Order #3" in to_admin
    assert [m.text for m in r.calls_of(SendMessage) if int(m.chat_id) == PAYER.id] == [
        "✅ Passed on to the administrators. They will contact you in Telegram."
    ]
    r = await harness.send(PAYER, "and another thing")  # the block is back
    assert r.texts == ["⛔ Your account is disabled. If you think this is a mistake, contact support."]
    await harness.send(PAYER, "/paysupport")
    r = await harness.press(PAYER, "Cancel")  # its Cancel works for them too
    assert r.texts == ["Cancelled: nothing was sent."] and r.buttons() == []


async def test_paysupport_from_someone_without_an_account(harness: Harness, services: Services) -> None:
    stranger = TgUser(5400, None, language_code="ru", first_name="Иван")
    r = await harness.send(stranger, "/paysupport")
    assert "опишите здесь одним сообщением" in r.text
    r = await harness.send(stranger, "Оплатил, но аккаунта нет")
    [to_admin] = [m.text for m in r.calls_of(SendMessage) if int(m.chat_id) == ADMIN.id]
    assert "user #— (Иван," in to_admin and "Оплатил, но аккаунта нет" in to_admin


async def test_payment_arriving_mid_dialog_is_still_recorded(harness: Harness, services: Services) -> None:
    uid = await registered(services, PAYER)
    invoice = await buy_pack(harness, PAYER)
    await harness.send(PAYER, "/predict")
    await harness.press(PAYER, "Iris")
    await harness.press(PAYER, "Enter inputs")  # in the middle of a step
    r = await harness.feed(payment_update(harness, PAYER, invoice.payload, 100, "mid-dialog"))
    assert "Payment received" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("115")
    r = await harness.send(PAYER, "5.1")
    assert "2/4. Sepal width, cm" in r.text  # the dialog goes on
