"""The admin console: every command, refusals for non-admins and group chats, ledger effects."""

from __future__ import annotations

import asyncio
import hashlib
import html
import itertools
import json
import logging
from decimal import Decimal
from typing import Any

import pytest
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup, Message, Update
from sklearn.linear_model import LinearRegression
from sqlalchemy import event as sa_event
from sqlalchemy import select

from bot.app import Services
from bot.local_session import LocalSession
from db.catalogue import file_bytes, model_versions
from db.models import Model
from ml import formats
from tests.bot_harness import Harness, Reply, TgUser
from tests.bot_helpers import confirmed, db_user, predict_in_dialog, publish_model, registered
from tests.helpers import assert_reconciled, balance_of, transactions_of
from tests.models_for_tests import TINY_TREE_META, tiny_tree
from tests.telegram_limits import assert_sendable

ADMIN = TgUser(9001, "boss")
ADMIN_RU = TgUser(9001, "boss", language_code="ru")
ALICE = TgUser(1001, "alice")
MALLORY = TgUser(6666, "mallory")


async def test_admin_menu_users_and_user_card(harness: Harness, services: Services) -> None:
    await registered(services, ADMIN)
    for i in range(12):
        await registered(services, TgUser(100 + i, f"user{i:02d}"))
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


async def test_references_of_digits_that_are_not_decimal_find_nobody(
    harness: Harness, services: Services
) -> None:
    await registered(services, ADMIN)
    for ref in ("#²", "²", "tg:③"):  # str.isdigit() takes them, int() does not
        r = await harness.send(ADMIN, f"/user {ref}")
        assert f"No user “{ref}”" in r.text
    r = await harness.send(ADMIN, "/credit ² 5")
    assert "No user “²”" in r.text
    r = await harness.send(ADMIN, "/refund #²")
    assert "No payment “#²”" in r.text


async def test_credit_and_debit_are_ledger_transactions_naming_the_admin(
    harness: Harness, services: Services
) -> None:
    uid = await registered(services, ALICE)
    r = await harness.send(ADMIN, "/credit @alice 15.5 contest prize")
    assert "Credit 15.5 credits to @alice (balance 10 → 25.5)?" in r.text and "contest prize" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("10")  # nothing before Confirm
    r = await harness.press(ADMIN, "Confirm")
    assert "Credited 15.5 credits to @alice. Balance: 25.5." in r.text
    r = await confirmed(harness, ADMIN, f"/debit #{uid} 5")
    assert "Debited 5 credits from @alice. Balance: 20.5." in r.text
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
    txs = await transactions_of(services.session_factory, uid)
    assert [(t.kind, t.amount, t.description) for t in txs[1:]] == [
        ("admin_credit", 15.5, "Admin credit by @boss (9001): contest prize"),
        ("admin_debit", -5.0, "Admin debit by @boss (9001)"),
    ]
    assert await balance_of(services.session_factory, uid) == Decimal("20.5")
    await assert_reconciled(services.session_factory)


async def test_disable_blocks_the_user_and_enable_restores(harness: Harness, services: Services) -> None:
    await registered(services, ALICE)
    r = await confirmed(harness, ADMIN, "/disable alice")
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
    assert "Enable @alice again?" in r.text
    r = await harness.press(ADMIN, "Confirm")
    assert "@alice is enabled" in r.text
    r = await harness.send(ALICE, "/start")
    assert "balance <b>10</b>" in r.text
    user = await db_user(services, ALICE.id)
    assert user is not None and not user.disabled


