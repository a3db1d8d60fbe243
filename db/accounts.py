"""Accounts SQL: users by Telegram id, name and email checks, the insert of a new account with
its ledgered welcome credit, the sign-in throttle, the Telegram link, disable/enable; and the
password hashing policy (`Passwords`).

Passwords are hashed with Argon2id (argon2-cffi), off the event loop; they are never stored,
logged or echoed in clear.

Queries here take a session and never commit: the caller owns the transaction. The use cases
that hash (registration and /login, in services/accounts.py) run the hash *between* their
transactions, never inside one: an Argon2 hash is ~100 ms of CPU and 64 MiB, and on SQLite every
transaction holds the one write lock (BEGIN IMMEDIATE on the one pooled connection).

Sign-in attempts are counted per email (by its hash: strangers' emails are not stored) and per
Telegram account in `login_throttle`, before the password is checked (a success clears both);
past a few, the key is blocked with a growing back-off, and a blocked attempt is refused before
any hash is computed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Table, case, delete, func, inspect, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.instrumentation import manager_of_class

from db.errors import AccountError, UserNotFound
from db.ledger import increase_balance
from db.models import LoginThrottle, TxKind, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{2,31}$")
PASSWORD_MIN = 8
PASSWORD_MAX = 128
WELCOME_DESCRIPTION = "Welcome bonus"
_USERS = manager_of_class(User)
HASHING_NICE = 10
T = TypeVar("T")


def hashing_threads() -> int:
    """Argon2 checks that may run at once: half the cores (one on two), at most four. Each takes a
    core for ~100 ms and 64 MiB; more at once would take the cores paid runs need (ten logins at
    once made a paid run ~30x slower on two cores, with no transaction involved). Extra checks
    queue: under a storm of logins, logins wait, not paid runs."""
    return max(1, min(4, (os.cpu_count() or 1) // 2))


def _lower_thread_priority() -> None:
    """Hashing threads yield the CPU to everything else (nice 10): a paid run's event loop and
    model threads come first, a login waits a little longer. Linux sets a nice value per thread;
    elsewhere this would change the whole process, so it is left alone."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICE)


@dataclass(slots=True)
class Passwords:
    """Password hashing policy; tests pass a cheaper (still Argon2id) hasher. Hashes run in the
    policy's own threads (`threads` of them), not in the event loop's default executor, which
    aiogram and others use for short blocking calls that must not queue behind hashes."""

    hasher: PasswordHasher
    threads: int = field(default_factory=hashing_threads)
    _dummy_hash: str | None = field(default=None, repr=False)
    _pool: ThreadPoolExecutor | None = field(default=None, repr=False)

    @classmethod
    def default(cls) -> Passwords:
        return cls(PasswordHasher())

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self.threads, thread_name_prefix="passwords", initializer=_lower_thread_priority
            )
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def hash(self, password: str) -> str:
        return await self._run(self.hasher.hash, password)

    async def verify(self, hashed: str, password: str) -> bool:
        def _verify() -> bool:
            try:
                return self.hasher.verify(hashed, password)
            except (VerificationError, InvalidHashError):
                return False

        return await self._run(_verify)

    async def burn(self, password: str) -> None:
        """Spend a verification's time on an unknown account, so timing tells nothing."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash("not-a-real-password-0")
        await self.verify(self._dummy_hash, password)


class BadCredentials(AccountError):
    """Wrong email or password (the same answer for both: no account enumeration).
    `retry_after` (seconds) is set when this failure got the attempt's keys blocked."""

    def __init__(self, retry_after: int | None = None) -> None:
        super().__init__("bad_credentials", "wrong email or password")
        self.retry_after = retry_after


class LoginBlocked(AccountError):
    """Too many wrong passwords for this email or Telegram account: refused without a check."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("login_blocked", f"too many failed sign-in attempts; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How many wrong passwords a key gets for free, and the back-off after that: the Nth
    failure blocks for `first_block`, each further one doubles it, up to `max_block`."""

    free_failures: int = 5
    first_block: timedelta = timedelta(seconds=30)
    max_block: timedelta = timedelta(hours=1)
    forget_after: timedelta = timedelta(days=1)  # a key quiet this long starts again from zero

    def block_for(self, failures: int) -> timedelta | None:
        if failures < self.free_failures:
            return None
        doublings = min(failures - self.free_failures, 20)  # 2**20 times 30 s is far past any cap
        return min(self.first_block * 2**doublings, self.max_block)


