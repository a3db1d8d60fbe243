"""Top-ups with Telegram Stars, exactly once: the SQL and money rules (services/payments.py runs them).

- An Order is an invoice (`payload` names it); it can be paid once (`status='new'` → `'paid'`
  in one guarded UPDATE).
- A Payment is what Telegram reports, keyed by `telegram_payment_charge_id` (unique): the same
  payment delivered twice is recorded once and credited once. An old invoice paid again is a
  second, real charge: it credits nothing and its Stars go back to the payer (`refund_pending`).
- A refund takes the credits back through `deduct_balance` first (if the balance allows), then
  the bot calls refundStarPayment; a transient failure leaves it `refund_pending` to retry with
  back-off; a permanent one gives the credits back and marks it `refund_failed`. A refund
  retried after that is a new round that takes the credits back again. Every ledger row of a
  payment names it (`payment_id`) and has a unique key (`pay:<id>:credit|take:<n>|restore:<n>`),
  and `reconcile()` checks that they agree with the payment's status.
- Telegram's own record (getStarTransactions) is the truth: a charge with no Payment row is
  recorded from it (`source='reconcile'`), and a refund listed there settles ours or is noted.
Nothing here commits: the caller owns the transaction (the use cases, in services/payments.py,
open and commit it).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import DomainError, InsufficientFunds
from db.ids import parse_id
from db.ledger import deduct_balance, increase_balance, to_money, validate_amount
from db.models import Order, OrderStatus, Payment, PaymentStatus, TxKind, User, utcnow

CURRENCY = "XTR"
MAX_REFUND_ATTEMPTS = 12


class PaymentError(DomainError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


async def create_order(session: AsyncSession, user_id: int, stars: int, credits: Decimal) -> Order:
    if stars < 1:
        raise PaymentError("bad_amount", "at least 1 star")
    order = Order(
        user_id=user_id,
        stars=stars,
        credits=float(validate_amount(credits)),
        payload=f"topup:{secrets.token_urlsafe(18)}",
        status=OrderStatus.NEW,
    )
    session.add(order)
    await session.flush()
    return order


async def check_checkout(
    session: AsyncSession, *, payload: str, telegram_id: int, currency: str, total_amount: int
) -> str | None:
    """Why this pre-checkout must be refused (a code), or None to accept it."""
    row = (
        await session.execute(
            select(Order, User).join(User, User.id == Order.user_id).where(Order.payload == payload)
        )
    ).first()
    if row is None:
        return "unknown_order"
    order, user = row
    if user.telegram_id != telegram_id:
        return "not_yours"
    if user.disabled:
        return "disabled"
    if order.status != OrderStatus.NEW:
        return "already_paid"
    if currency != CURRENCY or total_amount != order.stars:
        return "amount_mismatch"
    return None


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    status: str  # credited | refund_pending (paid twice, or unmatched) | refunded | replayed
    payment_id: int
    credits: Decimal
    balance: Decimal
    order_id: int | None
    user_id: int | None  # None: the payment matched no account
    disabled: bool = False  # the account is disabled: credited all the same (the money is theirs)

    @property
    def unmatched(self) -> bool:
        return self.user_id is None


async def record_payment(
    session: AsyncSession,
    *,
    payload: str,
    charge_id: str,
    telegram_id: int,
    currency: str,
    total_amount: int,
    source: str = "update",
    refunded: bool = False,
) -> PaymentOutcome:
    """Record a successful payment once; credit its order if this is the order's first payment.

    The account is the payer's, or, if the payer's Telegram account is linked to none (it moved
    to another one by /login), the order's: the invoice was made for it. A disabled account is
    credited too. A payment that matches no account is recorded all the same (without one), so
    that it counts once and its Stars can go back (`refund_pending`). `source`: 'update'
    (successful_payment) or 'reconcile' (getStarTransactions). `refunded`: Telegram's record
    already lists its refund (found late): recorded as refunded, nothing credited.
    """
    existing = await session.scalar(select(Payment).where(Payment.telegram_payment_charge_id == charge_id))
    if existing is not None:
        return await _outcome(session, existing, "replayed")
    order = await session.scalar(select(Order).where(Order.payload == payload)) if payload else None
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    if user is None and order is not None:
        user = await session.get(User, order.user_id)
    payment = Payment(
        order_id=order.id if order else None,
        user_id=user.id if user else None,
        telegram_payment_charge_id=charge_id,
        payer_telegram_id=telegram_id,
        stars=total_amount,
        credits=0.0,
        status=PaymentStatus.REFUNDED if refunded else PaymentStatus.REFUND_PENDING,
        refunded_at=utcnow() if refunded else None,
        source=source,
    )
    try:
        async with session.begin_nested():  # the same charge delivered twice at once: one wins
            session.add(payment)
    except IntegrityError:
        existing = await session.scalar(
            select(Payment).where(Payment.telegram_payment_charge_id == charge_id)
        )
        assert existing is not None
        return await _outcome(session, existing, "replayed")
    valid = (
        not refunded
        and user is not None
        and order is not None
        and order.user_id == user.id
        and currency == CURRENCY
        and total_amount == order.stars
    )
    if valid and order is not None and user is not None:
        won = await session.scalar(
            update(Order)
            .where(Order.id == order.id, Order.status == OrderStatus.NEW)
            .values(status=OrderStatus.PAID, paid_at=utcnow())
            .returning(Order.id)
        )
        if won is not None:
            await increase_balance(
                session,
                user.id,
                order.credits,
                f"Top up: {order.stars} Telegram Stars (order #{order.id})",
                kind=TxKind.TOPUP,
                payment_id=payment.id,
                idempotency_key=f"pay:{payment.id}:credit",
            )
            payment.status = PaymentStatus.CREDITED
            payment.credits = order.credits
    await session.flush()
    return await _outcome(session, payment, payment.status)


async def _outcome(session: AsyncSession, payment: Payment, status: str) -> PaymentOutcome:
    row = (
        await session.execute(select(User.balance, User.disabled).where(User.id == payment.user_id))
    ).first()
    return PaymentOutcome(
        status,
        payment.id,
        to_money(payment.credits),
        to_money(row.balance if row else 0.0),
        payment.order_id,
        payment.user_id,
        bool(row.disabled) if row else False,
    )


async def find_payment(session: AsyncSession, ref: str) -> Payment | None:
    """A payment by its charge id, or by its order number ('#12' or '12'; out of range: none)."""
    ref = ref.strip()
    number = parse_id(ref.lstrip("#"))
    conditions = [Payment.telegram_payment_charge_id == ref]
    if number is not None:
        conditions.append(Payment.order_id == number)
    return await session.scalar(select(Payment).where(or_(*conditions)).order_by(Payment.id))


async def start_refund(session: AsyncSession, payment: Payment) -> Payment:
    """Begin a refund round: mark the payment `refund_pending` and take its credits back
    (InsufficientFunds if the balance no longer has them: the caller's transaction then rolls
    back and nothing changed). Idempotent for a refund already under way.

    Each round takes the credits back once (`pay:<id>:take:<round>`, unique in the ledger), so
    retrying after a refused refund (`refund_failed`, which restored them) takes them back again
    before Telegram is asked again: credits go back exactly as often as Stars do."""
    if payment.status == PaymentStatus.REFUNDED:
        raise PaymentError("already_refunded", f"payment {payment.id} is refunded already")
    if payment.status == PaymentStatus.REFUND_PENDING:
        return payment
    credited = payment.credits > 0 and payment.user_id is not None
    round_ = payment.refund_round + 1
    won = await session.scalar(
        update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.status == payment.status,
            Payment.refund_round == payment.refund_round,
        )
        .values(
            status=PaymentStatus.REFUND_PENDING,
            refund_round=round_,
            refund_attempts=0,
            refund_error=None,
            # the caller attempts it at once; the retry loop only if that never happens
            next_attempt_at=utcnow() + timedelta(seconds=60),
            refund_claimed_at=None,
        )
        .returning(Payment.id)
    )
    if won is None:
        raise PaymentError("changed", "the payment changed meanwhile; try again")
    if credited:
        assert payment.user_id is not None
        await _take_back(session, payment, round_)
    await session.refresh(payment)
    return payment


async def _take_back(session: AsyncSession, payment: Payment, round_: int) -> None:
    assert payment.user_id is not None
    await deduct_balance(
        session,
        payment.user_id,
        to_money(payment.credits),
        f"Refund of {payment.stars} Telegram Stars (order #{payment.order_id})",
        kind=TxKind.TOPUP_REFUND,
        payment_id=payment.id,
        idempotency_key=f"pay:{payment.id}:take:{round_}",
    )


REFUND_LEASE = timedelta(minutes=10)  # a claimed attempt not settled by then may be taken again


async def claim_refund(session: AsyncSession, payment_id: int) -> Payment | None:
    """Take the next refund attempt of a `refund_pending` payment for this process, or None if
    there is none to take (settled, or another attempt under way). One attempt at a time: two
    attempts in flight could settle one round with each other's answers (a refusal restoring
    the credits of a refund that in fact went through). Commit before calling Telegram."""
    now = utcnow()
    won = await session.scalar(
        update(Payment)
        .where(
            Payment.id == payment_id,
            Payment.status == PaymentStatus.REFUND_PENDING,
            or_(Payment.refund_claimed_at.is_(None), Payment.refund_claimed_at < now - REFUND_LEASE),
        )
        .values(refund_claimed_at=now)
        .returning(Payment.id)
    )
    if won is None:
        return None
    return await session.get(Payment, payment_id, populate_existing=True)


async def finish_refund(
    session: AsyncSession, payment: Payment, result: str, error: str = "", *, round_: int | None = None
) -> Payment:
    """Settle a refund attempt of round `round_` (default: the current one): 'ok' (or 'already':
    CHARGE_ALREADY_REFUNDED), 'transient' (retry later, with back-off), or 'permanent' (give
    this round's credits back, once). An answer for another round changes nothing; Telegram
    saying the Stars went back after the round was settled as refused takes the credits back."""
    if round_ is not None and round_ != payment.refund_round:
        return payment  # a late answer to an earlier round
    if payment.status == PaymentStatus.REFUND_FAILED and result in ("ok", "already"):
        await stars_returned(session, payment)
        return payment
    if payment.status != PaymentStatus.REFUND_PENDING:
        return payment
    payment.refund_claimed_at = None
    if result in ("ok", "already"):
        payment.status = PaymentStatus.REFUNDED
        payment.refunded_at = utcnow()
        payment.refund_error = None
        payment.next_attempt_at = None
    elif result == "transient" and payment.refund_attempts + 1 < MAX_REFUND_ATTEMPTS:
        payment.refund_attempts += 1
        payment.refund_error = error[:255]
        payment.next_attempt_at = utcnow() + timedelta(seconds=min(3600, 30 * 2**payment.refund_attempts))
    else:
        payment.status = PaymentStatus.REFUND_FAILED
        payment.refund_attempts += 1
        payment.refund_error = error[:255]
        payment.next_attempt_at = None
        if payment.credits > 0 and payment.user_id is not None:  # this round took them: give back once
            await increase_balance(
                session,
                payment.user_id,
                to_money(payment.credits),
                f"Stars refund failed: credits restored (order #{payment.order_id})",
                kind=TxKind.TOPUP_REFUND_REVERTED,
                payment_id=payment.id,
                idempotency_key=f"pay:{payment.id}:restore:{payment.refund_round}",
            )
    await session.flush()
    return payment


async def stars_returned(session: AsyncSession, payment: Payment) -> str:
    """Telegram returned this payment's Stars while the bot held it as keeping them (`credited`
    or `refund_failed`): a refund by Telegram's support, or an answer of ours that was lost.
    Its credits are taken back in a new round and it is `refunded` ('taken_back'); if the
    balance no longer has them, it is marked `refunded_outside_at` ('noted'), which reconcile()
    reports until a person settles it. The caller holds the row (FOR UPDATE)."""
    if payment.status not in (PaymentStatus.CREDITED, PaymentStatus.REFUND_FAILED):
        return "known"
    if payment.credits > 0 and payment.user_id is not None:
        round_ = payment.refund_round + 1
        try:
            async with session.begin_nested():
                await _take_back(session, payment, round_)
        except InsufficientFunds:
            if payment.refunded_outside_at is not None:
                return "known"
            payment.refunded_outside_at = utcnow()
            await session.flush()
            return "noted"
        payment.refund_round = round_
    payment.status = PaymentStatus.REFUNDED
    payment.refunded_at = utcnow()
    payment.refund_claimed_at = None
    payment.next_attempt_at = None
    await session.flush()
    return "taken_back"


async def payments_by_charge(session: AsyncSession, charge_ids: Iterable[str]) -> dict[str, Payment]:
    ids = set(charge_ids)
    if not ids:
        return {}
    found = await session.scalars(select(Payment).where(Payment.telegram_payment_charge_id.in_(ids)))
    return {p.telegram_payment_charge_id: p for p in found}


async def note_refund_seen(session: AsyncSession, payment: Payment) -> str:
    """Telegram's record lists a refund of this payment (the caller holds its row).
    'finished': our refund under way, whose answer was lost (a crash): now refunded.
    'taken_back' / 'noted': a refund the bot did not make (see `stars_returned`).
    'known': nothing new."""
    if payment.status == PaymentStatus.REFUND_PENDING:
        await finish_refund(session, payment, "ok")
        return "finished"
    return await stars_returned(session, payment)


async def due_refunds(session: AsyncSession, limit: int = 50) -> list[Payment]:
    now = utcnow()
    return list(
        (
            await session.scalars(
                select(Payment)
                .where(
                    Payment.status == PaymentStatus.REFUND_PENDING,
                    or_(Payment.next_attempt_at.is_(None), Payment.next_attempt_at <= now),
                    or_(Payment.refund_claimed_at.is_(None), Payment.refund_claimed_at < now - REFUND_LEASE),
                )
                .order_by(Payment.id)
                .limit(limit)
            )
        ).all()
    )