async def test_models_switch_and_cost(harness: Harness, services: Services) -> None:
    await registered(services, ALICE)
    r = await harness.send(ADMIN, "/models")
    assert "<code>cancer_rf</code> · 3" in r.text and "✅ iris_logreg" in r.buttons()
    r = await harness.press(ADMIN, "✅ iris_logreg")  # one tap asks, and switches nothing
    assert "Switch off <code>iris_logreg</code>?" in r.text and r.buttons() == ["✅ Confirm", "✖ Cancel"]
    r = await harness.press(ADMIN, "Confirm")
    assert "Model iris_logreg is disabled" in r.text
    r = await harness.press(ADMIN, "Models")
    assert "⛔ iris_logreg" in r.buttons()
    r = await harness.send(ALICE, "/predict")
    assert not any("Iris" in b for b in r.buttons())
    r = await confirmed(harness, ADMIN, "/enable_model iris_logreg")
    assert "enabled" in r.text
    r = await confirmed(harness, ADMIN, "/disable_model wine_gb")
    assert "Model wine_gb is disabled" in r.text
    r = await harness.send(ADMIN, "/disable_model wine_gb")
    assert r.texts == ["⛔ Model wine_gb is disabled."] and not r.buttons()  # nothing to confirm
    r = await harness.send(ADMIN, "/disable_model nope")
    assert "No model “nope”" in r.text
    r = await harness.send(ADMIN, "/setcost iris_logreg 2,5")
    assert "Change the price of <code>iris_logreg</code> from 1 to 2.5 credits a run?" in r.text
    r = await harness.press(ADMIN, "Confirm")
    assert "iris_logreg now costs 2.5 credits" in r.text
    r = await harness.send(ADMIN, "/setcost iris_logreg -1")
    assert "Bad amount" in r.text
    r = await harness.send(ADMIN, "/setcost ghost 1")
    assert "No model “ghost”" in r.text
    r = await harness.send(ALICE, "/predict")
    assert "Iris species · 2.5 cr" in r.buttons() and not any("Wine" in b for b in r.buttons())


def _tree_bytes(n_features: int = 2, labels: tuple[int, int] = (0, 1)) -> bytes:
    return formats.dumps(tiny_tree(labels, n_features))


META = TINY_TREE_META


async def test_add_model_by_upload(harness: Harness, services: Services) -> None:
    """The file is checked before any metadata; the example shown fits it and pastes as it is;
    the upload is tried, and stored and served only on Publish."""
    uid = await registered(services, ALICE)
    r = await harness.send(ADMIN, "/addmodel")
    assert ".skops" in r.text and "skops.io.dump" in r.text
    r = await harness.upload(ADMIN, "tree.csv", b"x", mime="text/csv")
    assert "Please send a <b>.skops</b> file" in r.text
    r = await harness.upload(ADMIN, "tree.joblib", b"x", mime="application/octet-stream")
    assert "Pickle files (.joblib, .pkl) can run any code" in r.text  # refused: ALLOW_PICKLE_UPLOADS off
    r = await harness.upload(ADMIN, "junk.skops", b"not a zip at all", mime="application/octet-stream")
    assert "That is not a skops model file" in r.text and "metadata" not in r.text  # refused first
    r = await harness.upload(ADMIN, "tree.skops", _tree_bytes(3), mime="application/octet-stream")
    assert "<code>DecisionTreeClassifier</code>, 3 inputs; classes: 0, 1" in r.text
    # the example: valid JSON in a <pre> block, for 3 inputs, that goes through as pasted
    example = html.unescape(r.text.split("<pre>")[1].split("</pre>")[0])
    spec = json.loads(example)
    assert len(spec["features"]) == 3 and spec["class_names"] == ["0", "1"] and "{{" not in r.text
    r = await harness.send(ADMIN, json.dumps(META))
    assert "The file's model expects 3 inputs, but the metadata lists 2" in r.text
    r = await harness.send(ADMIN, "{not json")
    assert (
        "That is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"
        in r.text
    )
    r = await harness.send(ADMIN, "[1]")
    assert "The metadata must be a JSON object: <code>{ … }</code>." in r.text
    r = await harness.send(ADMIN, json.dumps({**META, "task": "astrology"}))
    assert "Invalid metadata: <code>task" in r.text
    r = await harness.send(ADMIN, example)
    assert "is checked, not published yet: 3 inputs, 1 credit a run" in r.text and "🚀 Publish" in r.buttons()
    assert "my_model" not in services.registry.metas()
    r = await harness.upload(ADMIN, "junk.skops", b"junk", mime="application/octet-stream")
    assert "That is not a skops model file" in r.text
    r = await harness.send(ADMIN, example)  # the refused file is not replaced by the earlier one
    assert "Send the model as a <b>.skops</b> file" in r.text
    r = await harness.upload(ADMIN, "tree.skops", _tree_bytes(2), mime="application/octet-stream")
    assert "2 inputs" in r.text
    r = await harness.send(ADMIN, json.dumps(META))
    assert "<b>Tiny tree</b> (<code>tiny_tree</code>) is checked, not published yet" in r.text
    assert "With the example (a=1, b=1) it predicts:" in r.text and "<b>yes</b>" in r.text
    r = await harness.send(ADMIN, "0 0")  # other values, typed as users type them
    assert "With a=0, b=0 it predicts:" in r.text and "<b>no</b>" in r.text
    r = await harness.send(ADMIN, "0 7")
    assert "⚠️" in r.text and "🚀 Publish" in r.buttons()  # out of range: said, and still waiting
    r = await harness.press(ADMIN, "Try the example")
    assert "<b>yes</b>" in r.text
    assert "tiny_tree" not in services.registry.metas()  # nothing stored before Publish
    r = await harness.send(ALICE, "/predict")
    assert not any("Tiny" in b for b in r.buttons())
    publish = harness.press_update(ADMIN, "Publish")
    r = await harness.feed(publish)
    assert (
        "Model <b>Tiny tree</b> (<code>tiny_tree</code>) added as version 1: 2 inputs, 0.5 credits" in r.text
    )
    r = await harness.feed(harness.tap_again(publish))  # a double tap stores nothing more
    assert r.alerts == ["This model is published already."] and not r.texts
    meta = services.registry.meta("tiny_tree")
    async with services.session_factory() as s:
        row = await s.get(Model, 5)
        assert row is not None and row.name == "tiny_tree" and row.cost == 0.5
        [version] = await model_versions(s, "tiny_tree")
        stored = await file_bytes(s, meta.sha256)
        assert version.sha256 == meta.sha256 == hashlib.sha256(stored or b"").hexdigest()
    # users can use it right away
    assert "Prediction: <b>yes</b>" in await predict_in_dialog(harness, ALICE, "Tiny tree", "1 1")
    assert await balance_of(services.session_factory, uid) == Decimal("9.5")


