"""The admin console's safety: every change confirmed first and run once (double taps, replayed
updates), no disabling an admin, users told in their language of what was done to their account
(and a user who blocked the bot handled), the user card's payments with Credit and Refund,
broadcasts with formatting and per language, and /stats over date ranges."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import EditMessageText, RefundStarPayment, SendMessage
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast
from fluent.syntax import visitor as fluent_visitor
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Services, build_services
from bot.i18n import LOCALES_DIR
from bot.local_session import LocalSession
from db.accounts import Passwords
from db.models import Payment, Prediction, Transaction, TxKind, User, utcnow
from db.reports import broadcast_recipients, range_stats
from tests.bot_harness import Harness, TgUser
from tests.bot_helpers import confirmed, db_user, registered
from tests.helpers import assert_reconciled, balance_of, transactions_of
from tests.support import settings_for

ADMIN = TgUser(9001, "boss")
ADMIN_RU = TgUser(9001, "boss", language_code="ru")
OTHER_ADMIN = TgUser(9002, "deputy")
ALICE = TgUser(1001, "alice")
BORIS = TgUser(1002, "boris", language_code="ru")


@pytest.fixture
async def services(
    db_url: str, models_dir: Path, passwords: Passwords, redis_prefix: str | None
) -> AsyncIterator[Services]:
    """The bot with two admins (ADMIN and OTHER_ADMIN)."""
    extra: dict[str, Any] = {}
    if redis_prefix:
        extra = {"redis_url": os.environ["TEST_REDIS_URL"], "redis_prefix": redis_prefix}
    c = await build_services(
        settings_for(db_url, models_dir, admin_ids=frozenset({ADMIN.id, OTHER_ADMIN.id}), **extra), passwords
    )
    yield c
    await c.close()


def sent_to(h: Harness, chat_id: int) -> list[str]:
    return [c.text for c in h.session.calls if isinstance(c, SendMessage) and int(c.chat_id) == chat_id]


# -- confirmation ------------------------------------------------------------------------------


async def test_a_credit_runs_once_however_often_confirm_arrives(harness: Harness, services: Services) -> None:
    uid = await registered(services, ALICE)
    r = await harness.send(ADMIN, "/credit @alice 50 contest")
    assert "Credit 50 credits to @alice (balance 10 → 60)?" in r.text
    assert r.buttons() == ["✅ Confirm", "✖ Cancel"]
    tap = harness.press_update(ADMIN, "Confirm")
    r = await harness.feed(tap)
    assert r.calls_of(EditMessageText) and "Credited 50 credits to @alice. Balance: 60." in r.text
    assert "✉️ The user has been told." in r.text
    r = await harness.feed(harness.tap_again(tap))  # a double tap
    assert r.alerts == ["ℹ️ This was done already."] and not r.texts
    r = await harness.feed(tap)  # the same update again (a redelivery)
    assert not r.texts
    assert await balance_of(services.session_factory, uid) == Decimal("60")
    credits = [
        t for t in await transactions_of(services.session_factory, uid) if t.kind == TxKind.ADMIN_CREDIT
    ]
    assert len(credits) == 1 and credits[0].idempotency_key is not None
    told = [t for t in sent_to(harness, ALICE.id) if "received" in t]
    assert told == ["💰 You have received 50 credits. Your balance: 60 credits."]  # once, no admin named
    assert "boss" not in told[0] and str(ADMIN.id) not in told[0]
    await assert_reconciled(services.session_factory)


async def test_the_ledger_key_stops_a_confirmation_that_slipped_past_the_dialog(services: Services) -> None:
    """Two processes that both took the same confirmation (the dialog's one-at-a-time handling
    aside): the nonce is the ledger's idempotency key, so the second changes nothing."""
    from services.admin import AlreadyDone

    uid = await registered(services, ALICE)
    await services.admin.adjust(uid, "credit", "5", "@boss (9001)", "", key="nonce-1")
    with pytest.raises(AlreadyDone):
        await services.admin.adjust(uid, "credit", "5", "@boss (9001)", "", key="nonce-1")
    assert await balance_of(services.session_factory, uid) == Decimal("15")
    await assert_reconciled(services.session_factory)


