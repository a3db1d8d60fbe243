"""Catalogue, step-by-step input, confirmation and the paid run, through the real Dispatcher."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from html import escape

import pytest
from sqlalchemy import func, select, update

from bot import replies
from bot.app import Services
from db.ledger import deduct_balance, increase_balance
from db.models import Model, Prediction, Transaction, User
from services.predictions import PredictionOutcome
from tests.bot_harness import Harness, Reply, TgUser
from tests.bot_helpers import confirmed, registered
from tests.helpers import assert_reconciled, balance_of, transactions_of
from tests.models_for_tests import Exploding, Slow
from tests.models_for_tests import install_model as add_model
from tests.telegram_limits import assert_sendable

BOB = TgUser(2001, "bob")
OLGA = TgUser(2002, "olga", language_code="ru")


async def charges(services: Services, user_id: int) -> int:
    return sum(1 for t in await transactions_of(services.session_factory, user_id) if t.kind == "charge")


async def open_iris(h: Harness, tg: TgUser) -> None:
    await h.send(tg, "/predict")
    await h.press(tg, "Iris" if tg.language_code == "en" else "Вид ириса")
    await h.press(tg, "Enter inputs" if tg.language_code == "en" else "Ввести параметры")


async def test_catalogue_and_model_card(harness: Harness, services: Services) -> None:
    await registered(services, BOB)
    r = await harness.send(BOB, "/predict")
    assert "Choose a model" in r.text
    assert r.buttons()[:4] == [
        "Iris species · 1 cr",
        "Diabetes progression · 2 cr",
        "Wine cultivar · 2 cr",
        "Breast cancer diagnosis · 3 cr",
    ]
    r = await harness.press(BOB, "Breast cancer")
    assert "RandomForest" not in r.text and "right about 96 times in 100" in r.text
    assert "What to enter (30)" in r.text and "• Radius, mean — a number from 0 to 38.67" in r.text
    assert "… and 18 more" in r.text and "Price: <b>3</b> credits" in r.text
    assert "balance: <b>10</b>" in r.text
    assert "This is not medical advice" in r.text
    assert "▶ Enter inputs" in r.buttons() and "📄 Batch from a CSV file" in r.buttons()


async def test_step_by_step_with_a_wrong_value_then_confirm(harness: Harness, services: Services) -> None:
    # a run that ends before the "running…" notice is due (conftest sets it far out) shows none
    uid = await registered(services, BOB)
    await harness.send(BOB, "/predict")
    await harness.press(BOB, "Iris")
    r = await harness.press(BOB, "Enter inputs")
    assert (
        "1/4. Sepal length, cm" in r.text
        and "from 2.5 to 9.7" in r.text
        and "Example: <code>5.8</code>" in r.text
    )
    assert "paste all 4 values" in r.text
    r = await harness.send(BOB, "five")
    assert "<b>Sepal length, cm</b>: “five” is not a number. Expected a number from 2.5 to 9.7." in r.text
    r = await harness.send(BOB, "50")
    assert "50 is outside the allowed range" in r.text
    r = await harness.send(BOB, "nan")
    assert "“nan” is not an ordinary number" in r.text
    r = await harness.send(BOB, "5,1")  # decimal comma
    assert "2/4. Sepal width, cm" in r.text and "◀ Back" in r.buttons()
    r = await harness.press(BOB, "Back")
    assert "1/4. Sepal length, cm" in r.text
    await harness.send(BOB, "5.1")
    await harness.send(BOB, "3.5")
    r = await harness.press(BOB, "Use example")
    assert "4/4. Petal width, cm" in r.text
    r = await harness.send(BOB, "0.2")
    assert "please check" in r.text and "Petal length, cm: <b>4.35</b>" in r.text
    assert "Price: <b>1</b> credit" in r.text and "Balance: 10 → <b>9</b>" in r.text
    assert await charges(services, uid) == 0  # nothing charged before Confirm
    r = await harness.press(BOB, "Confirm and pay 1")
    # A quick model: the confirmation screen becomes the result, with no "running" in between.
    assert len(r.texts) == 1 and not any(type(m).__name__ == "SendChatAction" for m, _ in r.calls)
    assert "Prediction: <b>" in r.texts[-1] and "█" in r.texts[-1] and "balance <b>9</b>" in r.texts[-1]
    assert "Charged <b>1</b>" in r.texts[-1]
    assert await balance_of(services.session_factory, uid) == Decimal("9")
    async with services.session_factory() as s:
        pred = (await s.scalars(select(Prediction))).one()
    assert pred.status == "completed" and pred.input_data == {
        "sepal_length": 5.1,
        "sepal_width": 3.5,
        "petal_length": 4.35,
        "petal_width": 0.2,
    }
    assert pred.result["label"] in {"setosa", "versicolor", "virginica"}
    await assert_reconciled(services.session_factory)


async def test_all_values_pasted_at_once_in_russian(harness: Harness, services: Services) -> None:
    uid = await registered(services, OLGA)
    await open_iris(harness, OLGA)
    r = await harness.send(OLGA, "5,1; 3,5; 1,4")
    assert "Нужно значений: <b>4</b>, а прислано: <b>3</b>" in r.text
    r = await harness.send(OLGA, "5,1; 3,5; 1,4; 0,2")
    assert "проверьте, всё ли верно" in r.text and "Баланс: 10 → <b>9</b>" in r.text
    assert "• Длина чашелистика, см: <b>5,1</b>" in r.text and "sepal" not in r.text
    r = await harness.press(OLGA, "Подтвердить")
    assert "Прогноз: <b>Ирис щетинистый</b>" in r.texts[-1] and "баланс <b>9</b>" in r.texts[-1]
    assert "setosa" not in r.texts[-1]
    assert await balance_of(services.session_factory, uid) == Decimal("9")


async def test_name_value_pairs_and_errors_naming_the_feature(harness: Harness, services: Services) -> None:
    await registered(services, BOB)
    await open_iris(harness, BOB)
    r = await harness.send(BOB, "sepal_length=5.1 petal_width=0.2 colour=red")
    assert "Unknown input “colour”" in r.text
    r = await harness.send(BOB, "sepal_length=5.1 petal_width=0.2")
    assert "Missing inputs: Sepal width, cm, Petal length, cm" in r.text
    r = await harness.send(BOB, "sepal_length=5.1 sepal_width=3.5 petal_length=1.4 petal_width=99")
    assert "<b>Petal width, cm</b>: 99 is outside the allowed range" in r.text
    r = await harness.send(BOB, "petal_width=0.2, petal_length=1.4, sepal_width=3.5, sepal_length=5.1")
    assert "please check" in r.text


async def test_category_and_integer_inputs(harness: Harness, services: Services) -> None:
    await registered(services, BOB)
    await harness.send(BOB, "/predict")
    await harness.press(BOB, "Diabetes")
    await harness.press(BOB, "Enter inputs")
    r = await harness.send(BOB, "50.5")
    assert "<b>Age, years</b>: 50.5 is not a whole number" in r.text
    r = await harness.send(BOB, "50")
    assert "2/10. Sex" in r.text and r.buttons()[:2] == ["Group 1", "Group 2"]
    r = await harness.send(BOB, "male")
    assert "<b>Sex</b>: there is no option “male”. Expected one of: Group 1, Group 2." in r.text
    r = await harness.send(BOB, "2")
    assert "3/10. Body mass index, kg/m²" in r.text


async def test_insufficient_balance_is_said_before_confirming(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, 8, "spent")
    await harness.send(BOB, "/predict")
    r = await harness.press(BOB, "Breast cancer")
    assert "Not enough credits" in r.text and "➕ Top up" in r.buttons()
    assert "▶ Enter inputs" not in r.buttons()
    r = await harness.press(BOB, "Top up")
    assert "Top up" in r.text
    # enough for iris at first, then the balance drops before Confirm
    await open_iris(harness, BOB)
    await harness.send(BOB, "5.1 3.5 1.4 0.2")
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, "1.5", "spent elsewhere")
    r = await harness.press(BOB, "Confirm")
    assert "Not enough credits" in r.texts[-1] and "balance is <b>0.5</b>" in r.texts[-1]
    assert await charges(services, uid) == 0
    async with services.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(Prediction)) == 0


async def test_confirm_screen_when_already_unaffordable(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    await open_iris(harness, BOB)
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, "9.5", "spent")
    r = await harness.send(BOB, "5.1 3.5 1.4 0.2")
    assert "Not enough credits" in r.text and "➕ Top up" in r.buttons()
    assert not any("Confirm" in b for b in r.buttons())


async def test_double_confirm_charges_once(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    await open_iris(harness, BOB)
    await harness.send(BOB, "5.1 3.5 1.4 0.2")
    first = harness.press_update(BOB, "Confirm")
    second = harness.press_update(BOB, "Confirm")  # a second tap on the same button
    r1, r2 = await asyncio.gather(harness.feed(first), harness.feed(second))
    assert await charges(services, uid) == 1
    assert await balance_of(services.session_factory, uid) == Decimal("9")
    texts = r1.text + r2.text
    assert texts.count("Charged <b>1</b>") == 2  # the second tap shows the same, single run
    assert "Already done" in " ".join(r1.alerts + r2.alerts) or "Already done" in texts
    # a tap much later on the old screen: still no second charge
    r3 = await harness.feed(harness.press_update(BOB, "Confirm"))
    assert "Already done" in " ".join(r3.alerts) and await charges(services, uid) == 1
    await assert_reconciled(services.session_factory)


async def test_the_same_update_fed_twice_charges_once(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    await open_iris(harness, BOB)
    await harness.send(BOB, "5.1 3.5 1.4 0.2")
    confirm = harness.press_update(BOB, "Confirm")
    await harness.feed(confirm)
    r = await harness.feed(confirm)  # Telegram delivers the very same update again
    assert r.calls == []
    # even a fresh bot process (no memory of update ids) does not charge again
    other = Harness(services)
    try:
        await other.feed(confirm)
    finally:
        await other.close()
    assert await charges(services, uid) == 1
    assert await balance_of(services.session_factory, uid) == Decimal("9")


async def test_a_stale_confirm_after_cancel_does_nothing(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    await open_iris(harness, BOB)
    await harness.send(BOB, "5.1 3.5 1.4 0.2")
    stale = harness.press_update(BOB, "Confirm")
    await harness.press(BOB, "Cancel")
    r = await harness.feed(stale)
    assert any("out of date" in a for a in r.alerts)
    assert await charges(services, uid) == 0


async def test_a_failing_model_says_so_and_refunds(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    await add_model(services, "exploding", Exploding(), cost=2)
    await harness.send(BOB, "/predict")
    await harness.press(BOB, "exploding")
    await harness.press(BOB, "Enter inputs")
    await harness.send(BOB, "3")
    r = await harness.press(BOB, "Confirm")
    assert "The model could not process these inputs." in r.texts[-1]
    assert "credits were returned" in r.texts[-1]
    assert "boom" not in r.texts[-1] and "Error" not in r.texts[-1]
    assert await balance_of(services.session_factory, uid) == Decimal("10")
    kinds = [t.kind for t in await transactions_of(services.session_factory, uid)]
    assert kinds == ["welcome", "charge", "refund"]


async def test_restart_mid_dialog_continues(services: Services) -> None:
    uid = await registered(services, BOB)
    first = Harness(services)
    await open_iris(first, BOB)
    await first.send(BOB, "5.1")
    await first.send(BOB, "3.5")
    await first.close()  # the bot stops

    second = Harness(services)  # a new Dispatcher and storage over the same files
    try:
        r = await second.send(BOB, "1.4")
        assert "4/4. Petal width, cm" in r.text
        r = await second.send(BOB, "0.2")
        assert "Sepal length, cm: <b>5.1</b>" in r.text and "Sepal width, cm: <b>3.5</b>" in r.text
        r = await second.press(BOB, "Confirm")
        assert "Prediction: <b>Iris setosa</b>" in r.texts[-1]
    finally:
        await second.close()
    assert await balance_of(services.session_factory, uid) == Decimal("9")


async def test_commands_work_mid_dialog(harness: Harness, services: Services) -> None:
    await registered(services, BOB)
    await open_iris(harness, BOB)
    await harness.send(BOB, "5.1")
    r = await harness.send(BOB, "/balance")
    assert "Balance: <b>10</b>" in r.text
    r = await harness.send(BOB, "3.5")  # the dialog is still there
    assert "3/4. Petal length, cm" in r.text


async def test_disabled_model_leaves_the_catalogue(harness: Harness, services: Services) -> None:
    await registered(services, BOB)
    await open_iris(harness, BOB)
    await harness.send(BOB, "5.1 3.5 1.4 0.2")
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Model).where(Model.name == "iris_logreg").values(is_active=False))
    r = await harness.press(BOB, "Confirm")
    assert "not available" in r.text
    r = await harness.send(BOB, "/predict")
    assert not any("Iris" in b for b in r.buttons())
    async with services.session_factory() as s:
        assert (
            await s.scalar(select(func.count()).select_from(Transaction).where(Transaction.kind == "charge"))
            == 0
        )


BAD_INPUTS = [
    (
        "abc",
        "<b>Sepal length, cm</b>: “abc” is not a number. Expected a number from 2.5 to 9.7.",
        "<b>Длина чашелистика, см</b>: неверное значение «abc», нужно число от 2,5 до 9,7.",
    ),
    ("inf", "<b>Sepal length, cm</b>: “inf” is not an ordinary number", "«inf» — не обычное число"),
    ("1e999", "“1e999” is not an ordinary number", "<b>Длина чашелистика, см</b>: «1e999» — не обычное"),
    (
        "100",
        "<b>Sepal length, cm</b>: 100 is outside the allowed range",
        "<b>Длина чашелистика, см</b>: значение 100 вне допустимых пределов, нужно число от 2,5 до 9,7.",
    ),
    ("1 2", "Expected <b>4</b> values, got <b>2</b>", "Нужно значений: <b>4</b>, а прислано: <b>2</b>"),
    ("a=1", "Unknown input “a”", "Неизвестный параметр «a»"),
    (
        "sepal_length=5",
        "Missing inputs: Sepal width, cm, Petal length, cm, Petal width, cm",
        "Не хватает параметров: Ширина чашелистика, см, Длина лепестка, см, Ширина лепестка, см",
    ),
    (
        "sepal_length=5 sepal_length=6 sepal_width=1 petal_length=1 petal_width=1",
        "<b>Sepal length, cm</b> is given twice",
        "Параметр <b>Длина чашелистика, см</b> указан дважды",
    ),
    ("oops sepal_length=5", "Write every value as <code>name=value</code>", "<code>имя=значение</code>"),
    ("1 " * 2100, "too long", "слишком длинное"),
]


@pytest.mark.parametrize(("text", "en", "ru"), BAD_INPUTS)
@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_every_bad_input_class_is_explained(
    harness: Harness, services: Services, text: str, en: str, ru: str, lang: str
) -> None:
    tg = TgUser(2100, "inputs", language_code=lang)
    uid = await registered(services, tg)
    await open_iris(harness, tg)
    r = await harness.send(tg, text)
    assert (en if lang == "en" else ru) in r.text
    # the step stays open
    assert ("Use example" if lang == "en" else "Подставить пример") in " ".join(r.buttons())
    assert await charges(services, uid) == 0


async def test_a_slow_run_shows_progress_then_the_result(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replies, "RUNNING_NOTICE_AFTER", 0.3)  # conftest sets it far out
    tg = TgUser(9601, "patient")
    uid = await registered(services, tg)
    await add_model(services, "slow", Slow(1.6), cost=1)  # far longer than the notice's delay
    await harness.send(tg, "/predict")
    await harness.press(tg, "slow")
    await harness.press(tg, "Enter inputs")
    await harness.send(tg, "1")
    r = await harness.press(tg, "Confirm")
    assert "the model is working" in r.texts[0] and "Prediction: <b>" in r.texts[-1]
    assert any(type(m).__name__ == "SendChatAction" for m, _ in r.calls)
    edits = [m for m, _ in r.calls if type(m).__name__ == "EditMessageText"]
    # the notice, then the result with its chart in its place (a text message cannot become a photo)
    assert len(edits) == 1 and r.deleted == [edits[0].message_id] and len(r.photos) == 1
    assert await balance_of(services.session_factory, uid) == Decimal("9")


# -- the price on the confirmation screen is the most a Confirm pays ----------------------------
ADMIN = TgUser(9001, "boss")


async def credit(services: Services, user_id: int, amount: int) -> None:
    async with services.session_factory() as s, s.begin():
        await increase_balance(s, user_id, amount, "test top-up")


async def predictions(services: Services) -> int:
    async with services.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(Prediction)) or 0)


async def test_a_higher_price_asks_again_and_the_old_confirm_cannot_pay_it(
    harness: Harness, services: Services
) -> None:
    uid = await registered(services, BOB)
    await registered(services, ADMIN)
    await credit(services, uid, 100)
    await open_iris(harness, BOB)
    r = await harness.send(BOB, "5.1 3.5 1.4 0.2")
    assert "Confirm and pay 1 cr" in " ".join(r.buttons())
    old = harness.press_update(BOB, "Confirm and pay 1")
    r = await confirmed(harness, ADMIN, "/setcost iris_logreg 90")
    assert "iris_logreg now costs 90 credits" in r.text
    r = await harness.feed(old)
    assert "The price has changed: it was 1, now it is 90" in r.text
    assert "Price: <b>90</b> credits" in r.text and "Balance: 110 → <b>20</b>" in r.text
    assert "✅ Confirm and pay 90 cr" in r.buttons()
    assert await charges(services, uid) == 0 and await predictions(services) == 0
    assert await balance_of(services.session_factory, uid) == Decimal("110")
    # the old button tapped again: nothing is paid
    r = await harness.feed(harness.tap_again(old))
    assert any("out of date" in a for a in r.alerts)
    assert await charges(services, uid) == 0 and await predictions(services) == 0
    r = await harness.press(BOB, "Confirm and pay 90")
    assert "Charged <b>90</b>" in r.texts[0] and "balance <b>20</b>" in r.texts[0]
    assert "not enough for another prediction with Iris species" in r.texts[-1]  # the reminder
    assert await charges(services, uid) == 1
    assert await balance_of(services.session_factory, uid) == Decimal("20")
    await assert_reconciled(services.session_factory)


async def test_a_higher_price_in_russian(harness: Harness, services: Services) -> None:
    uid = await registered(services, OLGA)
    await open_iris(harness, OLGA)
    await harness.send(OLGA, "5,1; 3,5; 1,4; 0,2")
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Model).where(Model.name == "iris_logreg").values(cost=2.5))
    r = await harness.press(OLGA, "Подтвердить")
    assert "Цена изменилась: было 1, стало 2,5. Проверьте и подтвердите заново." in r.text
    assert "✅ Подтвердить и оплатить 2,5 кр" in r.buttons()
    assert await charges(services, uid) == 0
    r = await harness.press(OLGA, "Подтвердить")
    assert "Списано <b>2,5</b>" in r.texts[-1]
    assert await balance_of(services.session_factory, uid) == Decimal("7.5")


async def test_a_lower_price_is_what_is_charged(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    await open_iris(harness, BOB)
    await harness.send(BOB, "5.1 3.5 1.4 0.2")
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Model).where(Model.name == "iris_logreg").values(cost=0.5))
    r = await harness.press(BOB, "Confirm and pay 1")
    assert "Charged <b>0.5</b>" in r.texts[-1] and "balance <b>9.5</b>" in r.texts[-1]
    assert await balance_of(services.session_factory, uid) == Decimal("9.5")
    await assert_reconciled(services.session_factory)


async def test_repeat_shows_the_price_of_now_before_charging(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    await credit(services, uid, 10)
    await open_iris(harness, BOB)
    await harness.send(BOB, "5.1 3.5 1.4 0.2")
    await harness.press(BOB, "Confirm and pay 1")
    async with services.session_factory() as s, s.begin():
        await s.execute(update(Model).where(Model.name == "iris_logreg").values(cost=3))
    r = await harness.press(BOB, "Repeat")
    assert "please check" in r.text and "Price: <b>3</b> credits" in r.text
    assert "✅ Confirm and pay 3 cr" in r.buttons()
    assert await charges(services, uid) == 1  # Repeat itself charges nothing
    r = await harness.press(BOB, "Confirm and pay 3")
    assert "Charged <b>3</b>" in r.texts[-1]
    assert await balance_of(services.session_factory, uid) == Decimal("16")


async def test_a_screen_without_a_stored_price_charges_nothing(harness: Harness, services: Services) -> None:
    """A dialog saved before screens stored their price: Confirm shows the price, then pays."""
    uid = await registered(services, BOB)
    await open_iris(harness, BOB)
    await harness.send(BOB, "5.1 3.5 1.4 0.2")
    state = harness.dp.fsm.get_context(bot=harness.bot, chat_id=BOB.id, user_id=BOB.id)
    data = await state.get_data()
    await state.set_data({k: v for k, v in data.items() if k != "cost"})
    r = await harness.press(BOB, "Confirm and pay 1")
    assert "please check" in r.text and "Price: <b>1</b> credit" in r.text
    assert await charges(services, uid) == 0
    r = await harness.press(BOB, "Confirm and pay 1")
    assert "Charged <b>1</b>" in r.texts[-1] and await charges(services, uid) == 1


async def test_a_long_unknown_input_name_is_echoed_short_and_escaped(
    harness: Harness, services: Services
) -> None:
    """An unknown input name of 3,600 characters, echoed with the model's 30 input names, was a
    reply of 4,533 characters: Telegram refuses it ("message is too long")."""
    uid = await registered(services, BOB)
    await harness.send(BOB, "/predict")
    await harness.press(BOB, "Breast cancer")
    await harness.press(BOB, "Enter inputs")
    for name in ("a" * 3600, "b" * 3990, "x.y-" + "z" * 3000):
        r = await harness.send(BOB, f"{name}=1")
        assert_sendable(r.calls)
        [text] = r.texts
        assert text.startswith(f"⚠️ Unknown input “{escape(name[:40])}") and "…”" in text
        assert "Inputs: mean_radius, mean_texture, " in text
        assert "Use example" in " ".join(r.buttons())  # the step stays open
    assert await charges(services, uid) == 0


# -- low balance: a reminder once per crossing, Top up on the result -----------------------------


async def run_iris(h: Harness, tg: TgUser) -> Reply:
    await open_iris(h, tg)
    await h.send(tg, "5.1 3.5 1.4 0.2")
    return await h.press(tg, "Confirm" if tg.language_code == "en" else "Подтвердить")


LOW = {
    "en": ("Your balance is 1 credit: enough for 1 more prediction with Iris species.", "➕ Top up"),
    "ru": ("На балансе 1 кредит — хватит ещё на 1 предсказание с моделью «", "➕ Пополнить"),
}
NONE_LEFT = {
    "en": "Your balance is 0 credits: not enough for another prediction with Iris species.",
    "ru": "На балансе 0 кредитов — на следующее предсказание с моделью «",
}


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_low_balance_reminder_once_per_crossing(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = TgUser(BOB.id, BOB.username, language_code=lang)
    uid = await registered(services, tg, lang=lang)
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, 7, "test")  # 3 left; Iris costs 1
    low, topup = LOW[lang]
    r = await run_iris(harness, tg)  # 3 → 2: two runs left, no reminder
    assert len(r.texts) == 1 and topup not in r.buttons()
    r = await run_iris(harness, tg)  # 2 → 1: one left
    assert len(r.texts) == 2 and low in r.texts[1]
    assert "/settings" in r.texts[1] and r.buttons()[-1] == topup
    assert topup not in r.buttons()[:-1]  # the result itself: one more run is still paid for
    r = await run_iris(harness, tg)  # 1 → 0: none left
    assert len(r.texts) == 2 and NONE_LEFT[lang] in r.texts[1]
    result_buttons = r.buttons()[:-1]
    assert result_buttons[0] == topup  # the result can no longer be repeated: Top up first
    for text in r.texts:
        assert_sendable(text)
    # at a balance that pays nothing, the model's card offers Top up instead of a run
    await harness.send(tg, "/predict")
    r = await harness.press(tg, "Iris" if lang == "en" else "Вид ириса")
    assert topup in r.buttons()
    assert await balance_of(services.session_factory, uid) == Decimal("0")
    # topped up and run down again: reminded again (a new crossing)
    await credit(services, uid, 2)
    r = await run_iris(harness, tg)  # 2 → 1
    assert len(r.texts) == 2 and low in r.texts[1]


async def test_no_reminder_when_notifications_are_off(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, 8, "test")
        await s.execute(update(User).where(User.id == uid).values(notifications=False))
    r = await run_iris(harness, BOB)  # 2 → 1
    assert len(r.texts) == 1 and "➕ Top up" not in r.buttons()
    r = await run_iris(harness, BOB)  # 1 → 0
    assert len(r.texts) == 1 and r.buttons()[0] == "➕ Top up"  # the button stays: it is no reminder


async def test_a_replayed_confirm_reminds_once(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, 8, "test")
    await open_iris(harness, BOB)
    await harness.send(BOB, "5.1 3.5 1.4 0.2")
    confirm = harness.press_update(BOB, "Confirm")
    r = await harness.feed(confirm)
    assert "enough for 1 more prediction" in r.texts[-1]
    r = await harness.feed(harness.tap_again(confirm))  # a double tap: the result again, no reminder
    assert not any("🔔" in text for text in r.texts)
    assert await charges(services, uid) == 1


async def test_a_failed_run_reminds_of_nothing(harness: Harness, services: Services) -> None:
    uid = await registered(services, BOB)
    await add_model(services, "exploding", Exploding(), cost=1)
    async with services.session_factory() as s, s.begin():
        await deduct_balance(s, uid, 9, "test")  # 1 left: a charge that stood would leave none
    await harness.send(BOB, "/predict")
    await harness.press(BOB, "exploding")
    await harness.press(BOB, "Enter inputs")
    await harness.send(BOB, "3")
    r = await harness.press(BOB, "Confirm")
    assert len(r.texts) == 1 and "credits were returned" in r.texts[0]  # no reminder: they came back
    assert "➕ Top up" not in r.buttons()  # and it still pays another try
    assert await balance_of(services.session_factory, uid) == Decimal("1")


@pytest.mark.parametrize(
    ("balance", "cost", "left"),
    [("3", "1", None), ("2", "1", None), ("1", "1", 1), ("0", "1", 0), ("1.5", "1", 1), ("0.5", "2", 0),
     ("4", "2", None), ("2", "2", 1), ("1.99", "2", 0), ("0", "0", None)],
)  # fmt: skip
def test_which_charges_cross_a_reminder_line(balance: str, cost: str, left: int | None) -> None:
    outcome = PredictionOutcome(
        prediction_id=1,
        user_id=1,
        model_name="iris_logreg",
        status="completed",
        inputs={},
        result={},
        cost=Decimal(cost),
        balance=Decimal(balance),
    )
    assert replies.runs_left_if_crossed(outcome) == left
    assert replies.runs_left_if_crossed(replace(outcome, duplicate=True)) is None
