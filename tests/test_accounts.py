"""Accounts: registration with a ledgered welcome credit, linking, disabling, clear errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import accounts
from db.accounts import Passwords
from db.errors import AccountError, UserNotFound
from db.models import User
from tests.helpers import assert_reconciled, transactions_of

PASSWORD = "s3cret-pass"


async def _register(sf: async_sessionmaker[AsyncSession], passwords: Passwords, **kw: object) -> User:
    args: dict[str, object] = dict(
        telegram_id=111, username="alice", email="Alice@Example.com", password=PASSWORD, passwords=passwords
    )
    args.update(kw)
    async with sf() as s, s.begin():
        return await accounts.register(s, **args)  # type: ignore[arg-type]


async def test_register_records_the_welcome_credit(
    session_factory: async_sessionmaker[AsyncSession], passwords: Passwords
) -> None:
    user = await _register(session_factory, passwords, telegram_id=8_000_000_001)
    assert user.balance == 10.0
    assert user.email == "alice@example.com"
    assert user.telegram_id == 8_000_000_001
    assert PASSWORD not in user.hashed_password
    assert user.hashed_password.startswith("$argon2id$")
    [tx] = await transactions_of(session_factory, user.id)
    assert (tx.amount, tx.kind, tx.description) == (10.0, "welcome", "Welcome bonus")
    await assert_reconciled(session_factory)
    async with session_factory() as s:
        found = await accounts.get_by_telegram_id(s, 8_000_000_001)
        assert found is not None and found.id == user.id


async def test_welcome_amount_is_configurable(
    session_factory: async_sessionmaker[AsyncSession], passwords: Passwords
) -> None:
    user = await _register(session_factory, passwords, welcome_credits=Decimal("2.5"))
    assert user.balance == 2.5
    zero = await _register(
        session_factory, passwords, telegram_id=2, username="bob", email="bob@example.com", welcome_credits=0
    )
    assert zero.balance == 0 and await transactions_of(session_factory, zero.id) == []
    await assert_reconciled(session_factory)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("username", "ab", "bad_username"),
        ("username", "with space", "bad_username"),
        ("username", "x" * 33, "bad_username"),
        ("username", "имя", "bad_username"),
        ("email", "not-an-email", "bad_email"),
        ("email", "a@b", "bad_email"),
        ("password", "short1", "weak_password"),
        ("password", "onlyletters", "weak_password"),
        ("password", "12345678", "weak_password"),
        ("password", " padded123 ", "weak_password"),
        ("password", "a1" * 65, "long_password"),
    ],
)
async def test_invalid_registration_input(
    session_factory: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    field: str,
    value: str,
    code: str,
) -> None:
    with pytest.raises(AccountError) as err:
        await _register(session_factory, passwords, **{field: value})
    assert err.value.code == code
    assert err.value.field == field
    async with session_factory() as s:
        assert (await s.scalars(select(User))).all() == []


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        (dict(telegram_id=111, username="carol", email="carol@example.com"), "telegram_taken"),
        (dict(telegram_id=222, username="ALICE", email="carol@example.com"), "username_taken"),
        (dict(telegram_id=222, username="carol", email="alice@EXAMPLE.com"), "email_taken"),
    ],
)
async def test_duplicates_are_clear_errors(
    session_factory: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    kw: dict[str, object],
    code: str,
) -> None:
    await _register(session_factory, passwords)
    with pytest.raises(AccountError) as err:
        await _register(session_factory, passwords, **kw)
    assert err.value.code == code
    async with session_factory() as s:
        assert len((await s.scalars(select(User))).all()) == 1
    await assert_reconciled(session_factory)


async def test_link_telegram_by_email_and_password(
    session_factory: async_sessionmaker[AsyncSession], passwords: Passwords
) -> None:
    user = await _register(session_factory, passwords)
    async with session_factory() as s, s.begin():
        linked = await accounts.link_telegram(
            s, telegram_id=999, email=" ALICE@example.com ", password=PASSWORD, passwords=passwords
        )
        assert linked.id == user.id and linked.telegram_id == 999
    async with session_factory() as s:
        assert await accounts.get_by_telegram_id(s, 111) is None
        found = await accounts.get_by_telegram_id(s, 999)
        assert found is not None and found.id == user.id


@pytest.mark.parametrize(
    ("email", "password"),
    [("alice@example.com", "wrong-pass1"), ("nobody@example.com", PASSWORD), ("garbage", PASSWORD)],
)
async def test_link_refuses_bad_credentials_alike(
    session_factory: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    email: str,
    password: str,
) -> None:
    await _register(session_factory, passwords)
    async with session_factory() as s, s.begin():
        with pytest.raises(AccountError) as err:
            await accounts.link_telegram(
                s, telegram_id=5, email=email, password=password, passwords=passwords
            )
    # the same answer whether the email exists or not: no account enumeration
    assert err.value.code == "bad_credentials"
    assert str(err.value) == "wrong email or password"


async def test_link_refuses_a_telegram_id_of_another_account(
    session_factory: async_sessionmaker[AsyncSession], passwords: Passwords
) -> None:
    await _register(session_factory, passwords)
    await _register(session_factory, passwords, telegram_id=222, username="bob", email="bob@example.com")
    async with session_factory() as s, s.begin():
        with pytest.raises(AccountError) as err:
            await accounts.link_telegram(
                s, telegram_id=222, email="alice@example.com", password=PASSWORD, passwords=passwords
            )
    assert err.value.code == "telegram_taken"


async def test_disable_and_enable(
    session_factory: async_sessionmaker[AsyncSession], passwords: Passwords
) -> None:
    user = await _register(session_factory, passwords)
    async with session_factory() as s, s.begin():
        await accounts.set_disabled(s, user.id, True)
    async with session_factory() as s, s.begin():
        assert (await s.get(User, user.id)).disabled is True  # type: ignore[union-attr]
        with pytest.raises(AccountError) as err:
            await accounts.link_telegram(
                s, telegram_id=5, email="alice@example.com", password=PASSWORD, passwords=passwords
            )
        assert err.value.code == "disabled"
        await accounts.set_disabled(s, user.id, False)
    async with session_factory() as s, s.begin():
        assert (await s.get(User, user.id)).disabled is False  # type: ignore[union-attr]
        with pytest.raises(UserNotFound):
            await accounts.set_disabled(s, 12345, True)