async def test_cancel_edits_the_message_and_changes_nothing(harness: Harness, services: Services) -> None:
    uid = await registered(services, ALICE)
    await harness.send(ADMIN, "/debit alice 4")
    confirm = harness.press_update(ADMIN, "Confirm")
    r = await harness.press(ADMIN, "Cancel")
    assert r.calls_of(EditMessageText) and r.texts == ["✖ Cancelled. Nothing was changed."]
    r = await harness.feed(confirm)  # Confirm of the cancelled one, tapped after
    assert r.alerts == ["This confirmation is out of date. Run the command again."]
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    assert not [t for t in sent_to(harness, ALICE.id) if "deducted" in t]


async def test_a_debit_in_russian_tells_the_user_in_theirs(harness: Harness, services: Services) -> None:
    uid = await registered(services, BORIS, lang="ru")
    r = await harness.send(ADMIN_RU, "/debit @boris 2")
    assert "Списать 2 кредита у @boris (баланс 10 → 8)?" in r.text
    r = await harness.press(ADMIN_RU, "Подтвердить")
    assert "У @boris списано 2 кредита. Баланс: 8." in r.text and "Пользователь получил уведомление" in r.text
    assert sent_to(harness, BORIS.id)[-1] == (
        "💸 С вашего баланса списано 2 кредита. Ваш баланс: 8 кредитов. Если есть вопросы — /paysupport."
    )
    assert await balance_of(services.session_factory, uid) == Decimal("8")


async def test_a_user_who_blocked_the_bot_is_not_an_error_for_the_admin(services: Services) -> None:
    class Blocked(LocalSession):
        def _answer(self, bot: Any, method: Any) -> Any:
            if isinstance(method, SendMessage) and int(method.chat_id) == ALICE.id:
                raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")
            return super()._answer(bot, method)

    h = Harness(services, Blocked())
    try:
        uid = await registered(services, ALICE)
        r = await confirmed(h, ADMIN, "/credit alice 3")
        assert "Credited 3 credits to @alice" in r.text and "not told: they have blocked the bot" in r.text
        alice = await db_user(services, ALICE.id)
        assert alice is not None and alice.unreachable_at is not None
        r = await confirmed(h, ADMIN, "/credit alice 1")  # not tried again until they write
        assert "not told: they have blocked the bot" in r.text
        assert await balance_of(services.session_factory, uid) == Decimal("14")
    finally:
        await h.close()


# -- disable and enable --------------------------------------------------------------------------


async def test_an_admin_cannot_be_disabled(harness: Harness, services: Services) -> None:
    await registered(services, ADMIN)
    await registered(services, OTHER_ADMIN)
    r = await harness.send(ADMIN, "/disable boss")
    assert r.texts == ["⛔ You cannot disable your own account."] and not r.buttons()
    r = await harness.send(ADMIN, "/disable @deputy")
    assert "@deputy is an administrator and cannot be disabled" in r.text and not r.buttons()
    r = await harness.send(ADMIN, "/user deputy")
    assert "An administrator" in r.text and "⛔ Disable" not in r.buttons()
    r = await harness.send(ADMIN_RU, "/disable boss")
    assert r.texts == ["⛔ Свой аккаунт заблокировать нельзя."]
    for tg in (ADMIN, OTHER_ADMIN):
        row = await db_user(services, tg.id)
        assert row is not None and not row.disabled