async def test_add_model_in_russian(harness: Harness, services: Services) -> None:
    await harness.send(ADMIN_RU, "/addmodel")
    r = await harness.upload(ADMIN_RU, "tree.skops", _tree_bytes(3), mime="application/octet-stream")
    assert "Файл проверен" in r.text and "3 входных параметра" in r.text and "<pre>" in r.text
    r = await harness.send(ADMIN_RU, json.dumps(META))
    assert "Модель из файла ждёт 3 входных параметра, а в описании указано 2" in r.text
    r = await harness.upload(ADMIN_RU, "tree.skops", _tree_bytes(2), mime="application/octet-stream")
    r = await harness.send(ADMIN_RU, json.dumps(META))
    assert "проверена, но ещё не опубликована" in r.text and "🚀 Опубликовать" in r.buttons()
    r = await harness.press(ADMIN_RU, "Опубликовать")
    assert "Модель <b>Tiny tree</b> (<code>tiny_tree</code>) добавлена, версия 1" in r.text


async def test_a_model_is_replaced_by_a_new_version_and_rolled_back(
    harness: Harness, services: Services
) -> None:
    uid = await registered(services, ALICE)
    no_cost = {k: v for k, v in META.items() if k != "cost"}
    for labels, spec in (((0, 1), META), ((1, 0), no_cost)):  # v2 answers the other way round
        r = await publish_model(harness, ADMIN, "tree.skops", _tree_bytes(2, labels), json.dumps(spec))
    assert "updated to version 2 (was 1)" in r.text and "/rollback tiny_tree 1" in r.text

    async def run() -> str:
        return await predict_in_dialog(harness, ALICE, "Tiny tree", "1 1")

    assert "Prediction: <b>no</b>" in await run()
    r = await harness.send(ADMIN, "/versions tiny_tree")
    assert "v1 ·" in r.text and "v2 ·" in r.text and "served" in r.text.split("v2 ·")[1]
    r = await harness.send(ADMIN, "/rollback tiny_tree")
    assert "now serves version 1 (was 2)" in r.text
    assert "Prediction: <b>yes</b>" in await run()
    r = await harness.send(ADMIN, "/rollback tiny_tree 1")
    assert "already serves version 1" in r.text
    r = await harness.send(ADMIN, "/rollback tiny_tree 7")
    assert "has no version 7" in r.text
    r = await harness.send(ADMIN, "/rollback tiny_tree 99999999999999999999")
    assert "Usage: /rollback" in r.text
    r = await harness.send(ADMIN, "/rollback tiny_tree 2")
    assert "now serves version 2 (was 1)" in r.text
    assert "Prediction: <b>no</b>" in await run()
    # a cost left out of the new version's metadata kept the model's cost
    assert await balance_of(services.session_factory, uid) == Decimal("8.5")


