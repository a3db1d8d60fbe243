"""The ledger: the only two ways a balance changes.

Balances and amounts keep the seed's FLOAT columns. Exactness comes from three rules:
every amount is validated to at most two decimals; every new balance is rounded to cents in SQL
in the same UPDATE that guards it; so a stored balance is always the double nearest to a whole
number of cents, and comparing it with an amount compares cents exactly. Each change is one
guarded UPDATE plus its Transactions row, in the caller's transaction (nothing here commits).
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Numeric, Table, cast, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.bulk import insert_ids, rounds
from db.errors import BalanceLimitExceeded, InsufficientFunds, InvalidAmount, UserNotFound
from db.models import Payment, PaymentStatus, Transaction, TxKind, User, utcnow

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000")  # one operation
MAX_BALANCE = Decimal("1000000000")  # well inside the range where doubles hold exact cents
_TRANSACTIONS = typing.cast(Table, Transaction.__table__)


def to_money(value: float | int | str | Decimal) -> Decimal:
    """A stored FLOAT (or user text) as an exact Decimal of cents."""
    return Decimal(repr(value) if isinstance(value, float) else str(value)).quantize(
        CENT, rounding=ROUND_HALF_EVEN
    )


def validate_amount(amount: float | int | str | Decimal) -> Decimal:
    """A positive, finite amount with at most two decimals and within MAX_AMOUNT."""
    if isinstance(amount, bool):
        raise InvalidAmount(amount, "not a number")
    if isinstance(amount, float) and not math.isfinite(amount):
        raise InvalidAmount(amount, "not finite")
    try:
        dec = Decimal(repr(amount) if isinstance(amount, float) else str(amount).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(amount, "not a number") from None
    if not dec.is_finite():
        raise InvalidAmount(amount, "not finite")
    if dec <= 0:
        raise InvalidAmount(amount, "must be positive")
    # The range before quantizing: quantize() raises InvalidOperation for a number whose cents
    # need more digits than the context's 28 ("1e309", forty nines).
    if dec > MAX_AMOUNT:
        raise InvalidAmount(amount, f"at most {MAX_AMOUNT}")
    if dec < CENT or dec != dec.quantize(CENT):
        raise InvalidAmount(amount, "at most two decimals")
    return dec.quantize(CENT)


def _rounded(expr: object) -> object:
    # ROUND(numeric, int) exists on both backends (PostgreSQL has no ROUND(double, int)).
    return func.round(cast(expr, Numeric), 2)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    transaction_id: int
    balance: Decimal  # after the change


async def _current_balance(session: AsyncSession, user_id: int) -> Decimal:
    balance = await session.scalar(select(User.balance).where(User.id == user_id))
    if balance is None:
        raise UserNotFound(f"user {user_id} not found")
    return to_money(balance)


async def _record(
    session: AsyncSession,
    user_id: int,
    amount: Decimal,
    description: str,
    prediction_id: int | None,
    kind: str,
    payment_id: int | None = None,
    idempotency_key: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> int:
    tx_id = await session.scalar(
        insert(Transaction)
        .values(
            user_id=user_id,
            amount=float(amount),
            description=description[:255],
            prediction_id=prediction_id,
            kind=kind,
            payment_id=payment_id,
            idempotency_key=idempotency_key,
            params=dict(params) if params else None,
        )
        .returning(Transaction.id)
    )
    assert tx_id is not None
    return tx_id


@dataclass(frozen=True, slots=True)
class Debit:
    user_id: int
    amount: Decimal  # validated (see validate_amount)
    description: str
    prediction_id: int | None = None
    kind: str = TxKind.OTHER
    payment_id: int | None = None
    idempotency_key: str | None = None  # unique in the database: the debit happens once
    params: Mapping[str, Any] | None = None  # what its line is rendered from (see Transaction.params)


async def deduct_balance(
    session: AsyncSession,
    user_id: int,
    amount: float | int | str | Decimal,
    description: str,
    *,
    prediction_id: int | None = None,
    kind: str = TxKind.OTHER,
    payment_id: int | None = None,
    idempotency_key: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> LedgerEntry:
    """Take `amount` from the user's balance, or raise InsufficientFunds and change nothing.
    With an `idempotency_key`, a second debit under the same key fails on the unique index
    (IntegrityError), so the caller's transaction cannot take it twice. `params`: what the
    line shows in the user's language besides its kind and links (e.g. a promo code)."""
    debit = Debit(
        user_id,
        validate_amount(amount),
        description,
        prediction_id,
        kind,
        payment_id,
        idempotency_key,
        params,
    )
    [entry] = await deduct_balances(session, [debit])
    if isinstance(entry, LedgerEntry):
        return entry
    raise entry