async def test_a_disabled_admin_can_still_enable_themselves(harness: Harness, services: Services) -> None:
    """An admin disabled before this was refused (in the database) was locked out of /enable."""
    uid = await registered(services, ADMIN)
    async with services.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == uid).values(disabled=True))
    r = await confirmed(harness, ADMIN, "/enable boss")
    assert "@boss is enabled" in r.text
    row = await db_user(services, ADMIN.id)
    assert row is not None and not row.disabled


async def test_disable_and_enable_tell_the_user(harness: Harness, services: Services) -> None:
    await registered(services, BORIS, lang="ru")
    r = await harness.send(ADMIN, "/enable boris")
    assert r.texts == ["ℹ️ @boris is not disabled."]
    r = await harness.send(ADMIN, "/disable boris")
    assert "Disable @boris?" in r.text
    row = await db_user(services, BORIS.id)
    assert row is not None and not row.disabled  # not before Confirm
    tap = harness.press_update(ADMIN, "Confirm")
    r = await harness.feed(tap)
    assert "@boris is disabled" in r.text and "The user has been told" in r.text
    r = await harness.feed(harness.tap_again(tap))
    assert r.alerts == ["ℹ️ This was done already."]
    notices = [t for t in sent_to(harness, BORIS.id) if "заблокирован" in t]
    assert notices == [
        "⛔ Ваш аккаунт заблокирован, поэтому пока бот не будет отвечать на ваши запросы. "
        "Если это ошибка, напишите в поддержку: /paysupport."
    ]
    r = await harness.send(ADMIN, "/disable boris")
    assert r.texts == ["ℹ️ @boris is already disabled."]
    r = await confirmed(harness, ADMIN, "/enable boris")
    assert "@boris is enabled" in r.text
    assert (
        sent_to(harness, BORIS.id)[-1]
        == "✅ Ваш аккаунт снова активен. Чтобы открыть меню, отправьте /start."
    )


# -- the user card -------------------------------------------------------------------------------


async def pay(services: Services, user_id: int, tg: TgUser, stars: int, charge: str) -> int:
    invoice = await services.payments.order_pack(user_id, stars)
    assert invoice is not None
    await services.payments.record_payment(
        payload=invoice.payload, charge_id=charge, telegram_id=tg.id, currency="XTR", total_amount=stars
    )
    return invoice.order_id


async def test_the_user_card_lists_payments_with_credit_and_refund(
    harness: Harness, services: Services
) -> None:
    uid = await registered(services, ALICE)
    first = await pay(services, uid, ALICE, 50, "charge-a")
    second = await pay(services, uid, ALICE, 100, "charge-b")
    r = await harness.send(ADMIN, "/users alice")
    r = await harness.press(ADMIN, "@alice")
    assert r.calls_of(EditMessageText)  # the list becomes the card, in place
    assert f"Order #{second} · 100 ⭐ · 105 credits · paid" in r.text
    assert f"Order #{first} · 50 ⭐ · 50 credits · paid" in r.text
    assert f"↩️ Refund #{second} (100 ⭐)" in r.buttons() and "💰 Credit" in r.buttons()
    # Credit from the card: the amount, then the confirmation
    r = await harness.press(ADMIN, "Credit")
    assert "How many credits for @alice? The balance is 165." in r.text
    r = await harness.send(ADMIN, "lots")
    assert "Bad amount “lots”: not a number." in r.text  # asked again
    r = await harness.send(ADMIN, "5 goodwill")
    assert "Credit 5 credits to @alice (balance 165 → 170)?" in r.text
    r = await harness.press(ADMIN, "Confirm")
    assert "Credited 5 credits to @alice. Balance: 170." in r.text
    # Refund of a payment from the card
    await harness.press(ADMIN, "User card")
    r = await harness.press(ADMIN, f"Refund #{second}")
    assert r.calls_of(EditMessageText)
    assert (
        f"Refund order #{second} of @alice: 100 ⭐ go back to them, and 105 credits are taken back" in r.text
    )
    assert await balance_of(services.session_factory, uid) == Decimal("170")
    tap = harness.press_update(ADMIN, "Confirm")
    r = await harness.feed(tap)
    assert "The user has been told" in r.text
    r = await harness.feed(harness.tap_again(tap))
    assert r.alerts == ["ℹ️ This was done already."]
    assert await balance_of(services.session_factory, uid) == Decimal("65")
    assert sent_to(harness, ALICE.id)[-1] == (
        f"↩️ Your payment for order #{second} has been refunded: 100 ⭐ are on their way back to you, "
        "and the 105 credits it gave you have been taken off your balance."
    )
    r = await harness.send(ADMIN, "/user alice")
    assert f"Order #{second} · 100 ⭐ · 105 credits · refunded" in r.text
    assert f"↩️ Refund #{second} (100 ⭐)" not in r.buttons()
    async with services.session_factory() as s:
        statuses = dict((await s.execute(select(Payment.order_id, Payment.status))).all())
    assert statuses == {first: "credited", second: "refunded"}
    await assert_reconciled(services.session_factory)