@pytest.mark.parametrize("same_file", [False, True])
async def test_a_dialog_started_before_a_replace_is_not_charged(
    harness: Harness, services: Services, same_file: bool
) -> None:
    """The confirmation screen is for one version; a new version (another file, or the same
    file with other metadata: here its labels swapped) stored before Confirm is not charged."""
    uid = await registered(services, ALICE)
    first = _tree_bytes(2)
    await publish_model(harness, ADMIN, "tree.skops", first, json.dumps(META))
    await harness.send(ALICE, "/predict")
    await harness.press(ALICE, "Tiny tree")
    await harness.press(ALICE, "Enter inputs")
    await harness.send(ALICE, "1 1")  # the confirmation screen, for version 1
    second = first if same_file else _tree_bytes(2, (1, 0))
    r = await publish_model(
        harness, ADMIN, "tree.skops", second, json.dumps({**META, "class_names": ["yes", "no"]})
    )
    assert "updated to version 2" in r.text
    r = await harness.press(ALICE, "Confirm")
    assert "has just been updated, so nothing was charged" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("10")


async def test_a_model_that_answers_several_values_per_row_is_refused(
    harness: Harness, services: Services
) -> None:
    """Two outputs per row would be read as two rows: one user's second value given to another."""
    two_outputs = LinearRegression().fit([[0, 0], [1, 1], [2, 0]], [[0, 0], [1, 10], [2, 0]])
    spec = {**META, "task": "regression", "class_names": []}
    await harness.send(ADMIN, "/addmodel")
    await harness.upload(ADMIN, "two.skops", formats.dumps(two_outputs), mime="application/octet-stream")
    r = await harness.send(ADMIN, json.dumps(spec))
    assert "failed on the example from the metadata" in r.text and "one value per row" in r.text
    assert "tiny_tree" not in services.registry.metas()


async def test_stats(harness: Harness, services: Services) -> None:
    uid = await registered(services, ALICE)
    await services.predictions.run(user_id=uid, model_name="iris_logreg", values="5.1 3.5 1.4 0.2")
    await services.predictions.run(
        user_id=uid,
        model_name="cancer_rf",
        values={f.name: f.example for f in services.registry.meta("cancer_rf").features},
    )
    r = await harness.send(ADMIN, "/stats")
    assert "Stats</b> · all time" in r.text and "Users: 1 (1 active) · new: 1" in r.text
    assert "Predictions: 2 (✅ 2 · ❌ 0)" in r.text
    assert (
        "• cancer_rf: 1 run (❌ 0) · 3 credits" in r.text
        and "• iris_logreg: 1 run (❌ 0) · 1 credit" in r.text
    )
    assert "Credits spent: 4 · refunded: 0 · credited: 10" in r.text
    assert "Stars: 0 payments, 0 ⭐ paid, 0 ⭐ refunded · revenue <b>0 ⭐</b>" in r.text
    assert r.buttons() == ["7 d", "30 d", "90 d", "• All time", "🛠 Admin"]
    [photo] = r.photos  # the chart, the figures in its caption
    assert photo.caption == r.texts[0]
    r = await harness.press(ADMIN, "7 d")  # the chart and figures swapped in place
    assert [type(m).__name__ for m, _ in r.calls if "Message" in type(m).__name__] == ["EditMessageMedia"]
    assert "last 7 days" in r.text and "Predictions: 2" in r.text and "• 7 d" in r.buttons()
    r = await harness.send(ADMIN_RU, "/stats")
    assert "Статистика</b> · за всё время" in r.text and "• cancer_rf: 1 запуск (❌ 0) · 3 кредита" in r.text
    assert "Stars: 0 платежей" in r.text