async def deduct_balances(
    session: AsyncSession, debits: Sequence[Debit]
) -> list[LedgerEntry | InsufficientFunds | UserNotFound]:
    """The batch form of deduct_balance: each debit succeeds or fails on its own, in order.

    The guard is the same (`WHERE balance >= amount`, the new balance rounded to cents in the same
    UPDATE), applied to many users per statement: one UPDATE per distinct amount, then one INSERT
    of all their Transactions rows. A user's debits are first taken together, as one guarded
    UPDATE of their sum: when the balance covers it, each debit succeeds in order exactly as it
    would alone (each sees the balance the previous one left), in one statement instead of one
    per debit (a CSV batch). When it does not, that user's debits go one per round, so each
    succeeds or fails on its own.
    """
    for d in debits:
        validate_amount(d.amount)  # raises InvalidAmount
    results: list[LedgerEntry | InsufficientFunds | UserNotFound | None] = [None] * len(debits)
    by_user: dict[int, list[int]] = {}
    for i, d in enumerate(debits):
        by_user.setdefault(d.user_id, []).append(i)
    uncovered = await _debit_groups(session, debits, list(by_user.values()), results)
    one_by_one = sorted(i for group in uncovered for i in group)
    for now in rounds(len(one_by_one), lambda j: debits[one_by_one[j]].user_id):
        await _debit_groups(session, debits, [[one_by_one[j]] for j in now], results)
    assert all(r is not None for r in results)
    return typing.cast(list[LedgerEntry | InsufficientFunds | UserNotFound], results)


async def _debit_groups(
    session: AsyncSession,
    debits: Sequence[Debit],
    groups: list[list[int]],
    results: list[LedgerEntry | InsufficientFunds | UserNotFound | None],
) -> list[list[int]]:
    """One pass of deduct_balances. Each group holds the indices of one user's debits (one group
    per user), taken as one guarded UPDATE of their sum. Fills `results` for the groups charged
    and for refused groups of one debit; returns the refused groups of several debits."""
    totals = {debits[g[0]].user_id: sum((debits[i].amount for i in g), Decimal(0)) for g in groups}
    if len(totals) > 1 and session.get_bind().dialect.name != "sqlite":
        # Lock the rows in one order, so two batches over the same users cannot deadlock.
        # (SQLite needs no row locks: the transaction began IMMEDIATE, it is the only writer.)
        await session.execute(select(User.id).where(User.id.in_(totals)).order_by(User.id).with_for_update())
    by_total: dict[Decimal, list[int]] = {}
    for uid, total in totals.items():
        by_total.setdefault(total, []).append(uid)
    after: dict[int, Decimal] = {}
    for total, user_ids in by_total.items():
        rows = await session.execute(
            update(User)
            .where(User.id.in_(user_ids), User.balance >= float(total))
            .values(balance=_rounded(User.balance - float(total)))
            .returning(User.id, User.balance)
        )
        after.update((uid, to_money(b)) for uid, b in rows.all())
    charged = [i for g in groups if debits[g[0]].user_id in after for i in g]
    if charged:
        tx_ids = await _record_many(session, [debits[i] for i in charged])
        balance = {uid: after[uid] + totals[uid] for uid in after}  # before this pass
        for i, tx_id in zip(charged, tx_ids, strict=True):  # in order within each user
            balance[debits[i].user_id] -= debits[i].amount
            results[i] = LedgerEntry(tx_id, balance[debits[i].user_id])
    refused = [g[0] for g in groups if len(g) == 1 and debits[g[0]].user_id not in after]
    if refused:
        current = dict(
            (
                await session.execute(
                    select(User.id, User.balance).where(User.id.in_({debits[i].user_id for i in refused}))
                )
            ).all()
        )
        for i in refused:
            uid = debits[i].user_id
            results[i] = (
                InsufficientFunds(to_money(current[uid]), debits[i].amount)
                if uid in current
                else UserNotFound(f"user {uid} not found")
            )
    return [g for g in groups if len(g) > 1 and debits[g[0]].user_id not in after]


