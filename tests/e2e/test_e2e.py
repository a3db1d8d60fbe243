"""The whole program over real HTTP: `python -m bot` long-polling the telegram-test-api emulator,
driven through the emulator's client API the way people would use it."""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal

import pytest

from tests.e2e.bot_process import ADMIN_ID, BotProcess
from tests.e2e.client import EmulatorClient, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")
PASSWORD = "e2e-passw0rd"
Stack = tuple[EmulatorClient, BotProcess]


async def register(p: Person) -> None:
    await p.say("/start", wait_for="Choose a <b>username</b>")
    await p.press(f"Use @{p.username}", wait_for="Step 2/3")
    await p.say(f"{p.username}@example.com", wait_for="Step 3/3")
    # Each registration hashes its password (Argon2, ~0.1-0.2 s of a services), one at a time so
    # that paid runs keep the other services: with 24 people at once the last waits for 23 hashes.
    await p.say(PASSWORD, wait_for="created", timeout=60)


def db(bot: BotProcess) -> sqlite3.Connection:
    return sqlite3.connect(bot.db_path)


async def test_a_new_user_registers_predicts_and_sees_balance_and_history(stack: Stack) -> None:
    client, bot = stack
    ann = client.person(710_001, "ann_e2e")
    await ann.say("/start", wait_for="Welcome!")
    await ann.press("Use @ann_e2e", wait_for="Step 2/3")
    await ann.say("not an email", wait_for="doesn't look like an email")
    await ann.say("ann@example.com", wait_for="Step 3/3")
    await ann.say(PASSWORD, wait_for="Account <b>ann_e2e</b> created. Your balance: <b>10</b>")
    history = await client.post("getUpdatesHistory", {"token": client.token})
    assert not any((i.get("message") or {}).get("text") == PASSWORD for i in history["result"])  # deleted

    await ann.press("Predict", wait_for="Choose a model")
    card = await ann.press("Iris species", wait_for="What to enter (4)")
    assert card is not None and "LogisticRegression" not in card.text and "Price: <b>1</b>" in card.text
    await ann.press("Enter inputs", wait_for="1/4. Sepal length, cm")
    await ann.say("five", wait_for="“five” is not a number")
    await ann.say("5.1", wait_for="2/4. Sepal width, cm")
    await ann.say("3.5", wait_for="3/4. Petal length, cm")
    await ann.say("1.4", wait_for="4/4. Petal width, cm")
    confirm = await ann.say("0.2", wait_for="please check")
    assert confirm is not None and "Balance: 10 → <b>9</b>" in confirm.text
    result = await ann.press("Confirm and pay 1", wait_for="Prediction: <b>Iris setosa</b>")
    assert result is not None and "balance <b>9</b>" in result.text and "█" in result.text
    await ann.say("/balance", wait_for="Balance: <b>9</b> credits")
    history_msg = await ann.say("/history", wait_for="Your predictions")
    assert history_msg is not None and "setosa" in history_msg.text
    with db(bot) as conn:
        assert conn.execute("SELECT balance FROM users WHERE username='ann_e2e'").fetchone() == (9.0,)
        assert conn.execute(
            "SELECT status FROM predictions p JOIN users u ON u.id = p.user_id WHERE u.username='ann_e2e'"
        ).fetchall() == [("completed",)]


async def test_a_second_user_pastes_all_inputs_at_once(stack: Stack) -> None:
    client, _ = stack
    ben = client.person(710_002, "ben_e2e", language="ru")
    await ben.say("/start", wait_for="Добро пожаловать")
    await ben.press("Использовать @ben_e2e", wait_for="Шаг 2/3")
    await ben.say("ben@example.com", wait_for="Шаг 3/3")
    await ben.say(PASSWORD, wait_for="создан")
    await ben.say("/predict", wait_for="Выберите модель")
    await ben.press("Диагностика рака", wait_for="Параметры (30)")
    await ben.press("Ввести параметры", wait_for="1/30. Радиус, среднее")
    row = (
        "17.99 10.38 122.8 1001 0.1184 0.2776 0.3001 0.1471 0.2419 0.07871 1.095 0.9053 8.589 153.4 "
        "0.006399 0.04904 0.05373 0.01587 0.03003 0.006193 25.38 17.33 184.6 2019 0.1622 0.6656 0.7119 "
        "0.2654 0.4601 0.1189"
    )
    await ben.say(row, wait_for="проверьте, всё ли верно")
    result = await ben.press("Подтвердить", wait_for="Прогноз: <b>Злокачественная опухоль</b>")
    assert result is not None and "баланс <b>7</b>" in result.text


