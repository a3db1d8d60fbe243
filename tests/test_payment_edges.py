"""Money at the edges of Stars payments (issue 12, defects 1-3): refunds retried after a refusal,
payments that must pass every gate, payments committed before they are confirmed, and
reconciliation against Telegram's own record (getStarTransactions)."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from aiogram.methods import GetUpdates, SendInvoice, SendMessage
from aiogram.types import Update
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from bot.app import Services
from bot.dispatcher import create_bot, create_dispatcher
from bot.i18n import I18n
from bot.refunds import retry_due_refunds
from bot.shared_state import Shared
from bot.star_sync import StarSync
from bot.webhook import create_app
from db.errors import InsufficientFunds
from db.models import Order, Payment, PaymentStatus, Transaction, User
from db.payments import record_payment
from tests.bot_harness import Harness, TgUser
from tests.bot_helpers import confirmed, registered
from tests.fake_stars import StarsRecord, StarsSession
from tests.helpers import assert_reconciled, balance_of

PAYER = TgUser(6001, "payer")
ADMIN = TgUser(9001, "boss")
_messages = itertools.count(1)


@pytest.fixture
def record() -> StarsRecord:
    return StarsRecord()


@pytest.fixture
async def stars(services: Services, record: StarsRecord) -> AsyncIterator[Harness]:
    """The bot with a Bot API whose Star transactions are Telegram's record."""
    h = Harness(services, StarsSession(record))
    yield h
    await h.close()


def payment_message(tg: TgUser, payload: str, stars: int, charge: str) -> dict[str, Any]:
    return {
        "message_id": next(_messages),
        "date": int(time.time()),
        "chat": {"id": tg.id, "type": "private"},
        "from": tg.as_dict(),
        "successful_payment": {
            "currency": "XTR",
            "total_amount": stars,
            "invoice_payload": payload,
            "telegram_payment_charge_id": charge,
            "provider_payment_charge_id": "",
        },
    }


async def order_for(h: Harness, tg: TgUser, label: str = "⭐ 100") -> tuple[str, int]:
    await h.send(tg, "/topup")
    await h.press(tg, label)
    invoice = h.session.sent(SendInvoice)[-1]
    return invoice.payload, invoice.prices[0].amount


async def pay(h: Harness, record: StarsRecord, tg: TgUser, deliver: bool = True) -> str:
    """The user pays an invoice: Telegram records it, then (unless lost) sends the update."""
    payload, amount = await order_for(h, tg)
    charge = record.pay(tg.as_dict(), payload, amount)
    if deliver:
        await h.feed(h.update(message=payment_message(tg, payload, amount, charge)))
    return charge


async def payment(services: Services, charge: str) -> Payment:
    async with services.session_factory() as s:
        found = await s.scalar(select(Payment).where(Payment.telegram_payment_charge_id == charge))
        assert found is not None, charge
        return found


# -- 1. a refused refund, retried, takes the credits back again ----------------------------------