async def test_refund_by_command_tells_the_user_in_their_language(
    harness: Harness, services: Services
) -> None:
    uid = await registered(services, BORIS, lang="ru")
    order = await pay(services, uid, BORIS, 50, "charge-r")
    told = sent_to(harness, BORIS.id)
    asked = await harness.send(ADMIN, f"/refund {order}")  # what goes back, from whom, first
    assert f"Refund order #{order} of @{BORIS.username}: 50 ⭐" in asked.text
    assert not asked.calls_of(RefundStarPayment) and sent_to(harness, BORIS.id) == told
    r = await harness.press(ADMIN, "✅ Confirm")
    assert "Пользователь" not in r.text and "The user has been told" in r.text
    assert sent_to(harness, BORIS.id)[-1] == (
        f"↩️ Деньги за заказ №{order} возвращены: 50 ⭐ вернутся на ваш счёт в Telegram, "
        "а с баланса списано 50 кредитов — столько было начислено за этот заказ."
    )


async def test_refund_by_command_cancelled_refunds_nothing(harness: Harness, services: Services) -> None:
    uid = await registered(services, BORIS, lang="ru")
    order = await pay(services, uid, BORIS, 50, "charge-c")
    await harness.send(ADMIN, f"/refund {order}")
    r = await harness.press(ADMIN, "Cancel")
    assert not r.calls_of(RefundStarPayment) and "Confirm" not in " ".join(r.buttons())
    async with services.session_factory() as s:
        assert (await s.scalars(select(Payment.status))).one() == "credited"
    assert await balance_of(services.session_factory, uid) == Decimal(60)
    r = await harness.send(ADMIN, "/refund 424242")  # no such order: said at once, nothing to confirm
    assert "No payment “424242”" in r.text and r.buttons() == []


# -- broadcasts ----------------------------------------------------------------------------------


def formatted(h: Harness, tg: TgUser, text: str, entities: list[dict[str, Any]]) -> Any:
    """A message with formatting (bold, a link…), as Telegram sends one."""
    message = {
        "message_id": next(_ids),
        "date": 0,
        "chat": {"id": tg.id, "type": "private"},
        "from": tg.as_dict(),
        "text": text,
        "entities": entities,
    }
    return h.update(message=message)


_ids = itertools.count(10_000)


def broadcasts(h: Harness, chat_id: int) -> list[str]:
    return [
        c.text
        for c in h.session.calls
        if isinstance(c, SendMessage) and int(c.chat_id) == chat_id and c.reply_markup is None
    ]