def normalize_username(raw: str) -> str:
    name = raw.strip().lstrip("@")
    if not USERNAME_RE.fullmatch(name):
        raise AccountError(
            "bad_username",
            "username must be 3-32 characters: latin letters, digits, '_', '.', '-'",
            "username",
        )
    return name


def normalize_email(raw: str) -> str:
    try:
        info = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError("bad_email", f"invalid email: {exc}", "email") from None
    return info.normalized.lower()


def check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise AccountError(
            "weak_password", f"password must be at least {PASSWORD_MIN} characters", "password"
        )
    if len(password) > PASSWORD_MAX:
        raise AccountError("long_password", f"password must be at most {PASSWORD_MAX} characters", "password")
    if (
        password.strip() != password
        or not any(c.isalpha() for c in password)
        or not any(c.isdigit() for c in password)
    ):
        raise AccountError(
            "weak_password",
            "password needs letters and digits and no leading/trailing spaces",
            "password",
        )


def throttle_keys(telegram_id: int, email: str) -> tuple[str, str]:
    """The `login_throttle` keys of an attempt: its Telegram account, and its (normalised) email
    by a hash, so that the emails strangers type are not stored."""
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"tg:{telegram_id}", f"email:{digest}"


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> User | None:
    return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def user_rows_by_telegram_ids(
    session: AsyncSession, telegram_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """Users rows (column -> value) of these Telegram ids, with one SELECT."""
    rows = await session.execute(
        select(*User.__table__.columns).where(User.telegram_id.in_(set(telegram_ids)))
    )
    return {row.telegram_id: dict(row._mapping) for row in rows}


def detached_user(row: Mapping[str, Any]) -> User:
    """A User built from a row read elsewhere, as if loaded and then detached: it belongs to no
    session until one `add`s it (see `refresh_user`). Filled the way the ORM fills a loaded row
    (no __init__, no change events), a third of the cost of `User(**row)`; built per update."""
    user = _USERS.new_instance()
    instance_dict(user).update(row)
    make_transient_to_detached(user)
    return user


async def refresh_user(session: AsyncSession, user: User) -> None:
    """Re-read the user's row into `user`, attaching it to the session first if needed."""
    if inspect(user).detached:
        session.add(user)
    await session.refresh(user)


async def get_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def username_taken(session: AsyncSession, username: str) -> bool:
    found = await session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    return found is not None


async def email_taken(session: AsyncSession, email: str) -> bool:
    return await session.scalar(select(User.id).where(User.email == email)) is not None


# -- registration ------------------------------------------------------------------------------


async def check_free(session: AsyncSession, telegram_id: int | None, username: str, email: str) -> None:
    if telegram_id is not None and await get_by_telegram_id(session, telegram_id) is not None:
        raise AccountError("telegram_taken", "this Telegram account is already registered")
    if await username_taken(session, username):
        raise AccountError("username_taken", f"username {username!r} is taken", "username")
    if await email_taken(session, email):
        raise AccountError("email_taken", "an account with this email exists", "email")


async def insert_account(
    session: AsyncSession,
    *,
    telegram_id: int | None,
    username: str,
    email: str,
    hashed_password: str,
    welcome_credits: Decimal | float,
    language: str | None,
) -> User:
    user = User(
        username=username,
        email=email,
        hashed_password=hashed_password,
        balance=0.0,  # the welcome credit arrives through the ledger, below
        telegram_id=telegram_id,
        language=language,
    )
    session.add(user)
    await session.flush()
    if Decimal(str(welcome_credits)) > 0:
        await increase_balance(session, user.id, welcome_credits, WELCOME_DESCRIPTION, kind=TxKind.WELCOME)
        await session.refresh(user, ["balance"])
    return user


async def register(
    session: AsyncSession,
    *,
    telegram_id: int | None,
    username: str,
    email: str,
    password: str,
    passwords: Passwords,
    welcome_credits: Decimal | float = Decimal("10"),
    language: str | None = None,
) -> User:
    """Registration inside the caller's transaction, for scripts and tests that seed users.

    It hashes before its first statement, so that in a transaction not used yet (SQLAlchemy
    connects lazily) no lock is held while hashing; the bot uses services/accounts.py."""
    username = normalize_username(username)
    email = normalize_email(email)
    check_password(password)
    hashed = await passwords.hash(password)
    await check_free(session, telegram_id, username, email)
    try:
        async with session.begin_nested():  # a race on a unique column fails this part only
            user = await insert_account(
                session,
                telegram_id=telegram_id,
                username=username,
                email=email,
                hashed_password=hashed,
                welcome_credits=0,
                language=language,
            )
    except IntegrityError:
        raise AccountError("duplicate", "username, email or Telegram account already taken") from None
    if Decimal(str(welcome_credits)) > 0:
        await increase_balance(session, user.id, welcome_credits, WELCOME_DESCRIPTION, kind=TxKind.WELCOME)
        await session.refresh(user, ["balance"])
    return user


# -- /login --------------------------------------------------------------------------------------


def whole_seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _upsert(session: AsyncSession) -> Callable[[Table], SqliteInsert | PgInsert]:
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert


async def take_login_attempt(
    session: AsyncSession, keys: Sequence[str], now: datetime, limits: LoginLimits
) -> datetime | None:
    """Count a sign-in attempt as a failure on each key *before* its password is checked (a
    success clears the keys), so that attempts checked at the same time all count: no key gets
    more checks than its limit allows. Raises LoginBlocked if a key is blocked (the transaction
    must then be rolled back: nothing is counted). Returns until when the keys are blocked from
    now if this attempt turns out wrong (the block is already written), else None.

    One upsert for all keys: attempts at the same time are counted one after another (row
    locks), and the transaction stays as short as it can be."""
    throttle = cast(Table, LoginThrottle.__table__)
    c = throttle.c
    blocked = c.blocked_until > now
    counted = (
        _upsert(session)(throttle)
        .values([{"key": key, "failures": 1, "updated_at": now} for key in keys])
        .on_conflict_do_update(
            index_elements=[c.key],
            set_={
                "failures": case(
                    (blocked, c.failures),  # refused: not counted
                    (c.updated_at < now - limits.forget_after, 1),  # quiet for long: afresh
                    else_=c.failures + 1,
                ),
                "updated_at": case((blocked, c.updated_at), else_=now),
            },
        )
        .returning(c.key, c.failures, c.blocked_until)
    )
    rows = (await session.execute(counted)).all()
    still = [row.blocked_until for row in rows if row.blocked_until is not None and row.blocked_until > now]
    if still:
        raise LoginBlocked(whole_seconds(max(still) - now))
    if_wrong: datetime | None = None
    for row in rows:
        block = limits.block_for(row.failures)
        if block is not None:
            if_wrong = now + block
            await session.execute(update(throttle).where(c.key == row.key).values(blocked_until=if_wrong))
    return if_wrong


async def password_row(session: AsyncSession, email: str) -> tuple[int, str] | None:
    """The id and password hash of the account with this (normalised) email."""
    row = (
        await session.execute(select(User.id, User.hashed_password).where(User.email == email))
    ).one_or_none()
    return None if row is None else (row.id, row.hashed_password)


async def lock_user(session: AsyncSession, user_id: int) -> User | None:
    """The user's row, locked until the transaction ends (PostgreSQL; SQLite's transaction holds
    the one write lock anyway): nobody disables or relinks the account meanwhile."""
    return await session.get(User, user_id, with_for_update=True)


async def clear_login_attempts(session: AsyncSession, keys: Sequence[str]) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


async def link_telegram(session: AsyncSession, user: User, telegram_id: int) -> None:
    """Link the (locked) account to this Telegram account; IntegrityError if another account
    holds it (the unique index)."""
    user.telegram_id = telegram_id
    await session.flush()


async def set_disabled(session: AsyncSession, user_id: int, disabled: bool) -> None:
    result = await session.execute(update(User).where(User.id == user_id).values(disabled=disabled))
    if cast(CursorResult[Any], result).rowcount == 0:
        raise UserNotFound(f"user {user_id} not found")