async def _record_many(session: AsyncSession, debits: Sequence[Debit]) -> list[int]:
    rows = [
        {
            "user_id": d.user_id,
            "amount": float(-d.amount),
            "description": d.description[:255],
            "prediction_id": d.prediction_id,
            "kind": d.kind,
            "payment_id": d.payment_id,
            "idempotency_key": d.idempotency_key,
            "params": dict(d.params) if d.params else None,
            "created_at": utcnow(),
        }
        for d in debits
    ]
    # Rows are told apart by user (a round charges one debit per user), else by prediction (a
    # user's debits taken together are a batch's runs, one charge each).
    return await insert_ids(session, _TRANSACTIONS, rows, match=("user_id", "prediction_id"))


async def increase_balance(
    session: AsyncSession,
    user_id: int,
    amount: float | int | str | Decimal,
    description: str,
    *,
    prediction_id: int | None = None,
    kind: str = TxKind.OTHER,
    payment_id: int | None = None,
    idempotency_key: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> LedgerEntry:
    """Add `amount` to the user's balance (never past MAX_BALANCE). With an `idempotency_key`,
    a second credit under the same key fails on the unique index (IntegrityError). `params`: as
    for deduct_balance."""
    amt = validate_amount(amount)
    new_balance = await session.scalar(
        update(User)
        .where(User.id == user_id, User.balance <= float(MAX_BALANCE - amt))
        .values(balance=_rounded(User.balance + float(amt)))
        .returning(User.balance)
    )
    if new_balance is None:
        raise BalanceLimitExceeded(await _current_balance(session, user_id), amt, MAX_BALANCE)
    tx_id = await _record(
        session, user_id, amt, description, prediction_id, kind, payment_id, idempotency_key, params
    )
    return LedgerEntry(tx_id, to_money(new_balance))


@dataclass(frozen=True, slots=True)
class Discrepancy:
    user_id: int
    balance: Decimal
    ledger_sum: Decimal


@dataclass(frozen=True, slots=True)
class PaymentDiscrepancy:
    payment_id: int
    status: str
    detail: str


async def reconcile(session: AsyncSession) -> list[Discrepancy | PaymentDiscrepancy]:
    """Users whose balance is not exactly the sum of their transactions, and Stars payments whose
    ledger rows disagree with their status (empty when all is well).

    Sums are done in Decimal over the exact cents of each row, so nothing is hidden by float
    rounding; a balance or amount that is not a whole number of cents is reported too.
    """
    out: list[Discrepancy | PaymentDiscrepancy] = []
    out.extend(await _user_discrepancies(session))
    out.extend(await _payment_discrepancies(session))
    return out


async def _user_discrepancies(session: AsyncSession) -> list[Discrepancy]:
    balances = {uid: b for uid, b in (await session.execute(select(User.id, User.balance))).all()}
    sums: dict[int, Decimal] = dict.fromkeys(balances, Decimal(0))
    bad_rows: set[int] = set()
    for uid, amount in (await session.execute(select(Transaction.user_id, Transaction.amount))).all():
        exact = Decimal(repr(amount))
        if exact != exact.quantize(CENT):
            bad_rows.add(uid)
        sums[uid] = sums.get(uid, Decimal(0)) + exact
    out = []
    for uid, balance in balances.items():
        exact_balance = Decimal(repr(balance))
        if uid in bad_rows or exact_balance != sums[uid]:
            out.append(Discrepancy(uid, exact_balance, sums[uid]))
    return out


# What a payment's ledger rows must add up to, by its status: the credits it brought, or nothing
# once its Stars are (being) returned.
_KEEPS_CREDITS = {PaymentStatus.CREDITED: True, PaymentStatus.REFUND_FAILED: True}


async def _payment_discrepancies(session: AsyncSession) -> list[PaymentDiscrepancy]:
    """The per-payment invariant. A payment that credited `c` has one top-up row of +c; each
    refund round takes -c back once; each refused round restores +c once. So the rows sum to +c
    while the payment keeps its credits (credited, refund_failed) and to 0 while its Stars are
    being or have been returned (refund_pending, refunded); a payment that credited nothing (an
    invoice paid twice) has no rows at all."""
    rows: dict[int, list[tuple[str, Decimal]]] = {}
    for pid, kind, amount in (
        await session.execute(
            select(Transaction.payment_id, Transaction.kind, Transaction.amount).where(
                Transaction.payment_id.is_not(None)
            )
        )
    ).all():
        if pid is not None:
            rows.setdefault(pid, []).append((kind, Decimal(repr(amount))))
    out = []
    payments = await session.execute(
        select(Payment.id, Payment.status, Payment.credits, Payment.refund_round, Payment.refunded_outside_at)
    )
    for pid, status, credits, rounds_, outside in payments.all():
        c = Decimal(repr(credits))
        mine = rows.pop(pid, [])
        kinds = [k for k, _ in mine]
        takes, restores = kinds.count(TxKind.TOPUP_REFUND), kinds.count(TxKind.TOPUP_REFUND_REVERTED)
        returning = status in (PaymentStatus.REFUND_PENDING, PaymentStatus.REFUNDED)
        problems = []
        if status not in _KEEPS_CREDITS and not returning:
            problems.append(f"unknown status {status!r}")
        if c > 0:
            expected = {
                (TxKind.TOPUP, c): 1,
                (TxKind.TOPUP_REFUND, -c): rounds_,
                (TxKind.TOPUP_REFUND_REVERTED, c): max(rounds_ - 1, 0) if returning else rounds_,
            }
            if returning and rounds_ < 1:
                problems.append("being refunded, but its credits were never taken back")
            if status == PaymentStatus.CREDITED and rounds_:
                problems.append(f"credited after {rounds_} refund round(s)")
        else:
            expected = {}
        found: dict[tuple[str, Decimal], int] = {}
        for entry in mine:
            found[entry] = found.get(entry, 0) + 1
        if {k: v for k, v in expected.items() if v} != found:
            problems.append(
                f"rows {sorted(found.items())} but {sorted(expected.items())} expected "
                f"(took back {takes}, restored {restores}, round {rounds_})"
            )
        net = sum((entry[1] for entry in mine), Decimal(0))
        if net != (c if not returning else Decimal(0)):
            problems.append(f"its rows sum to {net}")
        if outside is not None and not returning and c > 0:
            problems.append("Telegram returned its Stars outside the bot, and its credits are kept")
        if problems:
            out.append(PaymentDiscrepancy(pid, status, "; ".join(problems)))
    for pid in rows:  # rows naming a payment that does not exist (a foreign key prevents it)
        out.append(PaymentDiscrepancy(pid, "missing", "ledger rows for an unknown payment"))
    return out
