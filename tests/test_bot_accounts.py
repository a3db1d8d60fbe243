"""Registration, sign-in, cancel, menu, help and language through the real Dispatcher."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import SendMessage, TelegramMethod

from bot.app import Services
from bot.logs import setup_logging
from tests.bot_harness import Harness, Reply, TgUser
from tests.bot_helpers import PASSWORD, db_user, registered
from tests.helpers import transactions_of
from tests.password_probe import ProbingPasswords

ALICE = TgUser(1001, "alice_tg")
IVAN = TgUser(1002, "ivan", language_code="ru")


@pytest.fixture
def passwords(db_url: str) -> ProbingPasswords:
    """The bot of every test here hashes with a probe that notes any transaction open meanwhile."""
    return ProbingPasswords(db_url)


@pytest.fixture(autouse=True)
def no_hashing_inside_a_transaction(passwords: ProbingPasswords) -> Iterator[None]:
    yield
    assert passwords.held == [], "a password was hashed or checked while a transaction was open"


async def test_registration_dialog_end_to_end(harness: Harness, services: Services) -> None:
    r = await harness.send(ALICE, "/start")
    assert "Welcome" in r.text and "10 free credits" in r.text
    assert "Use @alice_tg" in r.buttons() and "✖ Cancel" in r.buttons()
    r = await harness.press(ALICE, "Use @alice_tg")
    assert "Step 2/3" in r.text and "alice_tg" in r.text
    r = await harness.send(ALICE, "not-an-email")
    assert "doesn't look like an email" in r.text
    r = await harness.send(ALICE, "Alice@Example.com")
    assert "Step 3/3" in r.text
    weak = harness.text_update(ALICE, "short")
    r = await harness.feed(weak)
    assert weak.message is not None and weak.message.message_id in r.deleted  # password gone from the chat
    assert "Too weak" in r.text
    good = harness.text_update(ALICE, PASSWORD)
    r = await harness.feed(good)
    assert good.message is not None and r.deleted == [good.message.message_id]
    assert "Account <b>alice_tg</b> created" in r.text and "<b>10</b> credits" in r.text
    assert "🔮 Predict" in r.buttons() and "🛠 Admin" not in r.buttons()
    assert PASSWORD not in r.text
    user = await db_user(services, ALICE.id)
    assert user is not None and user.email == "alice@example.com" and user.balance == 10.0
    assert user.language == "en" and PASSWORD not in user.hashed_password
    [tx] = await transactions_of(services.session_factory, user.id)
    assert tx.kind == "welcome" and tx.amount == 10.0
    # a known user gets the menu at once
    r = await harness.send(ALICE, "/start")
    assert "balance <b>10</b>" in r.text and "Welcome" not in r.text


async def test_registration_in_russian_with_typed_username(harness: Harness, services: Services) -> None:
    r = await harness.send(IVAN, "/start")
    assert "Добро пожаловать" in r.text and "Использовать @ivan" in r.buttons()
    r = await harness.send(IVAN, "x")
    assert "Такое имя не подойдёт" in r.text
    await registered(services, TgUser(5, "taken"), name="taken")
    r = await harness.send(IVAN, "Taken")
    assert "занято" in r.text
    r = await harness.send(IVAN, "ivan_petrov")
    assert "Шаг 2/3" in r.text
    r = await harness.send(IVAN, "taken@example.com")
    assert "уже есть" in r.text
    await harness.send(IVAN, "ivan@example.com")
    r = await harness.send(IVAN, "12345678")
    assert "Слишком простой" in r.text
    r = await harness.send(IVAN, "parol-12345")
    assert "Аккаунт <b>ivan_petrov</b> создан" in r.text and "🔮 Предсказать" in r.buttons()
    user = await db_user(services, IVAN.id)
    assert user is not None and user.language == "ru" and user.balance == 10.0


async def test_cancel_leaves_any_dialog(harness: Harness, services: Services) -> None:
    await harness.send(ALICE, "/start")
    r = await harness.send(ALICE, "/cancel")  # not taken as a username
    assert "Cancelled" in r.text
    r = await harness.send(ALICE, "alice")
    assert "register first" in r.text  # no dialog any more
    await harness.send(ALICE, "/start")
    await harness.send(ALICE, "alice")
    r = await harness.press(ALICE, "Cancel")
    assert "Cancelled" in " ".join(r.alerts) and "/start" in r.text
    assert await db_user(services, ALICE.id) is None
    r = await harness.send(ALICE, "/cancel")
    assert "nothing to cancel" in r.text


async def test_non_text_in_a_dialog_is_explained(harness: Harness) -> None:
    await harness.send(ALICE, "/start")
    r = await harness.send_sticker(ALICE)
    assert "answer with a text message" in r.text


async def test_login_links_an_existing_account(harness: Harness, services: Services) -> None:
    uid = await registered(services, TgUser(1, "olduser"), name="olduser")
    phone = TgUser(2002, "newphone")
    r = await harness.send(phone, "/login")
    assert "email" in r.text
    await harness.send(phone, "olduser@example.com")
    wrong = harness.text_update(phone, "wrong-pass-1")
    r = await harness.feed(wrong)
    assert "Wrong email or password" in r.text and wrong.message and wrong.message.message_id in r.deleted
    await harness.send(phone, "olduser@example.com")
    r = await harness.send(phone, PASSWORD)
    assert "Signed in as <b>olduser</b>" in r.text
    user = await db_user(services, phone.id)
    assert user is not None and user.id == uid
    r = await harness.send(phone, "/login")
    assert "already signed in" in r.text


async def test_unregistered_users_are_asked_to_register(harness: Harness) -> None:
    for text in ("/balance", "/predict", "/history", "hello"):
        r = await harness.send(TgUser(3003), text)
        assert "register first" in r.text, text


async def test_help_and_language_switch(harness: Harness, services: Services) -> None:
    await registered(services, ALICE)
    r = await harness.send(ALICE, "/help")
    assert "Iris species — 1" in r.text and "Breast cancer diagnosis — 3" in r.text
    r = await harness.send(ALICE, "/language")  # the settings screen
    assert "Language: <b>English</b>" in r.text and "🇷🇺 Русский" in r.buttons()
    r = await harness.press(ALICE, "Русский")
    assert r.alerts == ["✅ Язык: русский"]
    assert "Язык: <b>русский</b>" in r.text and "🏠 Меню" in r.buttons()
    user = await db_user(services, ALICE.id)
    assert user is not None and user.language == "ru"
    r = await harness.send(ALICE, "/help")
    assert "Что умеет бот" in r.text
    await harness.press(ALICE, "English")
    r = await harness.send(ALICE, "/help")
    assert "What this bot does" in r.text


async def test_unknown_text_and_stale_buttons(harness: Harness, services: Services) -> None:
    await registered(services, ALICE)
    r = await harness.send(ALICE, "what?")
    assert "didn't get that" in r.text
    r = await harness.feed(
        harness.update(
            callback_query={
                "id": "1",
                "from": ALICE.as_dict(),
                "chat_instance": "c",
                "data": "nonsense:1",
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": ALICE.id, "type": "private"},
                    "text": "x",
                },
            }
        )
    )
    assert any("out of date" in a for a in r.alerts)


@pytest.mark.parametrize(("lang", "word"), [("en", "Balance"), ("ru", "Баланс")])
async def test_menu_in_both_languages(harness: Harness, services: Services, lang: str, word: str) -> None:
    tg = TgUser(4004, "menu_user", language_code=lang)
    await registered(services, tg)
    r = await harness.send(tg, "/start")
    assert any(word in b for b in r.buttons())
    assert Decimal("10") == Decimal(str((await db_user(services, tg.id)).balance))  # type: ignore[union-attr]


async def sign_in(h: Harness, tg: TgUser, email: str, password: str) -> Reply:
    await h.send(tg, "/login")
    await h.send(tg, email)
    return await h.send(tg, password)


async def test_a_paid_run_completes_while_a_login_is_being_checked(
    harness: Harness, services: Services, passwords: ProbingPasswords
) -> None:
    await registered(services, TgUser(1, "olduser"), name="olduser")
    bob = TgUser(2001, "bob")
    await registered(services, bob)
    await harness.send(bob, "/predict")
    await harness.press(bob, "Iris")
    await harness.press(bob, "Enter inputs")
    r = await harness.send(bob, "5.1 3.5 1.4 0.2")
    assert "please check" in r.text
    phone = TgUser(2002, "newphone")
    await harness.send(phone, "/login")
    await harness.send(phone, "olduser@example.com")
    passwords.hold = asyncio.Event()
    login = asyncio.create_task(harness.send(phone, PASSWORD))
    try:
        await asyncio.wait_for(passwords.holding.wait(), 30)
        # The password check is in progress (and held): the paid run must not wait for it. The
        # timeout only turns a hang (the old code: the login held the database) into a failure.
        r = await asyncio.wait_for(harness.press(bob, "Confirm"), 30)
        assert "Prediction: <b>Iris setosa</b>" in r.text
    finally:
        passwords.hold.set()
    assert "Signed in as <b>olduser</b>" in (await login).text


async def test_wrong_passwords_block_sign_in_for_a_while(
    harness: Harness, services: Services, passwords: ProbingPasswords
) -> None:
    await registered(services, TgUser(1, "olduser"), name="olduser")
    phone = TgUser(2002, "newphone")
    await harness.send(phone, "/login")
    for _ in range(4):
        await harness.send(phone, "olduser@example.com")
        r = await harness.send(phone, "wrong-pass-1")
        assert "Wrong email or password. Enter your email again" in r.text
    await harness.send(phone, "olduser@example.com")
    r = await harness.send(phone, "wrong-pass-1")
    blocked = "⏳ Too many failed sign-in attempts. Please try again in 30 s."
    assert r.text == f"⚠️ Wrong email or password.\n{blocked}"
    checked = passwords.verifications
    r = await sign_in(harness, phone, "olduser@example.com", PASSWORD)  # right, but too soon
    assert re.search(r"Please try again in \d+ s\.$", r.text), r.text
    assert passwords.verifications == checked  # refused without checking the password
    assert await db_user(services, phone.id) is None
    # another Telegram account may still sign in to it? No: the email is blocked as well
    r = await sign_in(harness, TgUser(2003, "third", language_code="ru"), "olduser@example.com", PASSWORD)
    assert re.search(r"Слишком много неудачных попыток входа\. Попробуйте ещё раз через \d+ с\.$", r.text)
    assert passwords.verifications == checked


async def test_the_previous_telegram_account_is_told_in_the_accounts_language(
    harness: Harness, services: Services
) -> None:
    old = TgUser(1, "olduser", language_code="ru")
    await registered(services, old, name="olduser", lang="ru")
    phone = TgUser(2002, "newphone")  # an English client
    r = await sign_in(harness, phone, "olduser@example.com", PASSWORD)
    assert "Signed in as <b>olduser</b>" in r.text
    told = [m.text for m, _ in r.calls if isinstance(m, SendMessage) and m.chat_id == old.id]
    assert told == [
        "🔐 Вашим аккаунтом <b>olduser</b> теперь пользуются с другого аккаунта Telegram: в него только"
        " что вошли там через /login. Этот чат к аккаунту больше не привязан.\n"
        "Чтобы снова пользоваться аккаунтом здесь, отправьте /login и введите его адрес почты и пароль."
        " Если это были не вы, сделайте это сразу и напишите в поддержку: /paysupport."
    ]
    r = await harness.send(old, "/balance")
    assert "/start" in r.text  # the old Telegram account is signed out
    # signing in again from the same Telegram account tells nobody
    await harness.send(phone, "/cancel")
    r = await sign_in(harness, TgUser(2003, "third"), "olduser@example.com", PASSWORD)
    assert [m.chat_id for m, _ in r.calls if isinstance(m, SendMessage)] == [2003, 2003, phone.id]


async def test_an_unreachable_previous_account_does_not_break_the_sign_in(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    old = TgUser(1, "olduser")
    await registered(services, old, name="olduser")
    make_request = harness.session.make_request

    async def blocked_by_old(bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        if isinstance(method, SendMessage) and method.chat_id == old.id:
            raise TelegramForbiddenError(method, "Forbidden: bot was blocked by the user")
        return await make_request(bot, method, timeout)

    monkeypatch.setattr(harness.session, "make_request", blocked_by_old)
    phone = TgUser(2002, "newphone")
    with caplog.at_level(logging.INFO):
        r = await sign_in(harness, phone, "olduser@example.com", PASSWORD)
    assert "Signed in as <b>olduser</b>" in r.text
    user = await db_user(services, phone.id)
    assert user is not None and user.username == "olduser"
    assert "could not tell tg 1 that its account moved: TelegramForbiddenError" in caplog.text


async def fsm_dump(h: Harness) -> str:
    """Everything the dialog-state storage holds, as stored (Redis keys, or the SQLite file)."""
    if h.shared.redis is not None:
        keys = [k async for k in h.shared.redis.scan_iter(match=f"{h.services.settings.redis_prefix}:fsm:*")]
        return repr([await h.shared.redis.get(k) for k in keys])
    with closing(sqlite3.connect(h.services.settings.fsm_path)) as db:
        return repr(db.execute("SELECT key, state, data FROM fsm").fetchall())


async def test_a_password_typed_at_the_email_step_is_neither_kept_nor_left(
    harness: Harness, services: Services
) -> None:
    """After a wrong password /login asks for the email again; a user who types the password
    there had it stored in the dialog state, in clear, and left in the chat."""
    await registered(services, TgUser(1, "olduser"), name="olduser")
    phone = TgUser(2002, "newphone")
    await harness.send(phone, "/login")
    await harness.send(phone, "olduser@example.com")
    r = await harness.send(phone, "wrong-pass-1")
    assert "Enter your email again" in r.text
    for typed in ("S3cret-typed-early", PASSWORD):
        early = harness.text_update(phone, typed)
        r = await harness.feed(early)
        assert early.message is not None and r.deleted == [early.message.message_id]
        assert r.texts == [
            "⚠️ That doesn't look like an email address, so I deleted the message in case it was"
            " your password. Your <b>email</b>:"
        ]
        assert typed not in await fsm_dump(harness)
    await harness.send(phone, "olduser@example.com")
    r = await harness.send(phone, PASSWORD)
    assert "Signed in as <b>olduser</b>" in r.text
    dump = await fsm_dump(harness)
    assert "S3cret-typed-early" not in dump and PASSWORD not in dump and "wrong-pass-1" not in dump


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


@pytest.mark.parametrize("configured", [True, False], ids=["setup_logging", "bare-root"])
async def test_debug_logs_hold_no_email_or_password_hash(
    harness: Harness, services: Services, configured: bool
) -> None:
    """At DEBUG the aiosqlite logger wrote every statement's parameters (emails, Argon2 hashes):
    with LOG_LEVEL=DEBUG, or any root logger at DEBUG, no driver logs parameters."""
    root = logging.getLogger()
    saved = root.level, root.handlers[:]
    collect = Collect()
    if configured:
        setup_logging("DEBUG", "text")
    root.setLevel(logging.DEBUG)
    root.addHandler(collect)
    try:
        await harness.send(ALICE, "/start")
        await harness.press(ALICE, "Use @alice_tg")
        await harness.send(ALICE, "Alice@Example.com")
        await harness.send(ALICE, PASSWORD)
        phone = TgUser(2002, "newphone")
        await harness.send(phone, "/login")
        await harness.send(phone, "alice@example.com")
        r = await harness.send(phone, PASSWORD)
        assert "Signed in as <b>alice_tg</b>" in r.text
    finally:
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])
    user = await db_user(services, phone.id)
    assert user is not None and user.hashed_password.startswith("$argon2")
    assert any("registered user" in line for line in collect.lines)  # the capture works
    for secret in ("alice@example.com", "Alice@Example.com", user.hashed_password, PASSWORD, "$argon2"):
        leaks = [line[:200] for line in collect.lines if secret in line]
        assert not leaks, leaks[:3]
