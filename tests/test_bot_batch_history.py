"""CSV batches, balance, history and transactions through the real Dispatcher."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import BufferedInputFile, Update
from sklearn.tree import DecisionTreeClassifier
from sqlalchemy import func, select, update

from bot.app import Services
from bot.i18n import I18n
from db.ledger import deduct_balance, increase_balance
from db.models import Model, Prediction
from ml import formats
from tests.bot_harness import Harness, TgUser
from tests.bot_helpers import publish_model, registered
from tests.helpers import assert_reconciled, balance_of, transactions_of
from tests.telegram_limits import assert_sendable

CARL = TgUser(3001, "carl")
DINA = TgUser(3002, "dina", language_code="ru")

IRIS_CSV = (
    "sepal_length,sepal_width,petal_length,petal_width,comment\n"
    "5.1,3.5,1.4,0.2,first\n"
    "6.7,3.0,5.2,2.3,second\n"
    "5.9,abc,4.2,1.3,bad number\n"
    "5.0,3.4,1.5,99,out of range\n"
    "\n"
    "6.0,2.9,4.5,1.5,last\n"
)


async def start_batch(h: Harness, tg: TgUser, model: str = "Iris") -> None:
    await h.send(tg, "/predict")
    await h.press(tg, model if tg.language_code == "en" or model != "Iris" else "Вид ириса")
    await h.press(tg, "Batch" if tg.language_code == "en" else "Пакетом")


async def test_csv_batch_charges_valid_rows_only(harness: Harness, services: Services) -> None:
    uid = await registered(services, CARL)
    await harness.send(CARL, "/predict")
    await harness.press(CARL, "Iris")
    r = await harness.press(CARL, "Batch")
    [template] = r.documents
    assert isinstance(template.document, BufferedInputFile)
    assert (
        template.document.data.decode().splitlines()[0] == "sepal_length,sepal_width,petal_length,petal_width"
    )
    assert "header row" in r.text
    r = await harness.upload(CARL, "flowers.csv", IRIS_CSV.encode())
    assert "Valid rows: <b>3</b>" in r.text and "invalid (not charged): 2" in r.text
    assert "Row 4: ⚠️ <b>Sepal width, cm</b>: “abc” is not a number" in r.text
    assert "Row 5: ⚠️ <b>Petal width, cm</b>: 99 is outside the allowed range" in r.text
    assert "3 × 1 = <b>3</b> credits" in r.text and "Balance: 10 → <b>7</b>" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    r = await harness.press(CARL, "Confirm and pay 3")
    [result] = r.documents
    assert "3 predicted, 0 failed" in (result.caption or "") and "balance 7" in (result.caption or "")
    assert r.buttons() == ["🏠 Menu"]  # 7 credits still pay for more: no Top up
    assert isinstance(result.document, BufferedInputFile)
    rows = list(csv.DictReader(io.StringIO(result.document.data.decode())))
    assert [row["status"] for row in rows] == ["completed", "completed", "invalid", "invalid", "completed"]
    assert rows[0]["prediction"] == "Iris setosa" and rows[1]["prediction"] == "Iris virginica"
    assert rows[0]["comment"] == "first" and float(rows[0]["p_Iris setosa"]) > 0.5
    assert rows[2]["error"].startswith("Sepal width, cm: “abc” is not a number")  # words, not a code
    assert await balance_of(services.session_factory, uid) == Decimal("7")
    charges = [t for t in await transactions_of(services.session_factory, uid) if t.kind == "charge"]
    assert len(charges) == 3 and len({t.prediction_id for t in charges}) == 3
    # Confirm tapped again: the same batch, not a second charge
    r = await harness.feed(harness.press_update(CARL, "Confirm and pay 3"))
    assert await balance_of(services.session_factory, uid) == Decimal("7")
    await assert_reconciled(services.session_factory)


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_batch_that_spends_the_balance_offers_top_up(
    harness: Harness, services: Services, lang: str
) -> None:
    user = CARL if lang == "en" else DINA
    uid = await registered(services, user, lang=lang)
    t = I18n().translator(lang)
    await start_batch(harness, user)
    rows = "sepal_length,sepal_width,petal_length,petal_width\n" + "5.1,3.5,1.4,0.2\n" * 10
    await harness.upload(user, "ten.csv", rows.encode())
    r = await harness.press(user, t("btn_confirm", cost=10)[:10])
    [result] = r.documents
    assert result.reply_markup is not None
    assert r.buttons() == [t("btn_topup"), t("btn_menu")]  # 0 credits left: a run needs 1
    assert await balance_of(services.session_factory, uid) == Decimal(0)


async def test_csv_with_semicolons_and_decimal_commas_in_russian(
    harness: Harness, services: Services
) -> None:
    uid = await registered(services, DINA)
    await start_batch(harness, DINA)
    data = "sepal_length;sepal_width;petal_length;petal_width\n5,1;3,5;1,4;0,2\n".encode("cp1251")
    r = await harness.upload(DINA, "data.csv", data)
    assert "Корректных строк: <b>1</b>" in r.text
    r = await harness.press(DINA, "Подтвердить")
    assert "Готово: предсказано 1" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("9")


async def test_bad_files_are_explained_and_not_charged(harness: Harness, services: Services) -> None:
    uid = await registered(services, CARL)
    await start_batch(harness, CARL)
    r = await harness.upload(CARL, "model.png", b"\x89PNG", mime="image/png")
    assert "send a <b>.csv</b> file" in r.text
    r = await harness.upload(CARL, "a.csv", b"sepal_length,sepal_width\n1,2\n")
    assert "Missing columns: petal_length, petal_width" in r.text
    r = await harness.upload(CARL, "a.csv", b"")
    assert "empty" in r.text
    r = await harness.upload(CARL, "a.csv", b"sepal_length,sepal_width,petal_length,petal_width\n")
    assert "no rows" in r.text
    too_many = "sepal_length,sepal_width,petal_length,petal_width\n" + "5,3,1,0.2\n" * 1001
    r = await harness.upload(CARL, "a.csv", too_many.encode())
    assert "Too many rows: 1,001, at most 1,000" in r.text
    r = await harness.upload(CARL, "a.csv", b"x" * 1_000_001)
    assert "too big" in r.text
    r = await harness.upload(CARL, "a.csv", b"sepal_length,sepal_width,petal_length,petal_width\nx,y,z,w\n")
    assert "No valid rows" in r.text
    r = await harness.send(CARL, "just text")
    assert "send a CSV file" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("10")


async def test_batch_larger_than_the_balance_is_refused(harness: Harness, services: Services) -> None:
    uid = await registered(services, CARL)
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, 8, "spent")
    await start_batch(harness, CARL)
    r = await harness.upload(CARL, "a.csv", IRIS_CSV.encode())
    assert "Not enough credits: 3 × 1 = <b>3</b>" in r.text and not any("Confirm" in b for b in r.buttons())
    async with services.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(Prediction)) == 0


async def test_balance_history_detail_repeat_and_transactions(harness: Harness, services: Services) -> None:
    uid = await registered(services, CARL)
    for _ in range(7):
        await services.predictions.run(user_id=uid, model_name="iris_logreg", values="5.1 3.5 1.4 0.2")
    r = await harness.send(CARL, "/balance")
    assert "Balance: <b>3</b>" in r.text and r.text.count(": Iris species") == 5
    assert "<code>−1</code> Prediction #7: Iris species" in r.text and "Prediction using" not in r.text
    r = await harness.send(CARL, "/history")
    assert "page 1/2" in r.text and "#7" in r.text and "setosa" in r.text and "#2" not in r.text
    r = await harness.press(CARL, "▶")
    assert "page 2/2" in r.text and "#1" in r.text
    r = await harness.press(CARL, "#1 ·")
    assert (
        "Prediction #1" in r.text and "Sepal length, cm: <b>5.1</b>" in r.text and "Cost: 1 credit" in r.text
    )
    assert r.calls_of(EditMessageText) and not r.calls_of(SendMessage)  # the list became the detail
    assert "🏠 Menu" in r.buttons()
    r = await harness.press(CARL, "Repeat")
    assert "please check" in r.text and "Petal width, cm: <b>0.2</b>" in r.text
    r = await harness.press(CARL, "Confirm")
    assert "Prediction: <b>Iris setosa</b>" in r.texts[-1] and "balance <b>2</b>" in r.texts[-1]
    r = await harness.send(CARL, "/balance")
    r = await harness.press(CARL, "Transactions")
    assert "page 1/1" in r.text and "Welcome bonus" in r.text and r.text.count(": Iris species") == 8
    assert r.calls_of(EditMessageText) and not r.calls_of(SendMessage)


async def test_empty_history_and_russian_history(harness: Harness, services: Services) -> None:
    await registered(services, DINA)
    r = await harness.send(DINA, "/history")
    assert "Предсказаний пока нет" in r.text
    r = await harness.send(DINA, "/balance")
    assert "Баланс: <b>10</b>" in r.text and "Приветственный бонус" in r.text and "Welcome" not in r.text


async def test_a_batch_is_never_charged_above_its_confirmed_price(
    harness: Harness, services: Services
) -> None:
    uid = await registered(services, CARL)
    async with services.session_factory() as s, s.begin():
        await increase_balance(s, uid, 20, "test top-up")
    await start_batch(harness, CARL)
    await harness.upload(CARL, "flowers.csv", IRIS_CSV.encode())
    old = harness.press_update(CARL, "Confirm and pay 3")
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Model).where(Model.name == "iris_logreg").values(cost=4))
    r = await harness.feed(old)
    assert "The price has changed: it was 1, now it is 4" in r.text
    assert "3 × 4 = <b>12</b> credits" in r.text and "Balance: 30 → <b>18</b>" in r.text
    assert "✅ Confirm and pay 12 cr" in r.buttons() and not r.documents
    assert await balance_of(services.session_factory, uid) == Decimal("30")
    async with services.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(Prediction)) == 0
    r = await harness.feed(harness.tap_again(old))
    assert any("out of date" in a for a in r.alerts)
    assert await balance_of(services.session_factory, uid) == Decimal("30")
    # lowered again before the new Confirm: the lower price is charged
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Model).where(Model.name == "iris_logreg").values(cost=2))
    r = await harness.press(CARL, "Confirm and pay 12")
    [result] = r.documents
    assert "3 predicted" in (result.caption or "") and "Charged 6 credits" in (result.caption or "")
    assert await balance_of(services.session_factory, uid) == Decimal("24")
    await assert_reconciled(services.session_factory)


async def test_a_batch_price_change_in_russian(harness: Harness, services: Services) -> None:
    uid = await registered(services, DINA)
    await start_batch(harness, DINA)
    await harness.upload(
        DINA, "data.csv", b"sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n"
    )
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Model).where(Model.name == "iris_logreg").values(cost=3))
    r = await harness.press(DINA, "Подтвердить")
    assert "Цена изменилась: было 1, стало 3. Проверьте и подтвердите заново." in r.text
    assert "✅ Подтвердить и оплатить 3 кр" in r.buttons()
    assert await balance_of(services.session_factory, uid) == Decimal("10")


def forged_press(h: Harness, tg: TgUser, data: str) -> Update:
    """A callback query with data no keyboard of the bot carries (clients can send any)."""
    message = {"message_id": 1, "date": 0, "chat": {"id": tg.id, "type": "private"}, "text": "m"}
    return h.update(
        callback_query={
            "id": data,
            "from": tg.as_dict(),
            "chat_instance": "c",
            "data": data,
            "message": message,
        }
    )


@pytest.mark.parametrize("pid", ["9" * 23, str(2**63), str(2**31), "-" + "9" * 23])
async def test_forged_prediction_ids_out_of_range_are_not_found(
    harness: Harness, services: Services, pid: str
) -> None:
    """SQLite raised OverflowError for ids beyond 64 bits (PostgreSQL: beyond its INTEGER)."""
    await registered(services, CARL)
    for action in ("show", "repeat"):
        missing = await harness.feed(forged_press(harness, CARL, f"p:{action}:12345"))
        r = await harness.feed(forged_press(harness, CARL, f"p:{action}:{pid}"))
        assert (r.alerts, r.texts) == (missing.alerts, missing.texts)
        assert r.alerts == ["Not found."] if action == "show" else "not available" in r.text


async def test_results_csv_cells_never_start_a_formula(harness: Harness, services: Services) -> None:
    """Cells of the uploaded file came back as they were: "=HYPERLINK(…)" or "@SUM(1)" run as
    formulas when the results file is opened in a spreadsheet. Numbers stay numbers."""
    await registered(services, CARL)
    await start_batch(harness, CARL)
    upload = (
        "sepal_length,sepal_width,petal_length,petal_width,=cmd|' /C calc'!A0\n"
        '5.1,3.5,1.4,0.2,"=HYPERLINK(""http://evil.example"",""Click"")"\n'
        "6.7,3.0,5.2,2.3,@SUM(1)\n"
        '5.9,=1+1,4.2,1.3,"\t+1+1"\n'
        "-5.0,3.4,1.5,0.2,-2\n"
        "6.0,2.9,4.5,1.5,-2+3\n"
    )
    r = await harness.upload(CARL, "evil.csv", upload.encode())
    assert "Valid rows: <b>3</b>" in r.text
    r = await harness.press(CARL, "Confirm and pay 3")
    [result] = r.documents
    assert isinstance(result.document, BufferedInputFile)
    table = list(csv.reader(io.StringIO(result.document.data.decode())))
    assert table[0][4] == "'=cmd|' /C calc'!A0"
    assert [row[4] for row in table[1:]] == [
        '\'=HYPERLINK("http://evil.example","Click")',
        "'@SUM(1)",
        "'+1+1",
        "-2",
        "'-2+3",
    ]
    assert table[3][1] == "'=1+1" and table[4][0] == "-5.0"  # invalid cells come back too
    assert [row[5] for row in table[1:]] == ["completed", "completed", "invalid", "invalid", "completed"]
    for row in table:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or float(cell) < 0, cell


async def test_invalid_rows_of_a_model_with_many_categories_fit_one_message(
    harness: Harness, services: Services
) -> None:
    """Each invalid row's reason lists the categories a value may take: ten of them, for a model
    with many categories, made a message far over Telegram's 4,096 characters."""
    admin = TgUser(9001, "boss")
    kinds = {f"kind_number_{i:03d}": float(i % 2) for i in range(120)} | {"1": 1.0}
    meta = {
        "name": "many_kinds",
        "title": "Many kinds",
        "description": "One input with many categories",
        "task": "classification",
        "algorithm": "DecisionTree",
        "class_names": ["no", "yes"],
        "cost": 1,
        "features": [
            {
                "name": "kind",
                "description": "Kind",
                "type": "category",
                "categories": kinds,
                "example": "kind_number_001",
            }
        ],
    }
    model = formats.dumps(DecisionTreeClassifier(random_state=0).fit([[0.0], [1.0]], [0, 1]))
    r = await publish_model(harness, admin, "kinds.skops", model, json.dumps(meta))
    assert "Model <b>Many kinds</b>" in r.text
    await registered(services, CARL)
    await start_batch(harness, CARL, "Many kinds")
    r = await harness.upload(CARL, "kinds.csv", ("kind\n" + "nope\n" * 12).encode())
    assert_sendable(r.calls)
    assert "No valid rows" in r.text and "Row 2: ⚠️ <b>Kind</b>: there is no option “nope”" in r.text
    assert "more invalid rows (all are in the results file)" in r.text


async def test_a_batch_confirmed_for_one_version_is_not_charged_after_a_replace(
    harness: Harness, services: Services
) -> None:
    admin = TgUser(9001, "boss")
    meta = {
        "name": "tiny_tree",
        "title": "Tiny tree",
        "description": "An uploaded model",
        "task": "classification",
        "algorithm": "DecisionTree",
        "class_names": ["no", "yes"],
        "cost": 1,
        "features": [{"name": "a", "description": "A", "min": 0, "max": 1, "example": 1}],
    }
    uid = await registered(services, CARL)
    for labels in ([0, 1], [1, 0]):
        if labels == [1, 0]:  # the second version arrives while the batch screen is open
            await start_batch(harness, CARL, "Tiny tree")
            r = await harness.upload(CARL, "rows.csv", b"a\n1\n0\n")
            assert "Valid rows: <b>2</b>" in r.text
        model = formats.dumps(DecisionTreeClassifier(random_state=0).fit([[0.0], [1.0]], labels))
        await publish_model(harness, admin, "tree.skops", model, json.dumps(meta))
    r = await harness.press(CARL, "Confirm and pay 2")
    assert "has just been updated, so nothing was charged" in r.text
    assert await balance_of(services.session_factory, uid) == Decimal("10")
