"""Payments: top-ups with Telegram Stars and their refunds, as use cases (aiogram-free).

The bot talks to Telegram (sendInvoice, answerPreCheckoutQuery, refundStarPayment,
getStarTransactions); this module owns what happens in the database around those calls, each
step in a transaction of its own that is committed when the method returns. The SQL and the
money rules live in db/payments.py (and the ledger); see its docstring for the guarantees:
a payment is recorded once and credited once, a refund takes the credits back through the
ledger before Telegram is asked, and one refund attempt is under way at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import payments as sql
from db.errors import InsufficientFunds
from db.ledger import to_money, validate_amount
from db.models import Payment, PaymentStatus, User
from db.payments import CURRENCY, PaymentError, PaymentOutcome

__all__ = [
    "CURRENCY",
    "InsufficientFunds",
    "Invoice",
    "Pack",
    "PaymentError",
    "PaymentOutcome",
    "PaymentStatus",
    "Payments",
    "RefundClaim",
    "RefundSeen",
    "RefundSettled",
    "RefundStarted",
    "RefundState",
    "User",
    "parse_packs",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pack:
    stars: int
    credits: Decimal


def parse_packs(text: str) -> list[Pack]:
    """'50:50, 100:105' → packs of Stars → credits."""
    packs = []
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        stars, _, credits = part.partition(":")
        pack = Pack(int(stars), validate_amount(credits))
        if pack.stars < 1:
            raise ValueError(f"a pack needs at least 1 star: {part!r}")
        packs.append(pack)
    return packs


@dataclass(frozen=True, slots=True)
class Invoice:
    """An order to put in an invoice: `payload` names it when it is paid."""

    order_id: int
    payload: str
    stars: int
    credits: Decimal
    currency: str = CURRENCY


@dataclass(frozen=True, slots=True)
class RefundStarted:
    payment_id: int
    stars: int


@dataclass(frozen=True, slots=True)
class RefundState:
    """A payment as a refund leaves it."""

    payment_id: int
    status: str
    stars: int
    credits: Decimal
    user_id: int | None
    error: str  # the last refund error ('' if none)


@dataclass(frozen=True, slots=True)
class RefundClaim:
    """The next refund attempt of a payment, taken for this process (`taken`); or, when there is
    none to take (settled, or another attempt under way), the payment's status ('missing': no
    such payment)."""

    payment_id: int
    status: str
    taken: bool
    round: int = 0
    charge_id: str = ""
    payer_telegram_id: int | None = None  # where the Stars go back (None: nowhere known)


@dataclass(frozen=True, slots=True)
class RefundSettled:
    payment_id: int
    before: str  # the status before this answer
    status: str
    stars: int
    user_id: int | None


@dataclass(frozen=True, slots=True)
class RefundSeen:
    """What a refund listed in Telegram's record did (see db.payments.note_refund_seen)."""

    result: str  # finished | taken_back | noted | known
    payment_id: int
    stars: int
    user_id: int | None
    credits: Decimal


