"""Accounts: registration, login, language, balance and history.

Registration and /login hash a password, which must fall *between* transactions: an Argon2 hash
is ~100 ms of CPU and 64 MiB, and on SQLite every transaction holds the one write lock (BEGIN
IMMEDIATE on the one pooled connection), so a hash inside a transaction would stall every other
write of the bot (a paid run took ~10x longer behind one login attempt). They read in one short
transaction, hash with none open, and write in a second short one that re-checks what may have
changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import accounts, queries
from db.accounts import BadCredentials, LoginBlocked, LoginLimits, Passwords
from db.errors import AccountError
from db.ledger import to_money
from db.models import Prediction, Transaction, User, utcnow
from db.queries import BatchSummary, HistoryItem, LedgerLine, Switch

SessionFactory = async_sessionmaker[AsyncSession]
T = TypeVar("T")

# User: the user a handler sees, a detached snapshot of their row, read once per update by the
# context middleware. Read-only: a change goes through a service method.
__all__ = [
    "AccountError",
    "Accounts",
    "BadCredentials",
    "Balance",
    "BatchPage",
    "BatchSummary",
    "HistoryItem",
    "LedgerLine",
    "LoginBlocked",
    "Page",
    "PredictionDetail",
    "SignIn",
    "Switch",
    "Taken",
    "Transaction",
    "User",
    "create_account",
    "sign_in",
]


@dataclass(frozen=True, slots=True)
class SignIn:
    """A successful /login: the account, and the Telegram account it was linked to until now
    (None if none, or the same one), which should be told."""

    user: User
    previous_telegram_id: int | None


class Taken(AccountError):
    """A username or email someone else has; `value` is it, normalised."""

    def __init__(self, code: str, value: str, field: str) -> None:
        super().__init__(code, f"{field} is taken", field)
        self.value = value


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list; `page` is counted from 0 and within range."""

    items: list[T]
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class Balance:
    balance: Decimal
    latest: list[LedgerLine]


@dataclass(frozen=True, slots=True)
class BatchPage:
    """A page of the rows of one CSV batch."""

    batch: BatchSummary
    rows: Page[Prediction]


@dataclass(frozen=True, slots=True)
class PredictionDetail:
    prediction: Prediction
    model_name: str
    cost: Decimal  # what it cost in the end: its charge less any refund


def page_of(items: list[T], page: int, pages: int) -> Page[T]:
    return Page(items, max(0, min(page, pages - 1)), pages)


async def create_account(
    session_factory: SessionFactory,
    *,
    telegram_id: int | None,
    username: str,
    email: str,
    password: str,
    passwords: Passwords,
    welcome_credits: Decimal | float = Decimal("10"),
    language: str | None = None,
) -> User:
    """Create an account with its welcome credit recorded in the ledger; commits.

    Check that the names are free (short read), hash with no transaction open, then insert in a
    new transaction that checks again: whatever was taken meanwhile is the same AccountError."""
    username = accounts.normalize_username(username)
    email = accounts.normalize_email(email)
    accounts.check_password(password)
    async with session_factory() as session, session.begin():
        await accounts.check_free(session, telegram_id, username, email)
    hashed = await passwords.hash(password)  # no transaction open: other writes go on meanwhile
    try:
        async with session_factory() as session, session.begin():
            # Taken while we hashed? Checked again here for the precise error, and because the
            # username's uniqueness is case-insensitive, which the unique index is not.
            await accounts.check_free(session, telegram_id, username, email)
            return await accounts.insert_account(
                session,
                telegram_id=telegram_id,
                username=username,
                email=email,
                hashed_password=hashed,
                welcome_credits=welcome_credits,
                language=language,
            )
    except IntegrityError:
        # A concurrent registration (PostgreSQL) committed between our check and our insert.
        async with session_factory() as session, session.begin():
            await accounts.check_free(session, telegram_id, username, email)
        raise AccountError("duplicate", "username, email or Telegram account already taken") from None


def _telegram_taken() -> AccountError:
    return AccountError("telegram_taken", "this Telegram account is already linked to another account")


