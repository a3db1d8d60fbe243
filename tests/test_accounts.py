"""Accounts: registration with a ledgered welcome credit, sign-in with a throttle, disabling,
clear errors; no password is hashed or checked while a transaction is open."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import accounts
from db.accounts import BadCredentials, LoginBlocked, LoginLimits, Passwords
from db.errors import AccountError, UserNotFound
from db.models import LoginThrottle, User
from services.accounts import SignIn, create_account, sign_in
from tests.helpers import assert_reconciled, transactions_of
from tests.password_probe import ProbingPasswords

PASSWORD = "s3cret-pass"
SF = async_sessionmaker[AsyncSession]


@pytest.fixture
def probe(db_url: str) -> ProbingPasswords:
    return ProbingPasswords(db_url)


async def _register(sf: SF, passwords: Passwords, **kw: object) -> User:
    args: dict[str, object] = dict(
        telegram_id=111, username="alice", email="Alice@Example.com", password=PASSWORD, passwords=passwords
    )
    args.update(kw)
    return await create_account(sf, **args)  # type: ignore[arg-type]


async def _sign_in(sf: SF, passwords: Passwords, **kw: object) -> SignIn:
    args: dict[str, object] = dict(
        telegram_id=999, email="alice@example.com", password=PASSWORD, passwords=passwords
    )
    args.update(kw)
    return await sign_in(sf, **args)  # type: ignore[arg-type]


async def _users(sf: SF) -> list[User]:
    async with sf() as s:
        return list((await s.scalars(select(User).order_by(User.id))).all())


async def test_register_records_the_welcome_credit(session_factory: SF, passwords: Passwords) -> None:
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


async def test_welcome_amount_is_configurable(session_factory: SF, passwords: Passwords) -> None:
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
    session_factory: SF, probe: ProbingPasswords, field: str, value: str, code: str
) -> None:
    with pytest.raises(AccountError) as err:
        await _register(session_factory, probe, **{field: value})
    assert err.value.code == code
    assert err.value.field == field
    assert await _users(session_factory) == []
    assert probe.hashes == 0  # refused before any hashing


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        (dict(telegram_id=111, username="carol", email="carol@example.com"), "telegram_taken"),
        (dict(telegram_id=222, username="ALICE", email="carol@example.com"), "username_taken"),
        (dict(telegram_id=222, username="carol", email="alice@EXAMPLE.com"), "email_taken"),
    ],
)
async def test_duplicates_are_clear_errors(
    session_factory: SF, probe: ProbingPasswords, kw: dict[str, object], code: str
) -> None:
    await _register(session_factory, probe)
    with pytest.raises(AccountError) as err:
        await _register(session_factory, probe, **kw)
    assert err.value.code == code
    assert probe.hashes == 1  # the duplicate is refused before its hash
    assert len(await _users(session_factory)) == 1
    await assert_reconciled(session_factory)


class RacingPasswords(ProbingPasswords):
    """Runs `meanwhile` (once) while the first hash or verification is in progress."""

    def __init__(self, db_url: str, meanwhile: Callable[[], Awaitable[None]]) -> None:
        super().__init__(db_url)
        self.meanwhile: Callable[[], Awaitable[None]] | None = meanwhile

    async def _probe(self, what: str) -> None:
        await super()._probe(what)
        if self.meanwhile is not None:
            job, self.meanwhile = self.meanwhile, None
            await job()  # a write of its own: it could not run if the caller held a transaction


@pytest.mark.parametrize(
    ("other", "code"),
    [
        (dict(telegram_id=111, username="carol", email="carol@example.com"), "telegram_taken"),
        (dict(telegram_id=222, username="Alice", email="carol@example.com"), "username_taken"),
        (dict(telegram_id=222, username="carol", email="alice@example.com"), "email_taken"),
    ],
)
async def test_taken_while_hashing_is_the_same_clear_error(
    session_factory: SF, passwords: Passwords, db_url: str, other: dict[str, object], code: str
) -> None:
    async def someone_else_registers() -> None:
        await _register(session_factory, passwords, **other)

    racing = RacingPasswords(db_url, someone_else_registers)
    with pytest.raises(AccountError) as err:
        await _register(session_factory, racing)
    assert err.value.code == code
    assert racing.held == []
    [only] = await _users(session_factory)
    assert only.email == other["email"]
    await assert_reconciled(session_factory)


async def test_no_transaction_is_open_while_hashing_or_verifying(
    session_factory: SF, probe: ProbingPasswords
) -> None:
    await _register(session_factory, probe)
    with pytest.raises(BadCredentials):
        await _sign_in(session_factory, probe, password="wrong-pass1")
    with pytest.raises(BadCredentials):
        await _sign_in(session_factory, probe, email="nobody@example.com")  # the dummy check
    await _sign_in(session_factory, probe)
    assert probe.hashes >= 2 and probe.verifications == 3
    assert probe.held == []


async def test_the_probe_sees_a_hash_inside_a_transaction(
    session_factory: SF, probe: ProbingPasswords
) -> None:
    # what the bot did before: a SELECT opened the transaction, then the hash ran inside it
    async with session_factory() as s, s.begin():
        await s.execute(select(User.id).limit(1))
        await probe.hash(PASSWORD)
    assert len(probe.held) == 1


async def test_the_seeding_register_hashes_before_its_transaction_takes_a_lock(
    session_factory: SF, probe: ProbingPasswords
) -> None:
    async with session_factory() as s, s.begin():
        user = await accounts.register(
            s, telegram_id=1, username="seed", email="seed@example.com", password=PASSWORD, passwords=probe
        )
    assert user.balance == 10.0 and probe.held == []
    await assert_reconciled(session_factory)


async def test_sign_in_links_the_account_and_names_the_previous_telegram_account(
    session_factory: SF, passwords: Passwords
) -> None:
    user = await _register(session_factory, passwords)
    signed = await _sign_in(session_factory, passwords, email=" ALICE@example.com ")
    assert signed.user.id == user.id and signed.user.telegram_id == 999
    assert signed.previous_telegram_id == 111
    async with session_factory() as s:
        assert await accounts.get_by_telegram_id(s, 111) is None
        found = await accounts.get_by_telegram_id(s, 999)
        assert found is not None and found.id == user.id
    again = await _sign_in(session_factory, passwords)  # from the same Telegram account: nobody to tell
    assert again.previous_telegram_id is None
    unlinked = await _register(
        session_factory, passwords, telegram_id=None, username="web", email="web@example.com"
    )
    first = await _sign_in(session_factory, passwords, telegram_id=5, email="web@example.com")
    assert first.user.id == unlinked.id and first.previous_telegram_id is None


@pytest.mark.parametrize(
    ("email", "password"),
    [("alice@example.com", "wrong-pass1"), ("nobody@example.com", PASSWORD), ("garbage", PASSWORD)],
)
async def test_sign_in_refuses_bad_credentials_alike(
    session_factory: SF, passwords: Passwords, email: str, password: str
) -> None:
    await _register(session_factory, passwords)
    with pytest.raises(BadCredentials) as err:
        await _sign_in(session_factory, passwords, telegram_id=5, email=email, password=password)
    # the same answer whether the email exists or not: no account enumeration
    assert err.value.code == "bad_credentials" and err.value.retry_after is None
    assert str(err.value) == "wrong email or password"


async def test_sign_in_refuses_a_telegram_id_of_another_account(
    session_factory: SF, passwords: Passwords
) -> None:
    await _register(session_factory, passwords)
    await _register(session_factory, passwords, telegram_id=222, username="bob", email="bob@example.com")
    with pytest.raises(AccountError) as err:
        await _sign_in(session_factory, passwords, telegram_id=222)
    assert err.value.code == "telegram_taken"


async def test_disabled_or_taken_while_the_password_is_checked(
    session_factory: SF, passwords: Passwords, db_url: str
) -> None:
    user = await _register(session_factory, passwords)

    async def admin_disables() -> None:
        async with session_factory() as s, s.begin():
            await accounts.set_disabled(s, user.id, True)

    with pytest.raises(AccountError) as err:
        await _sign_in(session_factory, RacingPasswords(db_url, admin_disables))
    assert err.value.code == "disabled"
    async with session_factory() as s, s.begin():
        await accounts.set_disabled(s, user.id, False)

    async def someone_registers_from_that_phone() -> None:
        await _register(session_factory, passwords, telegram_id=999, username="bob", email="bob@example.com")

    racing = RacingPasswords(db_url, someone_registers_from_that_phone)
    with pytest.raises(AccountError) as err:
        await _sign_in(session_factory, racing)
    assert err.value.code == "telegram_taken" and racing.held == []
    alice, bob = await _users(session_factory)
    assert (alice.telegram_id, bob.telegram_id) == (111, 999)  # nothing moved


async def test_disable_and_enable(session_factory: SF, passwords: Passwords) -> None:
    user = await _register(session_factory, passwords)
    async with session_factory() as s, s.begin():
        await accounts.set_disabled(s, user.id, True)
    async with session_factory() as s:
        assert (await s.get(User, user.id)).disabled is True  # type: ignore[union-attr]
    with pytest.raises(AccountError) as err:
        await _sign_in(session_factory, passwords, telegram_id=5)
    assert err.value.code == "disabled"
    async with session_factory() as s, s.begin():
        await accounts.set_disabled(s, user.id, False)
    async with session_factory() as s, s.begin():
        assert (await s.get(User, user.id)).disabled is False  # type: ignore[union-attr]
        with pytest.raises(UserNotFound):
            await accounts.set_disabled(s, 12345, True)


# -- the login throttle --------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, 12, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_the_back_off_doubles_up_to_an_hour() -> None:
    limits = LoginLimits()
    assert [limits.block_for(n) for n in range(1, 5)] == [None] * 4
    waits = [limits.block_for(n) for n in range(5, 15)]
    assert [w.total_seconds() if w else None for w in waits] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
        3600,
    ]
    assert limits.block_for(10_000) == timedelta(hours=1)


async def test_wrong_passwords_block_the_telegram_account_with_a_growing_back_off(
    session_factory: SF, probe: ProbingPasswords
) -> None:
    await _register(session_factory, probe)
    clock = Clock()
    for attempt in range(1, 6):
        with pytest.raises(BadCredentials) as err:
            await _sign_in(session_factory, probe, password=f"wrong-{attempt}", clock=clock)
        assert err.value.retry_after == (30 if attempt == 5 else None)  # the 5th failure blocks
    checked = probe.verifications
    for _ in range(3):  # blocked, even with the right password: nothing is checked at all
        with pytest.raises(LoginBlocked) as blocked:
            await _sign_in(session_factory, probe, clock=clock)
        assert blocked.value.code == "login_blocked"
        clock.advance(10)
    assert probe.verifications == checked
    assert blocked.value.retry_after == 10  # 30 s, less 2 times 10 s
    clock.advance(0.5)
    with pytest.raises(BadCredentials) as err:
        await _sign_in(session_factory, probe, password="wrong-6", clock=clock)
    assert err.value.retry_after == 60  # the next failure blocks twice as long
    clock.advance(59)
    with pytest.raises(LoginBlocked) as blocked:
        await _sign_in(session_factory, probe, clock=clock)
    assert blocked.value.retry_after == 1
    clock.advance(1)
    signed = await _sign_in(session_factory, probe, clock=clock)
    assert signed.user.telegram_id == 999
    async with session_factory() as s:  # a success clears both keys
        assert await s.scalar(select(func.count()).select_from(LoginThrottle)) == 0
    assert probe.held == []


async def test_an_email_is_blocked_whichever_telegram_accounts_try_it(
    session_factory: SF, probe: ProbingPasswords
) -> None:
    await _register(session_factory, probe)
    clock = Clock()
    for tg in range(1, 6):
        with pytest.raises(BadCredentials):
            await _sign_in(session_factory, probe, telegram_id=tg, password="wrong-pass1", clock=clock)
    checked = probe.verifications
    with pytest.raises(LoginBlocked):
        await _sign_in(session_factory, probe, telegram_id=77, clock=clock)
    assert probe.verifications == checked
    # the emails typed are kept as hashes only
    async with session_factory() as s:
        keys = list((await s.scalars(select(LoginThrottle.key))).all())
    assert len(keys) == 6 and not any("alice" in k or "example" in k for k in keys)
    assert accounts.throttle_keys(1, "alice@example.com")[1] in keys


async def test_a_telegram_account_is_blocked_whichever_emails_it_tries(
    session_factory: SF, probe: ProbingPasswords
) -> None:
    await _register(session_factory, probe)
    clock = Clock()
    for i in range(5):  # unknown addresses and garbage count as well
        with pytest.raises(BadCredentials):
            await _sign_in(
                session_factory, probe, email=f"guess{i}@example.com" if i else "junk", clock=clock
            )
    with pytest.raises(LoginBlocked):
        await _sign_in(session_factory, probe, clock=clock)  # even the right email and password
    clock.advance(30)
    signed = await _sign_in(session_factory, probe, clock=clock)
    assert signed.user.username == "alice"


async def test_attempts_at_the_same_time_get_no_more_checks_than_the_limit(
    session_factory: SF, probe: ProbingPasswords
) -> None:
    await _register(session_factory, probe)
    results = await asyncio.gather(
        *(_sign_in(session_factory, probe, telegram_id=tg, password="wrong-pass1") for tg in range(1, 11)),
        return_exceptions=True,
    )
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["BadCredentials"] * 5 + ["LoginBlocked"] * 5
    assert probe.verifications == 5  # each attempt is counted before its check, not after


async def test_failures_long_ago_are_forgotten(session_factory: SF, passwords: Passwords) -> None:
    await _register(session_factory, passwords)
    clock = Clock()
    for _ in range(4):
        with pytest.raises(BadCredentials):
            await _sign_in(session_factory, passwords, password="wrong-pass1", clock=clock)
    clock.advance(timedelta(days=2).total_seconds())
    with pytest.raises(BadCredentials) as err:
        await _sign_in(session_factory, passwords, password="wrong-pass1", clock=clock)
    assert err.value.retry_after is None  # counted from one again, not a 5th failure


class WatchedHasher(PasswordHasher):
    """Notes, from inside the hashing threads, how many run at once, and their names and nice."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.threads: set[tuple[str, int]] = set()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            nice = (
                os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) if sys.platform == "linux" else 0
            )
            self.threads.add((threading.current_thread().name, nice))
        try:
            time.sleep(0.01)  # overlap with the others, if they were allowed to run at once
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


async def test_hashes_run_in_their_own_low_priority_threads_a_few_at_a_time() -> None:
    hasher = WatchedHasher()
    passwords = Passwords(hasher, threads=1)
    hashed = await passwords.hash(PASSWORD)
    results = await asyncio.gather(*(passwords.verify(hashed, p) for p in [PASSWORD, "wrong-1"] * 4))
    assert results == [True, False] * 4
    assert hasher.most == 1  # one at a time: the other core stays free for paid runs
    names = {name for name, _ in hasher.threads}
    assert len(names) == 1 and names.pop().startswith("passwords")  # not the loop's default executor
    if sys.platform == "linux":
        assert {nice for _, nice in hasher.threads} == {accounts.HASHING_NICE}
    assert 1 <= accounts.hashing_threads() <= 4