class Payments:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        packs: Sequence[Pack],
        credits_per_star: Decimal,
    ) -> None:
        self._sessions = sessions
        self.packs = list(packs)
        self.credits_per_star = credits_per_star

    # -- top-ups --------------------------------------------------------------------------

    async def order_pack(self, user_id: int, stars: int) -> Invoice | None:
        """An order for the pack of `stars` Stars, or None if there is none (a button from
        before the packs changed)."""
        pack = next((p for p in self.packs if p.stars == stars), None)
        if pack is None:
            return None
        return await self._order(user_id, pack.stars, pack.credits)

    async def order_stars(self, user_id: int, stars: int) -> Invoice:
        """An order for a custom number of Stars (the caller checked the bounds), at the rate."""
        credits = (self.credits_per_star * stars).quantize(Decimal("0.01"))
        return await self._order(user_id, stars, credits)

    async def _order(self, user_id: int, stars: int, credits: Decimal) -> Invoice:
        async with self._sessions() as session, session.begin():
            order = await sql.create_order(session, user_id, stars, credits)
            invoice = Invoice(order.id, order.payload, stars, credits)
        log.info("order %d: user %d, %d stars for %s credits", order.id, user_id, stars, credits)
        return invoice

    async def check_checkout(
        self, *, payload: str, telegram_id: int, currency: str, total_amount: int
    ) -> str | None:
        """Why this pre-checkout must be refused (a code), or None to accept it."""
        async with self._sessions() as session, session.begin():
            return await sql.check_checkout(
                session,
                payload=payload,
                telegram_id=telegram_id,
                currency=currency,
                total_amount=total_amount,
            )

    async def record_payment(
        self,
        *,
        payload: str,
        charge_id: str,
        telegram_id: int,
        currency: str,
        total_amount: int,
        source: str = "update",
        refunded: bool = False,
    ) -> PaymentOutcome:
        """Record a successful payment once and credit it once (db.payments.record_payment).
        Committed when this returns: only then may Telegram be told it was received."""
        async with self._sessions() as session, session.begin():
            return await sql.record_payment(
                session,
                payload=payload,
                charge_id=charge_id,
                telegram_id=telegram_id,
                currency=currency,
                total_amount=total_amount,
                source=source,
                refunded=refunded,
            )

    async def payer(self, user_id: int | None) -> User | None:
        """The account a payment credited (detached), to tell its owner."""
        if user_id is None:
            return None
        async with self._sessions() as session:
            return await session.get(User, user_id)

    # -- refunds --------------------------------------------------------------------------

    async def find(self, ref: str) -> int | None:
        """The id of the payment `ref` names (a charge id or an order number), None if none."""
        async with self._sessions() as session, session.begin():
            found = await sql.find_payment(session, ref)
        return None if found is None else found.id

    async def start_refund(self, ref: str) -> RefundStarted | None:
        """An admin's refund of the payment `ref` names (a charge id or an order number; None:
        no such payment): its credits are taken back through the ledger (InsufficientFunds if
        the balance no longer has them: nothing changes) and it is `refund_pending`, committed,
        before Telegram is asked (PaymentError 'already_refunded' or 'changed' otherwise)."""
        async with self._sessions() as session, session.begin():
            found = await sql.find_payment(session, ref)
        if found is None:
            return None
        async with self._sessions() as session, session.begin():
            locked = await session.get(Payment, found.id, with_for_update=True, populate_existing=True)
            assert locked is not None
            await sql.start_refund(session, locked)
            return RefundStarted(locked.id, locked.stars)

    async def refund_state(self, payment_id: int) -> RefundState:
        async with self._sessions() as session, session.begin():
            payment = await session.get(Payment, payment_id)
            assert payment is not None
            return RefundState(
                payment.id,
                payment.status,
                payment.stars,
                to_money(payment.credits),
                payment.user_id,
                payment.refund_error or "",
            )

    async def due_refunds(self) -> list[int]:
        """Payments whose refund attempt is due (the retry loop's)."""
        async with self._sessions() as session:
            return [p.id for p in await sql.due_refunds(session)]

    async def claim_refund(self, payment_id: int) -> RefundClaim:
        """Take the next refund attempt of a payment (one at a time, across processes);
        committed before Telegram is asked."""
        async with self._sessions() as session, session.begin():
            payment = await sql.claim_refund(session, payment_id)
            if payment is None:
                status = await session.scalar(select(Payment.status).where(Payment.id == payment_id))
                return RefundClaim(payment_id, status or "missing", taken=False)
            payer = payment.payer_telegram_id
            if payer is None and payment.user_id is not None:  # recorded before payers were kept
                payer = await session.scalar(select(User.telegram_id).where(User.id == payment.user_id))
            return RefundClaim(
                payment_id,
                payment.status,
                taken=True,
                round=payment.refund_round,
                charge_id=payment.telegram_payment_charge_id,
                payer_telegram_id=payer,
            )

    async def finish_refund(self, claim: RefundClaim, result: str, error: str = "") -> RefundSettled:
        """Settle the claimed attempt with Telegram's answer ('ok', 'already', 'transient',
        'permanent'): only the round it was made for (a refusal gives the credits back)."""
        async with self._sessions() as session, session.begin():
            payment = await session.get(Payment, claim.payment_id, with_for_update=True)
            assert payment is not None
            before = payment.status
            await sql.finish_refund(session, payment, result, error, round_=claim.round)
            return RefundSettled(payment.id, before, payment.status, payment.stars, payment.user_id)

    # -- reconciliation with Telegram's record ----------------------------------------------

    async def known_charges(self, charge_ids: Iterable[str]) -> set[str]:
        """Those of these charge ids that have a payment recorded."""
        async with self._sessions() as session:
            return set(await sql.payments_by_charge(session, charge_ids))

    async def note_refund_seen(self, charge_id: str) -> RefundSeen:
        """Telegram's record lists a refund of this (recorded) payment."""
        async with self._sessions() as session, session.begin():
            payment = (await sql.payments_by_charge(session, [charge_id]))[charge_id]
            await session.refresh(payment, with_for_update=True)
            seen = await sql.note_refund_seen(session, payment)
            return RefundSeen(seen, payment.id, payment.stars, payment.user_id, to_money(payment.credits))