async def test_a_broadcast_keeps_formatting_and_speaks_each_language(
    harness: Harness, services: Services
) -> None:
    await registered(services, ALICE, lang="en")
    await registered(services, BORIS, lang="ru")
    carl = TgUser(1003, "carl")
    carl_id = await registered(services, carl)  # no language chosen: English
    quiet = TgUser(1004, "quiet", language_code="ru")
    quiet_id = await registered(services, quiet, lang="ru")
    async with services.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == quiet_id).values(notifications=False))
        await s.execute(update(User).where(User.id == carl_id).values(language=None))
    await harness.send(ADMIN, "/broadcast")
    bold = {"type": "bold", "offset": 0, "length": 3}
    link = {"type": "text_link", "offset": 9, "length": 4, "url": "https://example.com/?a=1&b=2"}
    r = await harness.feed(formatted(harness, ADMIN, "New model: wine <3", [bold]))
    assert "Now the same text in 🇷🇺 Русский" in r.text
    r = await harness.feed(formatted(harness, ADMIN, "Новая модель: wine", [bold, link]))
    assert "Broadcast this to all active users who have notifications on?" in r.text
    assert "<b>New</b> model: wine &lt;3" in r.text
    assert '<b>Нов</b>ая мод<a href="https://example.com/?a=1&b=2">ель:</a> wine' in r.text
    r = await harness.press(ADMIN, "Send to everyone")
    assert "Sending to 3 users" in r.text
    await asyncio.gather(*services.tasks)
    assert broadcasts(harness, ALICE.id) == ["<b>New</b> model: wine &lt;3"]
    assert broadcasts(harness, carl.id) == ["<b>New</b> model: wine &lt;3"]
    assert broadcasts(harness, BORIS.id) == [
        '<b>Нов</b>ая мод<a href="https://example.com/?a=1&b=2">ель:</a> wine'
    ]
    assert broadcasts(harness, quiet.id) == []  # notifications off
    done = [t for t in sent_to(harness, ADMIN.id) if "Broadcast done" in t]
    assert done and "3 sent, 0 failed, 0 skipped" in done[0] and "1 with notifications off" in done[0]


async def test_a_broadcast_too_long_is_refused_not_cut(harness: Harness, services: Services) -> None:
    await harness.send(ADMIN, "/broadcast")
    r = await harness.send(ADMIN, "x" * 3600)
    assert r.texts == [
        "⚠️ The text has 3,600 characters; a broadcast takes at most 3,500. Send a shorter one."
    ]
    r = await harness.send(ADMIN, "short")
    assert "Русский" in r.text


async def test_long_texts_in_two_languages_preview_apart(harness: Harness, services: Services) -> None:
    """Two texts of 3,500 characters do not fit one message: each is previewed in its own."""
    await registered(services, ALICE)
    await harness.send(ADMIN, "/broadcast")
    await harness.send(ADMIN, "e" * 3500)
    r = await harness.send(ADMIN, "р" * 3500)
    assert r.texts[1:] == ["<b>🇬🇧 English</b>\n" + "e" * 3500, "<b>🇷🇺 Русский</b>\n" + "р" * 3500]
    assert r.buttons() == ["📣 Send to everyone", "✖ Cancel"]
    await harness.press(ADMIN, "Send to everyone")
    await asyncio.gather(*services.tasks)
    assert broadcasts(harness, ALICE.id) == ["e" * 3500]


# -- /stats --------------------------------------------------------------------------------------


async def _aged(sessions: async_sessionmaker[AsyncSession], days: int) -> None:
    """Move every row written so far `days` days into the past."""
    then = utcnow() - timedelta(days=days)
    async with sessions() as s, s.begin():
        for table in (User, Prediction, Transaction, Payment):
            await s.execute(update(table).values(created_at=then))
        await s.execute(update(Payment).where(Payment.refunded_at.is_not(None)).values(refunded_at=then))