async def test_admin_credits_and_disables_and_a_poor_user_is_refused(stack: Stack) -> None:
    client, bot = stack
    admin = client.person(ADMIN_ID, "boss_e2e")
    cat = client.person(710_003, "cat_e2e")
    dan = client.person(710_004, "dan_e2e")
    await asyncio.gather(register(admin), register(cat), register(dan))
    await admin.say("/debit @cat_e2e 9 testing", wait_for="Debit 9 credits from @cat_e2e (balance 10 → 1)?")
    await admin.press("Confirm", wait_for="Debited 9 credits from @cat_e2e. Balance: 1.")
    await cat.say("/predict", wait_for="Choose a model")
    await cat.press("Breast cancer", wait_for="Not enough credits")
    refused = await cat.wait_for("Not enough credits")
    assert refused.has_button("Top up") and not refused.has_button("Enter inputs")
    await admin.say("/credit @cat_e2e 5 welcome back", wait_for="Credit 5 credits to @cat_e2e")
    await admin.press("Confirm", wait_for="Credited 5 credits to @cat_e2e. Balance: 6.")
    await cat.wait_for("You have received 5 credits. Your balance: 6 credits.")
    await cat.say("/balance", wait_for="Balance: <b>6</b>")
    await admin.say("/disable @dan_e2e", wait_for="Disable @dan_e2e?")
    await admin.press("Confirm", wait_for="@dan_e2e is disabled")
    await dan.wait_for("Your account has been disabled")
    await dan.say("/start", wait_for="Your account is disabled")
    await dan.say("/predict", wait_for="Your account is disabled")
    not_admin = await cat.say("/credit @cat_e2e 1000", wait_for="for administrators")
    assert not_admin is not None
    with db(bot) as conn:
        rows = conn.execute(
            "SELECT t.kind, t.amount, t.description FROM transactions t JOIN users u "
            "ON u.id = t.user_id WHERE u.username = 'cat_e2e' ORDER BY t.id"
        ).fetchall()
        assert rows == [
            ("welcome", 10.0, "Welcome bonus"),
            ("admin_debit", -9.0, f"Admin debit by @boss_e2e ({ADMIN_ID}): testing"),
            ("admin_credit", 5.0, f"Admin credit by @boss_e2e ({ADMIN_ID}): welcome back"),
        ]
        assert conn.execute("SELECT disabled FROM users WHERE username='dan_e2e'").fetchone() == (1,)


async def test_the_dialog_continues_after_a_restart(stack: Stack) -> None:
    client, bot = stack
    eva = client.person(710_005, "eva_e2e")
    await register(eva)
    await eva.say("/predict", wait_for="Choose a model")
    await eva.press("Iris species", wait_for="Inputs (4)")
    await eva.press("Enter inputs", wait_for="1/4")
    await eva.say("6.7", wait_for="2/4")
    await bot.stop()
    await bot.start()
    await eva.say("3.0", wait_for="3/4. Petal length, cm")
    await eva.say("5.2", wait_for="4/4")
    confirm = await eva.say("2.3", wait_for="please check")
    assert confirm is not None and "sepal_length = <b>6.7</b>" in confirm.text
    await eva.press("Confirm", wait_for="Prediction: <b>virginica</b>")


async def test_twenty_users_at_once_and_the_ledger_reconciles(stack: Stack) -> None:
    client, bot = stack
    flowers = [("5.1, 3.5, 1.4, 0.2", "setosa"), ("6.7, 3.0, 5.2, 2.3", "virginica")]

    async def flow(i: int) -> str:
        p = client.person(720_000 + i, f"crowd{i:02d}")
        await register(p)
        values, label = flowers[i % 2]
        await p.say("/predict", wait_for="Choose a model")
        await p.press("Iris species", wait_for="Inputs (4)")
        await p.press("Enter inputs", wait_for="1/4")
        await p.say(values, wait_for="please check")
        done = await p.press("Confirm", wait_for=f"Prediction: <b>{label}</b>", timeout=30)
        assert done is not None and "balance <b>9</b>" in done.text
        return label

    labels = await asyncio.gather(*(flow(i) for i in range(24)))
    assert labels == [flowers[i % 2][1] for i in range(24)]
    with db(bot) as conn:
        users = conn.execute("SELECT id, balance FROM users").fetchall()
        for uid, balance in users:
            amounts = [
                a for (a,) in conn.execute("SELECT amount FROM transactions WHERE user_id = ?", (uid,))
            ]
            assert Decimal(repr(balance)) == sum((Decimal(repr(a)) for a in amounts), Decimal(0)), uid
        crowd = conn.execute(
            "SELECT COUNT(*), SUM(p.status = 'completed') FROM predictions p JOIN users u "
            "ON u.id = p.user_id WHERE u.username LIKE 'crowd%'"
        ).fetchone()
        assert crowd == (24, 24)
        assert conn.execute("SELECT COUNT(*) FROM predictions WHERE status = 'pending'").fetchone() == (0,)