async def test_broadcast_reaches_active_users(harness: Harness, services: Services) -> None:
    for i in range(3):
        await registered(services, TgUser(500 + i, f"bcast{i}"))
    await registered(services, TgUser(600, "off"))
    await confirmed(harness, ADMIN, "/disable off")
    r = await harness.send(ADMIN, "/broadcast")
    assert "Send the text" in r.text
    r = await harness.send(ADMIN, "\x01\u2028")  # Telegram would show nothing: asked again
    assert "Send the text" in r.text and "Send to everyone" not in r.buttons()
    r = await harness.send(ADMIN, "/broadcast \x00")
    assert "Send the text" in r.text
    r = await harness.send(ADMIN, "New model: wine!")
    assert "Now the same text in 🇷🇺 Русский" in r.text
    r = await harness.press(ADMIN, "Skip")
    assert "Broadcast this" in r.text and "New model: wine!" in r.text
    r = await harness.press(ADMIN, "Send to everyone")
    assert "Sending to 3 users" in r.text
    await asyncio.gather(*services.tasks)
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
    harness: Harness, services: Services, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    uid = await registered(services, MALLORY)
    await registered(services, ALICE)
    with caplog.at_level(logging.WARNING):
        r = await harness.send(MALLORY, command)
    assert r.texts == ["⛔ This command is for administrators."]
    assert any("refused" in rec.message and "6666" in rec.message for rec in caplog.records)
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    alice = await db_user(services, ALICE.id)
    assert alice is not None and not alice.disabled