async def test_range_stats_count_per_model_and_stars(services: Services) -> None:
    """Old activity (40 days ago) and new (now): the 30-day range counts only the new."""
    sessions = services.session_factory
    old = await registered(services, ALICE)
    await services.predictions.run(user_id=old, model_name="iris_logreg", values="5.1 3.5 1.4 0.2")
    refunded = await pay(services, old, ALICE, 50, "charge-old")
    await services.payments.start_refund(str(refunded))
    async with sessions() as s, s.begin():
        await s.execute(update(Payment).values(status="refunded", refunded_at=utcnow()))
    await _aged(sessions, 40)
    new = await registered(services, BORIS)
    for _ in range(2):
        await services.predictions.run(user_id=new, model_name="iris_logreg", values="5.1 3.5 1.4 0.2")
    await services.predictions.run(
        user_id=new,
        model_name="cancer_rf",
        values={f.name: f.example for f in services.registry.meta("cancer_rf").features},
    )
    await pay(services, new, BORIS, 100, "charge-new")
    async with sessions() as s, s.begin():
        recent = await range_stats(s, utcnow() - timedelta(days=30))
        ever = await range_stats(s, None)
    assert (recent.users, recent.new_users, ever.new_users) == (2, 1, 2)
    assert [(m.name, m.runs, m.spent) for m in recent.models] == [
        ("iris_logreg", 2, Decimal(2)),
        ("cancer_rf", 1, Decimal(3)),
    ]
    assert (ever.models[0].name, ever.models[0].runs, ever.models[0].spent) == ("iris_logreg", 3, Decimal(3))
    assert (recent.payments, recent.stars_paid, recent.stars_refunded, recent.stars_revenue) == (
        1,
        100,
        0,
        100,
    )
    assert (ever.payments, ever.stars_paid, ever.stars_refunded, ever.stars_revenue) == (2, 150, 50, 100)
    assert recent.spent == Decimal(5) and ever.spent == Decimal(6)
    assert recent.credited == Decimal(115)  # a welcome bonus and a pack


async def test_recipients_by_language_without_the_quiet_or_unreachable(services: Services) -> None:
    await registered(services, ALICE, lang="en")
    b = await registered(services, BORIS, lang="ru")
    c = await registered(services, TgUser(1003, "carl"), lang="ru")
    d = await registered(services, TgUser(1004, "dora"))
    async with services.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == c).values(notifications=False))
        await s.execute(update(User).where(User.id == d).values(unreachable_at=utcnow(), language=None))
        await s.execute(update(User).where(User.id == b).values(disabled=False))
        found = await broadcast_recipients(s)
    assert found.chats == {"en": [ALICE.id], "ru": [BORIS.id]}
    assert (found.count, found.unreachable, found.opted_out) == (2, 1, 1)


# -- Russian reads as Russian ------------------------------------------------------------------


class Texts(fluent_visitor.Visitor):
    """The literal text of a message, every variant included."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def visit_TextElement(self, node: fluent_ast.TextElement) -> None:
        self.texts.append(node.value)


RU_BRANDS = {"Telegram", "Stars"}
# what an admin types or names in code: file formats, a call, settings, reference forms
RU_ADMIN_TERMS = {
    *RU_BRANDS,
    *"JSON skops pickle joblib pkl scikit learn io dump model predict texts sha256 NaN Infinity".split(),
    *"ADMIN_IDS MODEL_TRUSTED_TYPES Landlock seccomp id tg telegram_id email lt gt".split(),
}


@pytest.mark.parametrize(("topic", "allowed"), [("notices", RU_BRANDS), ("admin", RU_ADMIN_TERMS)])
def test_russian_admin_and_notice_texts_have_no_english_words(topic: str, allowed: set[str]) -> None:
    """What users are told of admin actions has no English at all; the console, only the names
    of formats, settings and calls an admin types."""
    path = LOCALES_DIR / "ru" / f"{topic}.ftl"
    for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(entry, fluent_ast.Message) or entry.value is None:
            continue
        collect = Texts()
        collect.visit(entry)  # plural variants too
        text = re.sub(r"/[a-z_]+", " ", re.sub(r"<[^>]+>", " ", " ".join(collect.texts)))
        english = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9_]+", text) if w not in allowed}
        assert not english, (entry.id.name, english)