async def test_a_refused_refund_retried_takes_the_credits_back_again(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    uid = await registered(services, PAYER)
    await registered(services, ADMIN)
    charge = await pay(stars, record, PAYER)
    assert await balance_of(services.session_factory, uid) == Decimal("115")
    for cycle in range(3):
        record.refuse[charge] = ["REFUND_DENIED"]
        r = await confirmed(stars, ADMIN, f"/refund {charge}")
        assert "refused" in r.text, r.text
        assert await balance_of(services.session_factory, uid) == Decimal("115"), cycle  # restored
        assert (await payment(services, charge)).status == PaymentStatus.REFUND_FAILED
        await assert_reconciled(services.session_factory)
    r = await confirmed(stars, ADMIN, f"/refund {charge}")
    assert "Refunded 100" in r.text, r.text
    # the Stars went back once, and so did the credits: the welcome bonus is all that is left
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    assert record.refunded() == {charge}
    paid = await payment(services, charge)
    assert (paid.status, paid.refund_round) == (PaymentStatus.REFUNDED, 4)
    await assert_reconciled(services.session_factory)


async def test_reconcile_names_a_payment_whose_rows_disagree_with_its_status(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    from db.ledger import PaymentDiscrepancy, reconcile

    await registered(services, PAYER)
    charge = await pay(stars, record, PAYER)
    paid = await payment(services, charge)
    async with services.session_factory() as s, s.begin():  # what the old code did: refunded, credits kept
        await s.execute(update(Payment).where(Payment.id == paid.id).values(status="refunded"))
    async with services.session_factory() as s:
        [bad] = await reconcile(s)
    assert isinstance(bad, PaymentDiscrepancy) and bad.payment_id == paid.id and "sum to 105" in bad.detail


# -- 2. a successful payment passes throttling, de-duplication and the disabled check ------------


async def test_a_payment_is_recorded_even_when_the_payer_is_throttled(
    services: Services, record: StarsRecord
) -> None:
    services.settings.throttle_rate = 0.001
    services.settings.throttle_burst = 3
    h = Harness(services, StarsSession(record))
    try:
        uid = await registered(services, PAYER)
        payload, amount = await order_for(h, PAYER)  # two updates of the burst of three
        taps = [(await h.send(PAYER, "/balance")).text for _ in range(5)]  # tapping after paying
        assert taps.count("") >= 3 and any("Too many requests" in t for t in taps)  # over the limit
        charge = record.pay(PAYER.as_dict(), payload, amount)
        r = await h.feed(h.update(message=payment_message(PAYER, payload, amount, charge)))
        assert "Payment received" in r.text
        assert await balance_of(services.session_factory, uid) == Decimal("115")
        async with services.session_factory() as s:
            assert await s.scalar(select(Order.status)) == "paid"
    finally:
        await h.close()


async def test_a_disabled_payer_is_credited_told_and_the_admins_too(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    uid = await registered(services, PAYER)
    await registered(services, ADMIN)
    payload, amount = await order_for(stars, PAYER)
    await confirmed(stars, ADMIN, f"/disable #{uid}")  # between the pre-checkout and the payment
    charge = record.pay(PAYER.as_dict(), payload, amount)
    r = await stars.feed(stars.update(message=payment_message(PAYER, payload, amount, charge)))
    to_payer = [m.text for m in r.calls_of(SendMessage) if int(m.chat_id) == PAYER.id]
    to_admin = [m.text for m in r.calls_of(SendMessage) if int(m.chat_id) == ADMIN.id]
    assert len(to_payer) == 1 and "+105" in to_payer[0] and "disabled" in to_payer[0]
    assert len(to_admin) == 1 and f"user #{uid}" in to_admin[0] and "/refund" in to_admin[0]
    assert await balance_of(services.session_factory, uid) == Decimal("115")
    # and the admin can find it and refund it
    r = await confirmed(stars, ADMIN, f"/refund {charge}")
    assert "Refunded 100" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    await assert_reconciled(services.session_factory)


async def test_a_redelivered_payment_update_is_not_dropped_by_deduplication(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    """The first delivery's handling died before its commit; the redelivery (same update id)
    must still be recorded: the charge id, not the update id, de-duplicates payments."""
    uid = await registered(services, PAYER)
    payload, amount = await order_for(stars, PAYER)
    charge = record.pay(PAYER.as_dict(), payload, amount)
    upd = stars.update(message=payment_message(PAYER, payload, amount, charge))
    await stars.shared.dedup.first_time(upd.update_id)  # seen once already (and lost)
    await stars.feed(upd)
    await stars.feed(upd)  # and once more: credited once
    assert await balance_of(services.session_factory, uid) == Decimal("115")
    await assert_reconciled(services.session_factory)


# -- 3. committed before confirmed ---------------------------------------------------------------


async def test_polling_confirms_a_payment_only_after_it_is_committed(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    """The next getUpdates (which confirms the batch) waits until the payment update is handled."""
    uid = await registered(services, PAYER)
    payload, amount = await order_for(stars, PAYER)
    charge = record.pay(PAYER.as_dict(), payload, amount)
    upd = stars.update(message=payment_message(PAYER, payload, amount, charge))
    gate = stars.dp["payment_gate"]
    seen_at_confirm: list[bool] = []

    async def telegram(_bot: Any, method: Any) -> list[Update]:  # the session's answer: the result
        if method.offset:  # the call that confirms: is the payment in the database by now?
            async with services.session_factory() as s:
                seen_at_confirm.append(await s.scalar(select(func.count()).select_from(Payment)) == 1)
            return []
        return [upd]

    await gate(telegram, stars.bot, GetUpdates())
    assert gate.held == 1
    confirm = asyncio.create_task(gate(telegram, stars.bot, GetUpdates(offset=upd.update_id + 1)))
    await asyncio.sleep(0)
    assert not confirm.done()  # held while the payment is not handled
    await stars.feed(upd)
    await asyncio.wait_for(confirm, 10)
    assert seen_at_confirm == [True] and gate.held == 0
    assert await balance_of(services.session_factory, uid) == Decimal("115")


async def test_webhook_answers_a_payment_only_after_it_is_committed(services: Services) -> None:
    services.settings.webhook_url = "https://bot.example.com"
    services.settings.webhook_secret = type(services.settings.webhook_secret)("s3cret")
    record = StarsRecord()
    session = StarsSession(record)
    bot = create_bot("42:TEST", session=session)
    shared = Shared(services.settings)
    i18n = I18n()
    dp = create_dispatcher(services, shared=shared, i18n=i18n)
    client = TestClient(TestServer(create_app(services, bot, dp, shared, i18n)))
    await client.start_server()
    try:
        uid = await registered(services, PAYER)
        async with services.session_factory() as s, s.begin():
            from db.payments import create_order

            order = await create_order(s, uid, 100, Decimal("105"))
        charge = record.pay(PAYER.as_dict(), order.payload, 100)
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        body = {"update_id": 777, "message": payment_message(PAYER, order.payload, 100, charge)}
        resp = await client.post("/telegram/webhook", json=body, headers=headers)
        assert resp.status == 200
        # at the moment Telegram is answered, the payment is committed (a kill -9 now loses nothing)
        assert await balance_of(services.session_factory, uid) == Decimal("115")
        assert (await payment(services, charge)).status == PaymentStatus.CREDITED
        # a payment that could not be recorded is answered 500, so that Telegram sends it again
        await services.engine.dispose()
        broken = services.engine.sync_engine.pool
        original = broken._creator  # type: ignore[attr-defined]
        broken._creator = lambda *a, **k: (_ for _ in ()).throw(OSError("db down"))  # type: ignore[attr-defined]
        body = {"update_id": 778, "message": payment_message(PAYER, order.payload, 100, "another")}
        resp = await client.post("/telegram/webhook", json=body, headers=headers)
        assert resp.status == 500
        broken._creator = original  # type: ignore[attr-defined]
    finally:
        await client.close()


# -- reconciliation against Telegram's record ----------------------------------------------------


async def test_a_lost_payment_update_is_credited_from_telegrams_record_once(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    uid = await registered(services, PAYER)
    await registered(services, ADMIN)
    charge = await pay(stars, record, PAYER, deliver=False)  # confirmed, then the process died
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    sync = StarSync(stars.bot, services, I18n(), depth=1000)
    before = len(stars.session.calls)
    report = await sync.run_once()
    assert len(report.recorded) == 1 and report.scanned == 1
    told = [c for c in stars.session.calls[before:] if isinstance(c, SendMessage)]
    assert {int(c.chat_id) for c in told} == {PAYER.id, ADMIN.id}
    receipt = next(c.text for c in told if int(c.chat_id) == PAYER.id)
    # the receipt the lost update would have brought, dated by Telegram's record
    paid_at = datetime.fromtimestamp(record.transactions[0]["date"], UTC)
    assert "🧾 <b>Receipt</b>\nOrder: #1\nPaid: 100 ⭐\nAdded: <b>+105</b> credits" in receipt
    assert f"Date: {paid_at.day} {paid_at:%B %Y, %H:%M} UTC" in receipt
    assert await balance_of(services.session_factory, uid) == Decimal("115")
    assert (await payment(services, charge)).source == "reconcile"
    assert (await sync.run_once()).recorded == []  # once
    # the lost update arrives late after all: nothing more
    payload = record.transactions[0]["source"]["invoice_payload"]
    r = await stars.feed(stars.update(message=payment_message(PAYER, payload, 100, charge)))
    assert r.texts == []
    assert await balance_of(services.session_factory, uid) == Decimal("115")
    await assert_reconciled(services.session_factory)


async def test_refunds_in_telegrams_record_settle_ours_or_are_noted(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    uid = await registered(services, PAYER)
    await registered(services, ADMIN)
    outside = await pay(stars, record, PAYER)
    ours = await pay(stars, record, PAYER)
    # our refund went through at Telegram, but its answer was lost (a crash before the commit)
    async with services.session_factory() as s, s.begin():
        from db.payments import start_refund

        await start_refund(s, await s.merge(await payment(services, ours)))
    record.refund(PAYER.id, ours)
    record.refund_outside(outside)
    report = await StarSync(stars.bot, services, I18n(), depth=1000).run_once()
    assert (report.refunds_finished, report.refunds_noted, report.recorded) == (1, 1, [])
    assert (await payment(services, ours)).status == PaymentStatus.REFUNDED
    # the refund the bot did not make: Stars gone, so the credits are taken back (the balance has them)
    assert (await payment(services, outside)).status == PaymentStatus.REFUNDED
    assert any(
        "did not make" in c.text and "taken back" in c.text
        for c in stars.session.sent()
        if int(c.chat_id) == ADMIN.id
    )
    again = await StarSync(stars.bot, services, I18n(), depth=1000).run_once()
    assert (again.refunds_finished, again.refunds_noted) == (0, 0)
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    await assert_reconciled(services.session_factory)


async def test_an_outside_refund_whose_credits_are_spent_is_reported_until_settled(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    from db.ledger import PaymentDiscrepancy, deduct_balance, reconcile

    uid = await registered(services, PAYER)
    await registered(services, ADMIN)
    charge = await pay(stars, record, PAYER)
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, 100, "spent on predictions")
    record.refund_outside(charge)
    report = await StarSync(stars.bot, services, I18n(), depth=1000).run_once()
    assert report.refunds_noted == 1
    paid = await payment(services, charge)
    assert paid.status == PaymentStatus.CREDITED and paid.refunded_outside_at is not None
    assert any("settle it by hand" in c.text for c in stars.session.sent() if int(c.chat_id) == ADMIN.id)
    async with services.session_factory() as s:
        [bad] = await reconcile(s)  # Stars returned, credits kept: a real discrepancy, reported
    assert isinstance(bad, PaymentDiscrepancy) and bad.payment_id == paid.id and "outside" in bad.detail
    await StarSync(stars.bot, services, I18n(), depth=1000).run_once()
    assert sum("settle it by hand" in c.text for c in stars.session.sent()) == 1  # told once


# -- property: any sequence of refund attempts keeps every payment's ledger exact ----------------

REFUND_OPS = st.lists(
    st.sampled_from(["start", "ok", "already", "transient", "permanent", "spend", "credit"]),
    min_size=1,
    max_size=30,
)


async def _refund_sequence(url: str, ops: list[str], name: str) -> None:
    from db.engine import create_engine, create_session_factory
    from db.ledger import deduct_balance, increase_balance, reconcile
    from db.payments import MAX_REFUND_ATTEMPTS, PaymentError, create_order, finish_refund, start_refund

    engine = create_engine(url)
    sf = create_session_factory(engine)
    try:
        async with sf() as s, s.begin():
            user = User(username=name, email=f"{name}@example.com", hashed_password="x", balance=0.0)
            s.add(user)
            await s.flush()
            order = await create_order(s, user.id, 100, Decimal("105"))
            outcome = await record_payment(
                s,
                payload=order.payload,
                charge_id=f"charge-{name}",
                telegram_id=0,
                currency="XTR",
                total_amount=100,
            )
        uid, pid = user.id, outcome.payment_id
        balance, status, returned, attempts = Decimal("105"), "credited", 0, 0
        stuck = False
        for op in ops:
            async with sf() as s, s.begin():
                paid = await s.get(Payment, pid, with_for_update=True)
                assert paid is not None
                if op == "start":
                    if status == "refunded":
                        with pytest.raises(PaymentError):
                            await start_refund(s, paid)
                    elif status == "refund_pending":
                        await start_refund(s, paid)
                    elif balance < 105:
                        with pytest.raises(InsufficientFunds):
                            async with s.begin_nested():
                                await start_refund(s, paid)
                    else:
                        await start_refund(s, paid)
                        balance, status, attempts = balance - 105, "refund_pending", 0
                elif op in ("ok", "already", "transient", "permanent"):
                    await finish_refund(s, paid, op, "boom")
                    if status == "refund_failed" and op in ("ok", "already"):
                        # a late answer: the Stars went back after all, so the credits go too
                        if balance < 105:
                            stuck = True  # ...unless spent: reported by reconcile() below
                        else:
                            balance, status, returned = balance - 105, "refunded", returned + 1
                    elif status == "refund_pending":
                        if op in ("ok", "already"):
                            status, returned = "refunded", returned + 1
                        elif op == "transient" and attempts + 1 < MAX_REFUND_ATTEMPTS:
                            attempts += 1
                        else:
                            balance, status = balance + 105, "refund_failed"
                elif op == "spend" and balance >= 50:
                    await deduct_balance(s, uid, 50, "spent")
                    balance -= 50
                elif op == "credit":
                    await increase_balance(s, uid, 50, "bought")
                    balance += 50
            assert await balance_of(sf, uid) == balance
            async with sf() as s:
                paid = await s.get(Payment, pid)
                assert paid is not None and paid.status == status, (op, paid and paid.status, status)
                # this example's user and payment (the database keeps earlier examples' rows)
                mine = [
                    d
                    for d in await reconcile(s)
                    if getattr(d, "payment_id", None) == pid or getattr(d, "user_id", None) == uid
                ]
                if stuck:
                    assert [getattr(d, "payment_id", None) for d in mine] == [pid]
                    return
                assert mine == []
                # credits went back exactly as often as Stars did (once at most)
                net = await s.scalar(
                    select(func.coalesce(func.sum(Transaction.amount), 0.0)).where(
                        Transaction.payment_id == pid
                    )
                )
                assert Decimal(repr(net)) == (0 if status in ("refund_pending", "refunded") else 105)
                assert returned <= 1
    finally:
        await engine.dispose()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=REFUND_OPS)
def test_random_refund_sequences_keep_each_payment_exact(db_url: str, ops: list[str]) -> None:
    from db.engine import create_engine
    from db.migrate import upgrade

    async def migrate() -> None:
        engine = create_engine(db_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())  # the database outlives examples: one fresh user each
    asyncio.run(_refund_sequence(db_url, ops, f"r{uuid.uuid4().hex[:12]}"))


# -- the payment storm ---------------------------------------------------------------------------


async def test_payment_storm_every_star_counted_once(services: Services, record: StarsRecord) -> None:
    """200 payments against a Bot API whose getStarTransactions is the truth: each delivered
    twice at once, amid throttled bursts of taps, some payers disabled, some refunds refused and
    retried, some failing transiently, and the process killed half-way (the updates it had
    confirmed but not handled are lost) and started again. Afterwards every incoming Star
    transaction is credited exactly once, every returned Star matched by credits taken back once,
    and reconcile() (per user and per payment) is clean."""
    from bot.app import build_services
    from bot.refunds import attempt_refund
    from db.accounts import set_disabled
    from db.payments import create_order

    services.settings.throttle_rate = 0.5
    services.settings.throttle_burst = 3
    users = [TgUser(7000 + i, f"storm{i}") for i in range(40)]
    uids = {tg.id: await registered(services, tg) for tg in users}
    await registered(services, ADMIN)
    disabled = {tg.id for tg in users[:5]}
    paying: list[tuple[TgUser, str, str]] = []  # (payer, payload, charge), in payment order
    async with services.session_factory() as s, s.begin():
        for n in range(200):
            tg = users[n % len(users)]
            order = await create_order(s, uids[tg.id], 100, Decimal("105"))
            paying.append((tg, order.payload, ""))
    for tg_id in disabled:
        async with services.session_factory() as s, s.begin():
            await set_disabled(s, uids[tg_id], True)  # between the pre-checkout and the payment
    paying = [(tg, payload, record.pay(tg.as_dict(), payload, 100)) for tg, payload, _ in paying]

    def delivery(h: Harness, tg: TgUser, payload: str, charge: str) -> Update:
        return h.update(message=payment_message(tg, payload, 100, charge))

    async def storm(h: Harness, batch: list[tuple[TgUser, str, str]]) -> None:
        feeds = []
        for tg, payload, charge in batch:
            upd = delivery(h, tg, payload, charge)
            feeds += [h.feed(upd), h.feed(upd)]  # delivered twice at once (retry, two processes)
            feeds += [h.send(tg, "/balance") for _ in range(3)]  # tapping around it: throttled
        await asyncio.gather(*feeds)

    # process A: 150 payments arrive at once (each twice, amid taps); the process is killed when
    # about half are recorded: every update still running is cancelled wherever it is (in a
    # transaction, between its commit and its reply, or waiting), as a kill -9 would stop it
    first = Harness(services, StarsSession(record))
    gate = first.dp["payment_gate"]
    committed = 0

    def settled(update_id: int) -> None:  # called right after each payment's commit
        nonlocal committed
        committed += 1
        if committed == 60:  # (redeliveries count too) the kill: every update stops at its next await
            running.cancel()
            for task in services.inflight:
                task.cancel()

    gate.settled = settled  # type: ignore[method-assign]
    running = asyncio.create_task(storm(first, paying[:150]))
    await asyncio.gather(running, return_exceptions=True)
    await asyncio.gather(*services.inflight, return_exceptions=True)
    await first.close()
    async with services.session_factory() as s:
        killed_at = await s.scalar(select(func.count()).select_from(Payment)) or 0
    assert 0 < killed_at < 150, killed_at  # the kill came mid-way
    await services.close()

    # process B: started again on the same database; Telegram's record brings the lost ones back
    again = await build_services(services.settings, services.passwords)
    h = Harness(again, StarsSession(record))
    try:
        report = await StarSync(h.bot, again, I18n(), depth=10_000).run_once()
        # the ones lost in the kill, and those paid at Telegram whose updates are yet to come
        assert len(report.recorded) == 200 - killed_at
        await storm(h, paying[150:] + paying[100:110])  # the rest, and late redeliveries
        await h.close()
        again.settings.throttle_rate = 0  # the admin at work is not the storm
        h = Harness(again, StarsSession(record))
        # refunds: 10 refused then retried, 5 failing transiently then retried, 5 straight
        refunds = [charge for _, _, charge in paying[::10]]
        for charge in refunds[:10]:
            record.refuse[charge] = ["REFUND_DENIED"]
        for charge in refunds[10:15]:
            record.refuse[charge] = ["transient", "transient"]
        for charge in refunds:
            await confirmed(h, ADMIN, f"/refund {charge}")
        for charge in refunds[:10]:
            assert (await payment(again, charge)).status == PaymentStatus.REFUND_FAILED
            await confirmed(h, ADMIN, f"/refund {charge}")
        for _ in range(2):  # the retry loop's rounds, without waiting for the back-off
            async with again.session_factory() as s, s.begin():
                await s.execute(
                    update(Payment)
                    .where(Payment.status == PaymentStatus.REFUND_PENDING)
                    .values(next_attempt_at=None)
                )
            pending = [(await payment(again, c)).id for c in refunds[10:15]]
            for pid in pending:
                await attempt_refund(h.bot, again, pid)
        again_report = await StarSync(h.bot, again, I18n(), depth=10_000).run_once()
        assert again_report.recorded == [] and again_report.refunds_noted == 0
    finally:
        await h.close()

    async with again.session_factory() as s:
        payments = {p.telegram_payment_charge_id: p for p in await s.scalars(select(Payment))}
        balances = {tg: b for tg, b in (await s.execute(select(User.telegram_id, User.balance))).all()}
    truth = record.incoming()
    assert set(payments) == set(truth) and len(truth) == 200  # every Star transaction, once
    assert all(p.credits == 105 for p in payments.values())  # each credited
    returned = record.refunded()
    assert returned == set(refunds)
    assert {c for c, p in payments.items() if p.status == PaymentStatus.REFUNDED} == returned
    for tg in users:  # 10 welcome + 105 per payment whose Stars were kept
        kept = sum(1 for payer, _, c in paying if payer.id == tg.id and c not in returned)
        assert Decimal(repr(balances[tg.id])) == 10 + 105 * kept, tg
    await assert_reconciled(again.session_factory)
    await again.close()


@pytest.mark.parametrize("chronological", [False, True], ids=["newest-first", "oldest-first"])
async def test_the_sync_reads_the_newest_transactions_in_either_order(
    stars: Harness, services: Services, record: StarsRecord, chronological: bool
) -> None:
    """getStarTransactions lists the oldest first by the Bot API's documentation, the newest
    first as seen: a lost payment among the newest is found either way, within the depth."""
    uid = await registered(services, PAYER)
    stranger = {"id": 1, "is_bot": False, "first_name": "Old"}
    for _ in range(250):  # older history: other bots' sales, long settled
        record.pay(stranger, "", 1)
    record.chronological = chronological
    charge = await pay(stars, record, PAYER, deliver=False)
    report = await StarSync(stars.bot, services, I18n(), depth=120).run_once()
    ours = (await payment(services, charge)).id
    assert ours in report.recorded and report.unmatched == len(report.recorded) - 1  # the rest: strangers
    assert report.scanned == 120  # the newest 120 only
    assert await balance_of(services.session_factory, uid) == Decimal("115")


# -- the review's findings -----------------------------------------------------------------------


async def test_one_refund_attempt_at_a_time_and_answers_settle_only_their_round(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    """Attempt A is in flight when B starts: B does not call Telegram (A holds the claim); a
    refusal meant for an earlier round changes nothing; an 'ok' that arrives after the round was
    settled as refused takes the credits back (the Stars went after all)."""
    from bot.refunds import attempt_refund
    from db.payments import finish_refund, start_refund

    uid = await registered(services, PAYER)
    charge = await pay(stars, record, PAYER)
    async with services.session_factory() as s, s.begin():
        await start_refund(s, await s.get(Payment, (await payment(services, charge)).id))
    pid = (await payment(services, charge)).id
    in_flight, answer = asyncio.Event(), asyncio.Event()
    calls: list[str] = []

    async def telegram_refund(*, user_id: int, telegram_payment_charge_id: str) -> bool:
        calls.append(telegram_payment_charge_id)
        in_flight.set()
        await answer.wait()
        record.refund(user_id, telegram_payment_charge_id)
        return True

    stars.bot.refund_star_payment = telegram_refund  # type: ignore[method-assign]
    first = asyncio.create_task(attempt_refund(stars.bot, services, pid))
    await asyncio.wait_for(in_flight.wait(), 10)
    assert await attempt_refund(stars.bot, services, pid) == PaymentStatus.REFUND_PENDING  # B: no call
    assert calls == [charge]
    answer.set()
    assert await first == PaymentStatus.REFUNDED
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    # a stale refusal for round 1, after a new round began: nothing changes
    async with services.session_factory() as s, s.begin():
        paid = await s.get(Payment, pid)
        assert paid is not None
        await finish_refund(s, paid, "permanent", "late", round_=0)
        assert paid.status == PaymentStatus.REFUNDED
    await assert_reconciled(services.session_factory)


async def test_a_late_ok_after_a_refusal_takes_the_credits_back(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    from db.payments import finish_refund, start_refund

    uid = await registered(services, PAYER)
    charge = await pay(stars, record, PAYER)
    pid = (await payment(services, charge)).id
    async with services.session_factory() as s, s.begin():
        paid = await s.get(Payment, pid)
        assert paid is not None
        await start_refund(s, paid)
        await finish_refund(s, paid, "permanent", "REFUND_DENIED", round_=1)  # settled as refused
    assert await balance_of(services.session_factory, uid) == Decimal("115")
    async with services.session_factory() as s, s.begin():
        paid = await s.get(Payment, pid)
        assert paid is not None
        await finish_refund(s, paid, "ok", round_=1)  # ...but that round's Stars did go back
    assert (await payment(services, charge)).status == PaymentStatus.REFUNDED
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    await assert_reconciled(services.session_factory)


async def test_a_refund_goes_to_the_payer_even_after_the_account_moved(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    uid = await registered(services, PAYER)
    await registered(services, ADMIN)
    charge = await pay(stars, record, PAYER)
    async with services.session_factory() as s, s.begin():  # /login moved the account elsewhere
        await s.execute(update(User).where(User.id == uid).values(telegram_id=6999))
    r = await confirmed(stars, ADMIN, f"/refund {charge}")
    assert "Refunded 100" in r.text, r.text  # the fake answers CHARGE_NOT_FOUND for another user
    assert record.refunded() == {charge}
    await assert_reconciled(services.session_factory)


async def test_a_payment_arriving_in_the_custom_amount_dialog_is_recorded(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    uid = await registered(services, PAYER)
    payload, amount = await order_for(stars, PAYER)
    await stars.send(PAYER, "/topup")
    await stars.press(PAYER, "Other amount")  # now waiting for a number of Stars
    charge = record.pay(PAYER.as_dict(), payload, amount)
    r = await stars.feed(stars.update(message=payment_message(PAYER, payload, amount, charge)))
    assert "Payment received" in r.text and "whole number" not in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("115")


async def test_a_lost_payment_found_with_its_refund_is_not_credited(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    uid = await registered(services, PAYER)
    charge = await pay(stars, record, PAYER, deliver=False)
    record.refund_outside(charge)  # returned by Telegram's support before the bot ever saw it
    report = await StarSync(stars.bot, services, I18n(), depth=1000).run_once()
    assert len(report.recorded) == 1
    assert (await payment(services, charge)).status == PaymentStatus.REFUNDED
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    await assert_reconciled(services.session_factory)


async def test_a_payment_matching_no_account_counts_once_and_its_stars_go_back(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    await registered(services, ADMIN)
    stranger = TgUser(6100, "stranger")
    charge = record.pay(stranger.as_dict(), "topup:nobody", 30)
    r = await stars.feed(stars.update(message=payment_message(stranger, "topup:nobody", 30, charge)))
    assert any("could not match" in m.text for m in r.calls_of(SendMessage) if int(m.chat_id) == stranger.id)
    assert record.refunded() == {charge}  # returned at once
    assert (await payment(services, charge)).status == PaymentStatus.REFUNDED
    for _ in range(2):  # later syncs, even by a restarted process, say nothing more
        await StarSync(stars.bot, services, I18n(), depth=1000).run_once()
    to_admin = [c.text for c in stars.session.sent() if int(c.chat_id) == ADMIN.id]
    assert sum("matches no account" in t for t in to_admin) == 1
    await assert_reconciled(services.session_factory)


async def test_the_refund_loop_goes_on_past_a_payment_that_breaks(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    from aiogram.methods import RefundStarPayment

    from db.payments import start_refund

    await registered(services, PAYER)
    charges = [await pay(stars, record, PAYER) for _ in range(2)]
    for charge in charges:
        async with services.session_factory() as s, s.begin():
            await start_refund(s, await s.get(Payment, (await payment(services, charge)).id))
            await s.execute(update(Payment).values(next_attempt_at=None))
    stars.session.fail[RefundStarPayment] = [RuntimeError("the connection pool broke")]
    assert await retry_due_refunds(stars.bot, services) == 2
    assert record.refunded() == {charges[1]}  # the second was not held up by the first
    await assert_reconciled(services.session_factory)


async def test_the_polling_gate_lets_go_at_the_commit_and_wakes_the_sync_when_lost(
    stars: Harness, services: Services, record: StarsRecord
) -> None:
    await registered(services, PAYER)
    payload, amount = await order_for(stars, PAYER)
    gate = stars.dp["payment_gate"]
    woken: list[bool] = []
    gate.on_lost = lambda: woken.append(True)
    ok = stars.update(
        message=payment_message(PAYER, payload, amount, record.pay(PAYER.as_dict(), payload, amount))
    )
    broken = stars.update(message=payment_message(PAYER, payload, amount, "x"))

    async def telegram(_bot: Any, method: Any) -> list[Update]:
        return [ok, broken] if not method.offset else []

    await gate(telegram, stars.bot, GetUpdates())
    assert gate.held == 2
    sends_at_commit: list[int] = []
    plain_settled = gate.settled

    def settled(update_id: int) -> None:
        sends_at_commit.append(len(stars.session.sent()))
        plain_settled(update_id)

    gate.settled = settled  # type: ignore[method-assign]
    before = len(stars.session.sent())
    await stars.feed(ok)
    assert sends_at_commit == [before]  # let go before the "payment received" message
    await services.engine.dispose()
    pool = services.engine.sync_engine.pool
    original = pool._creator  # type: ignore[attr-defined]
    pool._creator = lambda *a, **k: (_ for _ in ()).throw(OSError("db down"))  # type: ignore[attr-defined]
    try:
        await stars.feed(broken)  # fails before its commit
    finally:
        pool._creator = original  # type: ignore[attr-defined]
    assert gate.held == 0 and woken == [True]  # let go, and Telegram's record is read at once
    # a payment stuck past the timeout is let go the same way
    gate.timeout = 0.01
    await gate(telegram, stars.bot, GetUpdates())
    assert gate.held == 2
    await asyncio.wait_for(gate(telegram, stars.bot, GetUpdates(offset=1)), 5)
    assert gate.held == 0 and woken == [True, True, True]
