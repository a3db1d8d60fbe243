"""The admin console: every command, refusals for non-admins and group chats, ledger effects."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from decimal import Decimal

import joblib
import pytest
from aiogram.methods import SendMessage
from sklearn.tree import DecisionTreeClassifier
from sqlalchemy import select

from bot.app import Core
from db.models import Model
from tests.bot_fixtures import db_user, harness, registered
from tests.bot_harness import Harness, TgUser
from tests.helpers import assert_reconciled, balance_of, transactions_of

__all__ = ["harness"]
ADMIN = TgUser(9001, "boss")
ADMIN_RU = TgUser(9001, "boss", language_code="ru")
ALICE = TgUser(1001, "alice")
MALLORY = TgUser(6666, "mallory")


async def test_admin_menu_users_and_user_card(harness: Harness, core: Core) -> None:
    await registered(core, ADMIN)
    for i in range(12):
        await registered(core, TgUser(100 + i, f"user{i:02d}"))
    r = await harness.send(ADMIN, "/admin")
    assert "Admin" in r.text and "👥 Users" in r.buttons()
    r = await harness.press(ADMIN, "Users")
    assert "page 1/2" in r.text and len([b for b in r.buttons() if b.startswith("👤")]) == 10
    r = await harness.press(ADMIN, "▶")
    assert "page 2/2" in r.text
    r = await harness.send(ADMIN, "/users user1")
    assert [b for b in r.buttons() if b.startswith("👤")] == ["👤 #12 @user10 · 10", "👤 #13 @user11 · 10"]
    r = await harness.press(ADMIN, "@user10")
    assert "#12 @user10" in r.text and "Balance: <b>10</b>" in r.text and "active" in r.text
    r = await harness.send(ADMIN, "/user nobody")
    assert "No user “nobody”" in r.text
    r = await harness.send(ADMIN, "/user")
    assert "Usage" in r.text


async def test_references_of_digits_that_are_not_decimal_find_nobody(harness: Harness, core: Core) -> None:
    await registered(core, ADMIN)
    for ref in ("#²", "²", "tg:③"):  # str.isdigit() takes them, int() does not
        r = await harness.send(ADMIN, f"/user {ref}")
        assert f"No user “{ref}”" in r.text
    r = await harness.send(ADMIN, "/credit ² 5")
    assert "No user “²”" in r.text
    r = await harness.send(ADMIN, "/refund #²")
    assert "No payment “#²”" in r.text


async def test_credit_and_debit_are_ledger_transactions_naming_the_admin(
    harness: Harness, core: Core
) -> None:
    uid = await registered(core, ALICE)
    r = await harness.send(ADMIN, "/credit @alice 15.5 contest prize")
    assert "Credited 15.50 to @alice. Balance: 25.50." in r.text
    r = await harness.send(ADMIN, f"/debit #{uid} 5")
    assert "Debited 5 from @alice. Balance: 20.50." in r.text
    r = await harness.send(ADMIN, "/debit alice 100")
    assert "cannot debit 100" in r.text
    for bad, reason in [
        ("abc", "not a number"),
        ("-5", "must be positive"),
        ("0.001", "at most two decimals"),
        ("nan", "not finite"),
    ]:
        r = await harness.send(ADMIN, f"/credit alice {bad}")
        assert f"Bad amount “{bad}”: {reason}" in r.text
    r = await harness.send(ADMIN, "/credit")
    assert "Usage: /credit" in r.text
    r = await harness.send(ADMIN, "/credit ghost 5")
    assert "No user “ghost”" in r.text
    txs = await transactions_of(core.session_factory, uid)
    assert [(t.kind, t.amount, t.description) for t in txs[1:]] == [
        ("admin_credit", 15.5, "Admin credit by @boss (9001): contest prize"),
        ("admin_debit", -5.0, "Admin debit by @boss (9001)"),
    ]
    assert await balance_of(core.session_factory, uid) == Decimal("20.5")
    await assert_reconciled(core.session_factory)


async def test_disable_blocks_the_user_and_enable_restores(harness: Harness, core: Core) -> None:
    await registered(core, ALICE)
    r = await harness.send(ADMIN, "/disable alice")
    assert "@alice is disabled" in r.text
    for action in ("/start", "/balance", "5.1"):
        r = await harness.send(ALICE, action)
        assert r.texts == ["⛔ Your account is disabled. If you think this is a mistake, contact support."]
    r = await harness.feed(
        harness.update(
            callback_query={
                "id": "x",
                "from": ALICE.as_dict(),
                "chat_instance": "c",
                "data": "menu:predict",
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": ALICE.id, "type": "private"},
                    "text": "menu",
                },
            }
        )
    )
    assert r.alerts == ["⛔ Your account is disabled. If you think this is a mistake, contact support."]
    assert r.texts == []
    r = await harness.send(ADMIN, "/user alice")
    assert "disabled" in r.text
    r = await harness.press(ADMIN, "Enable")
    assert "@alice is enabled" in r.text
    r = await harness.send(ALICE, "/start")
    assert "balance <b>10</b>" in r.text
    user = await db_user(core, ALICE.id)
    assert user is not None and not user.disabled


async def test_models_switch_and_cost(harness: Harness, core: Core) -> None:
    await registered(core, ALICE)
    r = await harness.send(ADMIN, "/models")
    assert "<code>cancer_rf</code> · 3" in r.text and "✅ iris_logreg" in r.buttons()
    r = await harness.press(ADMIN, "✅ iris_logreg")
    assert "⛔ iris_logreg" in r.buttons()
    r = await harness.send(ALICE, "/predict")
    assert not any("Iris" in b for b in r.buttons())
    r = await harness.send(ADMIN, "/enable_model iris_logreg")
    assert "enabled" in r.text
    r = await harness.send(ADMIN, "/disable_model wine_gb")
    assert "Model wine_gb is disabled" in r.text
    r = await harness.send(ADMIN, "/disable_model nope")
    assert "No model “nope”" in r.text
    r = await harness.send(ADMIN, "/setcost iris_logreg 2,5")
    assert "iris_logreg now costs 2.50 credits" in r.text
    r = await harness.send(ADMIN, "/setcost iris_logreg -1")
    assert "Bad amount" in r.text
    r = await harness.send(ADMIN, "/setcost ghost 1")
    assert "No model “ghost”" in r.text
    r = await harness.send(ALICE, "/predict")
    assert "Iris species · 2.50 cr" in r.buttons() and not any("Wine" in b for b in r.buttons())


def _tree_bytes(n_features: int = 2) -> bytes:
    est = DecisionTreeClassifier(random_state=0).fit([[0] * n_features, [1] * n_features], [0, 1])
    buf = io.BytesIO()
    joblib.dump(est, buf)
    return buf.getvalue()


META = {
    "name": "tiny_tree",
    "title": "Tiny tree",
    "description": "A test upload",
    "task": "classification",
    "algorithm": "DecisionTree",
    "class_names": ["no", "yes"],
    "cost": 0.5,
    "features": [
        {"name": "a", "description": "A", "min": 0, "max": 1, "example": 1},
        {"name": "b", "description": "B", "min": 0, "max": 1, "example": 1},
    ],
}


async def test_add_model_by_upload(harness: Harness, core: Core) -> None:
    uid = await registered(core, ALICE)
    r = await harness.send(ADMIN, "/addmodel")
    assert ".joblib" in r.text
    r = await harness.upload(ADMIN, "tree.pkl", b"x", mime="application/octet-stream")
    assert "Please send a <b>.joblib</b> file" in r.text
    await harness.upload(ADMIN, "tree.joblib", _tree_bytes(3), mime="application/octet-stream")
    r = await harness.send(ADMIN, json.dumps(META))
    assert "The model expects 3 features, the metadata declares 2" in r.text
    r = await harness.send(ADMIN, "{not json")
    assert "not valid JSON" in r.text
    r = await harness.send(ADMIN, json.dumps({**META, "task": "astrology"}))
    assert "Invalid metadata: task" in r.text
    await harness.send(ADMIN, "/addmodel")
    await harness.upload(ADMIN, "junk.joblib", b"not a pickle at all", mime="application/octet-stream")
    r = await harness.send(ADMIN, json.dumps(META))
    assert "does not load as a model" in r.text
    await harness.send(ADMIN, "/addmodel")
    await harness.upload(ADMIN, "tree.joblib", _tree_bytes(2), mime="application/octet-stream")
    r = await harness.send(ADMIN, json.dumps(META))
    assert "Model <b>Tiny tree</b> (<code>tiny_tree</code>) added: 2 inputs, 0.50 credits" in r.text
    meta = core.registry.meta("tiny_tree")
    assert (core.registry.models_dir / "tiny_tree.joblib").is_file() and len(meta.sha256) == 64
    async with core.session_factory() as s:
        row = await s.get(Model, 5)
        assert row is not None and row.name == "tiny_tree" and row.cost == 0.5
    # users can use it right away
    await harness.send(ALICE, "/predict")
    await harness.press(ALICE, "Tiny tree")
    await harness.press(ALICE, "Enter inputs")
    await harness.send(ALICE, "1 1")
    r = await harness.press(ALICE, "Confirm")
    assert "Prediction: <b>yes</b>" in r.texts[-1]
    assert await balance_of(core.session_factory, uid) == Decimal("9.5")
    # and the name is now taken
    await harness.send(ADMIN, "/addmodel")
    await harness.upload(ADMIN, "tree.joblib", _tree_bytes(2), mime="application/octet-stream")
    r = await harness.send(ADMIN, json.dumps(META))
    assert "A model with this name exists" in r.text


async def test_stats(harness: Harness, core: Core) -> None:
    uid = await registered(core, ALICE)
    await core.predictions.run(user_id=uid, model_name="iris_logreg", values="5.1 3.5 1.4 0.2")
    await core.predictions.run(
        user_id=uid,
        model_name="cancer_rf",
        values={f.name: f.example for f in core.registry.meta("cancer_rf").features},
    )
    r = await harness.send(ADMIN, "/stats")
    assert "Users: 1 (1 active)" in r.text and "✅ 2 · ❌ 0 · ⏳ 0" in r.text
    assert "• iris_logreg: 1" in r.text and "Credits spent: 4 · refunded: 0 · credited: 10" in r.text


async def test_broadcast_reaches_active_users(harness: Harness, core: Core) -> None:
    for i in range(3):
        await registered(core, TgUser(500 + i, f"bcast{i}"))
    await registered(core, TgUser(600, "off"))
    await harness.send(ADMIN, "/disable off")
    r = await harness.send(ADMIN, "/broadcast")
    assert "Send the text" in r.text
    r = await harness.send(ADMIN, "\x01\u2028")  # Telegram would show nothing: asked again
    assert "Send the text" in r.text and "Send to everyone" not in r.buttons()
    r = await harness.send(ADMIN, "/broadcast \x00")
    assert "Send the text" in r.text
    r = await harness.send(ADMIN, "New model: wine!")
    assert "Broadcast this" in r.text and "New model: wine!" in r.text
    r = await harness.press(ADMIN, "Send to everyone")
    assert "Sending to 3 users" in r.text
    await asyncio.gather(*core.tasks)
    sent = [c for c in harness.session.calls if isinstance(c, SendMessage) and c.text == "New model: wine!"]
    assert sorted(int(c.chat_id) for c in sent) == [500, 501, 502]
    done = [c for c in harness.session.calls if isinstance(c, SendMessage) and "Broadcast done" in c.text]
    assert done and "3 sent, 0 failed" in done[0].text and int(done[0].chat_id) == ADMIN.id


@pytest.mark.parametrize(
    "command",
    [
        "/admin",
        "/users",
        "/credit @mallory 1000",
        "/debit alice 5",
        "/disable alice",
        "/stats",
        "/broadcast hi",
        "/addmodel",
        "/setcost x 1",
    ],
)
async def test_non_admins_are_refused_and_logged(
    harness: Harness, core: Core, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    uid = await registered(core, MALLORY)
    await registered(core, ALICE)
    with caplog.at_level(logging.WARNING):
        r = await harness.send(MALLORY, command)
    assert r.texts == ["⛔ This command is for administrators."]
    assert any("refused" in rec.message and "6666" in rec.message for rec in caplog.records)
    assert await balance_of(core.session_factory, uid) == Decimal("10")
    alice = await db_user(core, ALICE.id)
    assert alice is not None and not alice.disabled


async def test_admin_in_a_group_chat_is_refused(
    harness: Harness, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    await registered(core, ALICE)
    with caplog.at_level(logging.WARNING):
        r = await harness.send(ADMIN, "/credit alice 100", chat_id=-100500, chat_type="supergroup")
    assert r.texts == ["⛔ Admin commands work only in a private chat with the bot."]
    assert any("supergroup" in rec.message for rec in caplog.records)
    assert await balance_of(core.session_factory, (await db_user(core, ALICE.id)).id) == Decimal("10")  # type: ignore[union-attr]


async def test_admin_buttons_refused_for_non_admins(harness: Harness, core: Core) -> None:
    await registered(core, MALLORY)
    r = await harness.feed(
        harness.update(
            callback_query={
                "id": "x",
                "from": MALLORY.as_dict(),
                "chat_instance": "c",
                "data": "adm:toggle_model:iris_logreg",
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": MALLORY.id, "type": "private"},
                    "text": "m",
                },
            }
        )
    )
    assert r.alerts == ["⛔ This command is for administrators."]
    async with core.session_factory() as s:
        assert all(m.is_active for m in (await s.scalars(select(Model))).all())


async def test_admin_console_in_russian(harness: Harness, core: Core) -> None:
    await registered(core, ALICE)
    r = await harness.send(ADMIN_RU, "/credit alice 5")
    assert "Начислено 5 пользователю @alice" in r.text
    r = await harness.send(ADMIN_RU, "/stats")
    assert "Статистика" in r.text
    r = await harness.send(TgUser(6666, "m", language_code="ru"), "/stats")
    assert "только для администраторов" in r.text