async def sign_in(
    session_factory: SessionFactory,
    *,
    telegram_id: int,
    email: str,
    password: str,
    passwords: Passwords,
    limits: LoginLimits | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> SignIn:
    """Link `telegram_id` to the account with this email and password; commits.

    Raises LoginBlocked (no password checked), BadCredentials, or AccountError "disabled" or
    "telegram_taken". The attempt is counted and the account read in one short transaction, the
    password verified with none open, and the link written in another that re-checks the account."""
    limits = limits or LoginLimits()
    try:
        email = accounts.normalize_email(email)
        valid = True
    except AccountError:
        email, valid = email.strip().lower(), False
    keys = accounts.throttle_keys(telegram_id, email)
    async with session_factory() as session, session.begin():
        # LoginBlocked: rolled back, nothing counted
        blocks_at = await accounts.take_login_attempt(session, keys, clock(), limits)
        row = await accounts.password_row(session, email) if valid else None

    # No transaction open from here to the write below: the check may take its time.
    ok = False
    if row is not None:
        ok = await passwords.verify(row[1], password)
    elif valid:
        await passwords.burn(password)  # same cost as a real check: no account enumeration
    if row is None or not ok:
        raise BadCredentials(accounts.whole_seconds(blocks_at - clock()) if blocks_at else None)
    user_id, hashed = row

    try:
        async with session_factory() as session, session.begin():
            user = await accounts.lock_user(session, user_id)
            if user is None or user.email != email or user.hashed_password != hashed:
                raise BadCredentials()  # changed while we checked: that password is not it any more
            if user.disabled:
                raise AccountError("disabled", "this account is disabled")
            await accounts.clear_login_attempts(session, keys)
            previous = user.telegram_id
            if previous == telegram_id:
                return SignIn(user, None)
            if await accounts.get_by_telegram_id(session, telegram_id) is not None:
                raise _telegram_taken()
            await accounts.link_telegram(session, user, telegram_id)
            return SignIn(user, previous)
    except IntegrityError:  # linked to another account meanwhile (the unique index says so)
        raise _telegram_taken() from None


class Accounts:
    """Registration, /login, language, balance and history of the Telegram user."""

    def __init__(
        self,
        sessions: SessionFactory,
        passwords: Passwords,
        welcome_credits: Decimal,
        limits: LoginLimits | None = None,
    ) -> None:
        self._sessions = sessions
        self._passwords = passwords
        self.welcome_credits = welcome_credits
        self._limits = limits

    # -- registration and /login, pure checks of what the user typed ----------------------------

    @staticmethod
    def suggest_username(name: str | None) -> str | None:
        """The Telegram username as an account name, if it is a valid one."""
        if not name:
            return None
        try:
            return accounts.normalize_username(name)
        except AccountError:
            return None

    @staticmethod
    def check_password(password: str) -> None:
        """AccountError "weak_password" / "long_password" if it will not do."""
        accounts.check_password(password)

    @staticmethod
    def login_email(raw: str) -> str:
        """The email typed at /login, normalised; AccountError "bad_email" if it is none."""
        return accounts.normalize_email(raw)

    async def free_username(self, raw: str) -> str:
        """The username, normalised, if valid (AccountError "bad_username") and free (Taken)."""
        username = accounts.normalize_username(raw)
        async with self._sessions() as session, session.begin():
            taken = await accounts.username_taken(session, username)
        if taken:
            raise Taken("username_taken", username, "username")
        return username

    async def free_email(self, raw: str) -> str:
        """The email, normalised, if valid (AccountError "bad_email") and free (Taken)."""
        email = accounts.normalize_email(raw)
        async with self._sessions() as session, session.begin():
            taken = await accounts.email_taken(session, email)
        if taken:
            raise Taken("email_taken", email, "email")
        return email

    async def register(
        self, *, telegram_id: int, username: str, email: str, password: str, language: str | None
    ) -> User:
        """A new account for this Telegram account, with its welcome credit; AccountError if a
        name or the Telegram account was taken meanwhile (`field` says which input)."""
        return await create_account(
            self._sessions,
            telegram_id=telegram_id,
            username=username,
            email=email,
            password=password,
            passwords=self._passwords,
            welcome_credits=self.welcome_credits,
            language=language,
        )

    async def sign_in(self, *, telegram_id: int, email: str, password: str) -> SignIn:
        """Move the account with this email and password to this Telegram account (see `sign_in`)."""
        return await sign_in(
            self._sessions,
            telegram_id=telegram_id,
            email=email,
            password=password,
            passwords=self._passwords,
            limits=self._limits,
        )

    # -- the signed-in user -------------------------------------------------------------------

    async def refresh(self, user: User) -> User:
        """Re-read the user's row into the snapshot (a balance changed by another update)."""
        async with self._sessions() as session, session.begin():
            await accounts.refresh_user(session, user)
        return user

    async def set_language(self, user: User, language: str) -> None:
        async with self._sessions() as session, session.begin():
            await queries.set_language(session, user.id, language)
        user.language = language

    async def set_switch(self, user: User, switch: Switch, on: bool) -> None:
        """A /settings switch: "notifications" (low-balance reminders and broadcasts; receipts
        and account notices go regardless) or "pictures" (charts with results; the text result
        is sent either way)."""
        async with self._sessions() as session, session.begin():
            await queries.set_switch(session, user.id, switch, on)
        setattr(user, switch, on)

    async def balance(self, user: User, latest: int) -> Balance:
        """The user's balance (re-read into the snapshot) and their latest ledger lines (a CSV
        batch is one)."""
        async with self._sessions() as session, session.begin():
            await accounts.refresh_user(session, user)
            lines, _ = await queries.user_ledger(session, user.id, 0, latest)
        return Balance(to_money(user.balance), lines)

    async def transactions(self, user_id: int, page: int) -> Page[LedgerLine]:
        """A page of the user's ledger, newest first (a CSV batch is one line)."""
        async with self._sessions() as session, session.begin():
            lines, pages = await queries.user_ledger(session, user_id, page)
        return page_of(lines, page, pages)

    async def predictions(self, user_id: int, page: int) -> Page[HistoryItem]:
        """A page of the user's history, newest first: predictions with their model's name, and
        CSV batches (one item each)."""
        async with self._sessions() as session, session.begin():
            items, pages = await queries.user_history(session, user_id, page)
        return page_of(items, page, pages)

    async def batch(self, user_id: int, first_id: int, page: int) -> BatchPage | None:
        """A page of the rows of the user's CSV batch whose first prediction is `first_id` (any
        integer a client sends), or None."""
        async with self._sessions() as session, session.begin():
            found = await queries.batch_rows(session, user_id, first_id, page)
        if found is None:
            return None
        summary, rows, pages = found
        return BatchPage(summary, page_of(rows, page, pages))

    async def prediction(self, user_id: int, prediction_id: int) -> PredictionDetail | None:
        """The user's prediction with this id (any integer a client sends), or None."""
        async with self._sessions() as session, session.begin():
            found = await queries.user_prediction(session, user_id, prediction_id)
            amounts = await queries.prediction_charges(session, prediction_id) if found else []
        if found is None:
            return None
        cost = -sum((to_money(a) for a in amounts), to_money(0))
        return PredictionDetail(found[0], found[1], cost)