async def test_admin_in_a_group_chat_is_refused(
    harness: Harness, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    await registered(services, ALICE)
    with caplog.at_level(logging.WARNING):
        r = await harness.send(ADMIN, "/credit alice 100", chat_id=-100500, chat_type="supergroup")
    assert r.texts == [  # the same as for everyone in a group
        "👋 I work in a private chat only, so that your balance and predictions stay between us."
        " Tap the button to open it."
    ]
    assert any("supergroup" in rec.message for rec in caplog.records)
    assert await balance_of(services.session_factory, (await db_user(services, ALICE.id)).id) == Decimal("10")  # type: ignore[union-attr]


async def test_admin_buttons_refused_for_non_admins(harness: Harness, services: Services) -> None:
    await registered(services, MALLORY)
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
    async with services.session_factory() as s:
        assert all(m.is_active for m in (await s.scalars(select(Model))).all())


async def test_admin_console_in_russian(harness: Harness, services: Services) -> None:
    await registered(services, ALICE)
    r = await harness.send(ADMIN_RU, "/credit alice 5")
    assert "Начислить 5 кредитов пользователю @alice (баланс 10 → 15)?" in r.text
    r = await harness.press(ADMIN_RU, "Подтвердить")
    assert "Пользователю @alice начислено 5 кредитов. Баланс: 15." in r.text
    r = await harness.send(ADMIN_RU, "/stats")
    assert "Статистика" in r.text
    r = await harness.send(TgUser(6666, "m", language_code="ru"), "/stats")
    assert "только для администраторов" in r.text


async def test_long_arguments_are_echoed_short_and_escaped(harness: Harness, services: Services) -> None:
    """`/user <4,085 characters>` was echoed whole: over Telegram's 4,096 with the message's own
    words. Every echo of an argument is shortened and escaped."""
    await registered(services, ALICE)
    long = "<b>&" + "x" * 4081
    for command in (
        f"/user {long}",
        f"/user {'y' * 4085}",
        f"/disable {long}",
        f"/credit {long} 5",
        f"/credit alice {long}",
        f"/setcost {long} 1",
        f"/setcost iris_logreg {long}",
        f"/enable_model {long}",
        f"/refund {long}",
        f"/users {long}",
    ):
        r = await harness.send(ADMIN, command)
        assert_sendable(r.calls)
        assert r.texts and all(len(text) < 400 for text in r.texts), command[:20]
        if not command.startswith("/users"):
            assert "“&lt;b&gt;&amp;xxx" in r.text or "“yyy" in r.text, command[:20]
            assert "…”" in r.text


@pytest.mark.parametrize("amount", ["1e309", "9" * 40, "1e400"])
async def test_huge_amounts_are_refused_with_a_reason(
    harness: Harness, services: Services, amount: str
) -> None:
    """Quantizing to cents before the range check raised InvalidOperation for these."""
    uid = await registered(services, ALICE)
    for command in (f"/credit @alice {amount}", f"/debit @alice {amount}", f"/setcost iris_logreg {amount}"):
        r = await harness.send(ADMIN, command)
        assert r.texts == [f"⚠️ Bad amount “{amount}”: at most 1,000,000."], command
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    async with services.session_factory() as s:
        model = await s.scalar(select(Model).where(Model.name == "iris_logreg"))
        assert model is not None and model.cost == 1


async def test_an_upload_with_a_huge_cost_is_refused(harness: Harness, services: Services) -> None:
    await harness.send(ADMIN, "/addmodel")
    await harness.upload(ADMIN, "tree.skops", _tree_bytes(2), mime="application/octet-stream")
    for cost, answer in [
        ("1e30", "⚠️ Bad cost: at most 1,000,000."),
        ("1" * 4000, "⚠️ Bad cost: at most 1,000,000."),
        ("1" * 5000, "⚠️ That JSON has a number the bot cannot read"),  # int() refuses it
    ]:
        r = await harness.send(ADMIN, json.dumps(META).replace('"cost": 0.5', f'"cost": {cost}'))
        assert r.text.startswith(answer), cost[:10]
    r = await harness.send(ADMIN, json.dumps(META))
    r = await harness.press(ADMIN, "Publish")
    assert "Model <b>Tiny tree</b> (<code>tiny_tree</code>) added" in r.text


@pytest.mark.parametrize(
    "ref", ["#" + "9" * 20, "9" * 20, "tg:" + "9" * 20, f"#{2**63}", f"#{2**31}", "#²", "tg:①", "²"]
)
async def test_user_ids_out_of_range_are_not_found(harness: Harness, services: Services, ref: str) -> None:
    """SQLite raised OverflowError for ids beyond 64 bits, PostgreSQL an error for ids beyond its
    INTEGER column; int() refused "²", which str.isdigit() takes."""
    await registered(services, ALICE)
    for command in (f"/user {ref}", f"/credit {ref} 5", f"/disable {ref}"):
        r = await harness.send(ADMIN, command)
        assert r.texts == [f"⚠️ No user “{ref}”. Use #id, id, @username, email or tg:telegram_id."], command


@pytest.mark.parametrize("ref", ["9" * 20, "#" + "9" * 20, str(2**31), "²"])
async def test_payment_refs_out_of_range_are_not_found(
    harness: Harness, services: Services, ref: str
) -> None:
    r = await harness.send(ADMIN, f"/refund {ref}")
    assert r.texts == [f"⚠️ No payment “{ref}”."]


_taps = itertools.count(1)


def press_in(h: Harness, tg: TgUser, reply: Reply, label: str) -> Update:
    """A tap on a button of the message sent in `reply` (not necessarily the newest keyboard)."""
    for method, message in reply.calls:
        markup = getattr(method, "reply_markup", None)
        if not (isinstance(message, Message) and isinstance(markup, InlineKeyboardMarkup)):
            continue
        for button in (b for row in markup.inline_keyboard for b in row):
            if label in button.text:
                return h.update(
                    callback_query={
                        "id": f"{message.message_id}-{next(_taps)}",  # each tap its own query
                        "from": tg.as_dict(),
                        "chat_instance": "ci",
                        "data": button.callback_data,
                        "message": message.model_dump(by_alias=True, exclude_none=True),
                    }
                )
    raise AssertionError(f"no button {label!r} in that reply")


def broadcast_texts(h: Harness, chat_id: int) -> list[str]:
    """What broadcasts sent (or tried to send) to this chat: no buttons, unlike the replies there."""
    sent = [c for c in h.session.calls if isinstance(c, SendMessage) and c.reply_markup is None]
    return [c.text for c in sent if int(c.chat_id) == chat_id]


async def test_each_broadcast_preview_sends_its_own_text_once(harness: Harness, services: Services) -> None:
    """Send under preview A sent preview B's text, and B's own Send then said "for
    administrators". Each Send now sends its own preview's text, once however often it is tapped."""
    for i in range(2):
        await registered(services, TgUser(500 + i, f"bcast{i}"))
    first = await harness.send(ADMIN, "/broadcast First news")
    second = await harness.send(ADMIN, "/broadcast Second news")
    r = await harness.feed(press_in(harness, ADMIN, first, "Send to everyone"))
    assert "Sending to 2 users" in r.text
    r = await harness.feed(press_in(harness, ADMIN, first, "Send to everyone"))
    assert r.alerts == ["This broadcast has already been sent."] and not r.texts
    await asyncio.gather(*services.tasks)
    r = await harness.feed(press_in(harness, ADMIN, second, "Send to everyone"))
    assert "Sending to 2 users" in r.text
    r = await harness.feed(press_in(harness, ADMIN, second, "Send to everyone"))
    assert r.alerts == ["This broadcast has already been sent."]
    await asyncio.gather(*services.tasks)
    for i in range(2):
        assert broadcast_texts(harness, 500 + i) == ["First news", "Second news"]
    # a preview whose dialog was left since is out of date, and says so
    third = await harness.send(ADMIN, "/broadcast Third news")
    await harness.send(ADMIN, "/cancel")
    r = await harness.feed(press_in(harness, ADMIN, third, "Send to everyone"))
    assert r.alerts == ["This preview is out of date. Send /broadcast again."] and not r.texts
    await asyncio.gather(*services.tasks)
    assert broadcast_texts(harness, 500) == ["First news", "Second news"]


class BlockedBy(LocalSession):
    """Telegram, where the users in `blocked` have blocked the bot: 403 for messages to them."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: set[int] = set()

    def _answer(self, bot: Any, method: Any) -> Any:
        if isinstance(method, SendMessage) and int(method.chat_id) in self.blocked:
            raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")
        return super()._answer(bot, method)


async def test_users_who_blocked_the_bot_are_skipped_until_they_write(services: Services) -> None:
    session = BlockedBy()
    h = Harness(services, session)
    statements: list[str] = []
    sa_event.listen(services.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    async def broadcast(text: str) -> str:
        await h.send(ADMIN, f"/broadcast {text}")
        await h.press(ADMIN, "Send to everyone")
        await asyncio.gather(*services.tasks)
        return [c.text for c in session.sent() if "Broadcast done" in c.text][-1]

    try:
        for i in range(3):
            await registered(services, TgUser(500 + i, f"bcast{i}"))
        session.blocked.add(501)
        assert "2 sent, 1 failed, 0 skipped" in await broadcast("one")
        gone = await db_user(services, 501)
        assert gone is not None and gone.unreachable_at is not None
        assert "2 sent, 0 failed, 1 skipped" in await broadcast("two")
        assert broadcast_texts(h, 501) == ["one"]  # tried once, then no more
        statements.clear()
        await h.send(TgUser(500, "bcast0"), "/balance")  # no write for a user who is not marked
        assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE USERS")]
        session.blocked.clear()  # unblocked, and writes to the bot
        r = await h.send(TgUser(501, "bcast1"), "/start")
        assert "balance <b>10</b>" in r.text
        back = await db_user(services, 501)
        assert back is not None and back.unreachable_at is None
        assert "3 sent, 0 failed, 0 skipped" in await broadcast("three")
        assert broadcast_texts(h, 501) == ["one", "three"]
    finally:
        await h.close()
