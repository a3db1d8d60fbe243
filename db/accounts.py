"""Accounts: register a Telegram user, link an existing account, disable/enable.

Passwords are hashed with Argon2id (argon2-cffi), off the event loop; they are never stored,
logged or echoed in clear. Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.instrumentation import manager_of_class

from db.errors import AccountError, UserNotFound
from db.ledger import increase_balance
from db.models import TxKind, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{2,31}$")
PASSWORD_MIN = 8
PASSWORD_MAX = 128
WELCOME_DESCRIPTION = "Welcome bonus"
_USERS = manager_of_class(User)


@dataclass(slots=True)
class Passwords:
    """Password hashing policy; tests pass a cheaper (still Argon2id) hasher."""

    hasher: PasswordHasher
    _dummy_hash: str | None = field(default=None, repr=False)

    @classmethod
    def default(cls) -> Passwords:
        return cls(PasswordHasher())

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, hashed: str, password: str) -> bool:
        def _verify() -> bool:
            try:
                return self.hasher.verify(hashed, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(_verify)

    async def burn(self, password: str) -> None:
        """Spend a verification's time on an unknown account, so timing tells nothing."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash("not-a-real-password-0")
        await self.verify(self._dummy_hash, password)


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
    """Create an account with its welcome credit recorded in the ledger."""
    username = normalize_username(username)
    email = normalize_email(email)
    check_password(password)
    if telegram_id is not None and await get_by_telegram_id(session, telegram_id) is not None:
        raise AccountError("telegram_taken", "this Telegram account is already registered")
    if await username_taken(session, username):
        raise AccountError("username_taken", f"username {username!r} is taken", "username")
    if await email_taken(session, email):
        raise AccountError("email_taken", "an account with this email exists", "email")

    user = User(
        username=username,
        email=email,
        hashed_password=await passwords.hash(password),
        balance=0.0,  # the welcome credit arrives through the ledger, below
        telegram_id=telegram_id,
        language=language,
    )
    try:
        async with session.begin_nested():  # a race on a unique column fails this part only
            session.add(user)
    except IntegrityError:
        raise AccountError("duplicate", "username, email or Telegram account already taken") from None
    if Decimal(str(welcome_credits)) > 0:
        await increase_balance(session, user.id, welcome_credits, WELCOME_DESCRIPTION, kind=TxKind.WELCOME)
        await session.refresh(user, ["balance"])
    return user


async def link_telegram(
    session: AsyncSession,
    *,
    telegram_id: int,
    email: str,
    password: str,
    passwords: Passwords,
) -> User:
    """Attach `telegram_id` to the account with this email and password."""
    try:
        email = normalize_email(email)
    except AccountError:
        raise AccountError("bad_credentials", "wrong email or password") from None
    user = await session.scalar(select(User).where(User.email == email))
    if user is None:
        await passwords.burn(password)  # same cost as a real check: no account enumeration
        raise AccountError("bad_credentials", "wrong email or password")
    if not await passwords.verify(user.hashed_password, password):
        raise AccountError("bad_credentials", "wrong email or password")
    if user.disabled:
        raise AccountError("disabled", "this account is disabled")
    if user.telegram_id == telegram_id:
        return user
    other = await get_by_telegram_id(session, telegram_id)
    if other is not None:
        raise AccountError("telegram_taken", "this Telegram account is already linked to another account")
    user.telegram_id = telegram_id
    await session.flush()
    return user


async def set_disabled(session: AsyncSession, user_id: int, disabled: bool) -> None:
    result = await session.execute(update(User).where(User.id == user_id).values(disabled=disabled))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise UserNotFound(f"user {user_id} not found")
