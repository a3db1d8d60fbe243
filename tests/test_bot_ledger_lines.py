"""Balance, History and CSV batches through the real Dispatcher, in English and in Russian: ledger
lines in the user's language from each row's kind, links and params; a CSV batch as one item that
opens to its rows; the results file in the user's delimiter, decimal mark and language; batch
progress; plain failure reasons; screens edited in place, a Menu button on each."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import BufferedInputFile
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast
from sqlalchemy import select

import bot.handlers.batch as batch_handlers
import services.predictions as predictions_module
from bot.app import Services
from bot.batch_csv import outcome_csv, read_batch
from bot.i18n import LOCALES_DIR, I18n, Translator
from db.ledger import deduct_balance, increase_balance
from db.models import Payment, TxKind
from db.payments import create_order, finish_refund, record_payment, start_refund
from tests.bot_harness import Harness, Reply, TgUser
from tests.bot_helpers import registered
from tests.helpers import assert_reconciled, balance_of
from tests.models_for_tests import Exploding, install_model

USERS = {"en": TgUser(3101, "erin"), "ru": TgUser(3102, "roma", language_code="ru")}
IRIS_HEADER = "sepal_length,sepal_width,petal_length,petal_width"

# What each kind of line says (the description column keeps the seed's English text).
LINES = {
    "en": [
        "Welcome bonus",
        "Prediction #1: {iris}",
        "Prediction #2: exploding",
        "Refund: prediction #2 (exploding) failed",
        "Credited by the administrator",
        "Debited by the administrator",
        "Top-up: 100 Stars (order #1)",
        "Stars refunded: 100 Stars returned, credits taken back (order #1)",
        "Stars refund failed: credits restored (order #1)",
        "Promo code <code>HELLO</code>",
        "Balance adjustment",
    ],
    "ru": [
        "Приветственный бонус",
        "Предсказание #1: {iris}",
        "Предсказание #2: exploding",
        "Возврат: предсказание #2 (exploding) не удалось",
        "Начислено администратором",
        "Списано администратором",
        "Пополнение: 100 звёзд (заказ №1)",
        "Возврат звёзд: 100 звёзд возвращено, кредиты списаны (заказ №1)",
        "Возврат звёзд не прошёл: кредиты восстановлены (заказ №1)",
        "Промокод <code>HELLO</code>",
        "Корректировка баланса",
    ],
}
# The seed's English descriptions, and who the admin was: never in a user's ledger (a Russian
# one has no English at all, but for the brand "Stars" and model ids).
NEVER = ["Prediction using", "Admin", "boss", "9001", "Top up", "prize"]
NEVER_RU = [*NEVER, "Welcome", "Refund", "Credited", "Promo", "order"]


def t_for(lang: str) -> Translator:
    return Translator(I18n(), lang)


async def every_kind_of_row(services: Services, tg: TgUser) -> int:
    """A user with a ledger row of each kind, made the way the bot makes them."""
    uid = await registered(services, tg)
    await services.predictions.run(user_id=uid, model_name="iris_logreg", values="5.1 3.5 1.4 0.2")
    await install_model(services, "exploding", Exploding(), cost=1)
    failed = await services.predictions.run(user_id=uid, model_name="exploding", values="1")
    assert failed.status == "failed" and failed.refunded
    async with services.session_factory() as s, s.begin():
        await increase_balance(s, uid, 5, "Admin credit by @boss (9001): prize", kind=TxKind.ADMIN_CREDIT)
        await deduct_balance(s, uid, 2, "Admin debit by @boss (9001)", kind=TxKind.ADMIN_DEBIT)
        order = await create_order(s, uid, 100, Decimal(100))
        await record_payment(
            s, payload=order.payload, charge_id="ch1", telegram_id=tg.id, currency="XTR", total_amount=100
        )
        payment = await s.scalar(select(Payment).where(Payment.telegram_payment_charge_id == "ch1"))
        assert payment is not None
        payment = await start_refund(s, payment)
        await finish_refund(s, payment, "permanent", "refused")
        await increase_balance(s, uid, 3, "Promo code HELLO", kind=TxKind.PROMO, params={"code": "HELLO"})
        await increase_balance(s, uid, 1, "test adjustment")
    return uid


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_every_ledger_line_in_the_users_language(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = USERS[lang]
    await every_kind_of_row(services, tg)
    iris = services.registry.meta("iris_logreg").title_in(lang)
    r = await harness.send(tg, "/balance")
    assert r.text.count("\n<code>") == 5
    first = await harness.press(tg, "Transactions" if lang == "en" else "Операции")
    assert first.calls_of(EditMessageText) and not first.calls_of(SendMessage)  # edited in place
    assert ("page 1/2" if lang == "en" else "стр. 1 из 2") in first.text
    second = await harness.press(tg, "▶")
    assert first.text and second.calls_of(EditMessageText)
    text = first.text + "\n" + second.text
    for expected in LINES[lang]:
        assert expected.format(iris=iris) in text, (expected, text)
    for word in NEVER if lang == "en" else NEVER_RU:
        assert word not in text, word
    assert ("<code>+10</code>" in text) and ("<code>−2</code>" in text)
    for r in (first, second):
        assert any("Menu" in b or "Меню" in b for b in r.buttons())
    # the current page's button changes nothing (an edit to the same text is refused)
    again = await harness.press(tg, "2/2")
    assert not again.calls_of(EditMessageText) and not again.calls_of(SendMessage)
    await assert_reconciled(services.session_factory)


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_failed_prediction_in_history_says_why_in_plain_words(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = USERS[lang]
    uid = await registered(services, tg)
    await install_model(services, "exploding", Exploding(), cost=1)
    await services.predictions.run(user_id=uid, model_name="exploding", values="1")
    r = await harness.send(tg, "/history")
    r = await harness.press(tg, "#1 ·")
    assert "ValueError" not in r.text and "boom" not in r.text
    expected = {
        "en": "The model could not process these inputs. The credits were refunded.",
        "ru": "Модель не смогла обработать эти значения. Кредиты возвращены.",
    }[lang]
    assert expected in r.text
    assert r.calls_of(EditMessageText) and ("🏠 Menu" if lang == "en" else "🏠 Меню") in r.buttons()


def iris_rows(n: int, delimiter: str = ",", comma: bool = False) -> bytes:
    row = ["5.1", "3.5", "1.4", "0.2"]
    if comma:
        row = [c.replace(".", ",") for c in row]
    lines = [IRIS_HEADER.replace(",", delimiter)] + [delimiter.join(row)] * n
    return ("\n".join(lines) + "\n").encode()


async def upload_and_confirm(h: Harness, tg: TgUser, data: bytes) -> Reply:
    en = tg.language_code == "en"
    await h.send(tg, "/predict")
    await h.press(tg, "Iris" if en else "Вид ириса")
    await h.press(tg, "Batch" if en else "Пакетом")
    await h.upload(tg, "rows.csv", data)
    return await h.press(tg, "Confirm" if en else "Подтвердить")


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_batch_is_one_item_in_balance_and_history_and_opens_to_its_rows(
    harness: Harness, services: Services, lang: str
) -> None:
    tg = USERS[lang]
    en = lang == "en"
    uid = await registered(services, tg)
    async with services.session_factory() as s, s.begin():
        await increase_balance(s, uid, 100, "test top-up")
    r = await upload_and_confirm(harness, tg, iris_rows(25))
    assert r.documents
    iris = services.registry.meta("iris_logreg").title_in(lang)
    item = (
        f"CSV batch: {iris}, 25 rows, 25 credits (25 done, 0 refunded)"
        if en
        else f"Пакет из CSV-файла: {iris}, 25 строк, 25 кредитов (выполнено: 25, возвращено: 0)"
    )
    r = await harness.send(tg, "/balance")
    assert f"<code>−25</code> {item}" in r.text and r.text.count("\n<code>") == 3  # batch, top-up, welcome
    r = await harness.press(tg, "📄 CSV batch" if en else "📄 Пакет из CSV-файла")
    assert r.calls_of(EditMessageText) and not r.calls_of(SendMessage)
    assert item in r.text and r.text.count("✅ #") == 10
    assert ("rows, page 1/3" if en else "строки, стр. 1 из 3") in r.text
    r = await harness.press(tg, "▶")
    assert ("page 2/3" if en else "стр. 2 из 3") in r.text and "✅ #11 · " in r.text
    r = await harness.press(tg, "◀ Transactions" if en else "◀ Операции")
    assert ("page 1/1" if en else "стр. 1 из 1") in r.text and item in r.text

    r = await harness.send(tg, "/history")
    assert item in r.text and r.text.count("📄") == 1 and "#2 ·" not in r.text
    r = await harness.press(tg, "📄 CSV batch" if en else "📄 Пакет из CSV-файла")
    assert item in r.text and ("🏠 Menu" if en else "🏠 Меню") in r.buttons()
    r = await harness.press(tg, "✅ #3")
    assert ("Prediction #3" if en else "Предсказание #3") in r.text
    r = await harness.press(tg, "◀")
    assert ("Your predictions" if en else "Ваши предсказания") in r.text
    await assert_reconciled(services.session_factory)


@pytest.mark.parametrize(
    ("lang", "delimiter", "comma", "header", "decimal"),
    [
        ("ru", ";", True, ["статус", "предсказание"], ","),
        ("ru", ";", False, ["статус", "предсказание"], ","),
        ("ru", ",", False, ["статус", "предсказание"], "."),
        ("en", ";", False, ["status", "prediction"], "."),
        ("en", ",", False, ["status", "prediction"], "."),
    ],
)
async def test_the_results_file_follows_the_upload_and_the_users_language(
    harness: Harness,
    services: Services,
    lang: str,
    delimiter: str,
    comma: bool,
    header: list[str],
    decimal: str,
) -> None:
    tg = USERS[lang]
    await registered(services, tg)
    data = iris_rows(2, delimiter, comma)
    bad = ("5,9;abc;4,2;1,3" if comma else "5.9;abc;4.2;1.3").replace(";", delimiter)
    r = await upload_and_confirm(harness, tg, data + (bad + "\n").encode())
    [result] = r.documents
    assert isinstance(result.document, BufferedInputFile)
    table = list(csv.reader(io.StringIO(result.document.data.decode()), delimiter=delimiter))
    assert table[0][4:6] == header and len(table[0]) == 4 + 2 + 3 + 1
    meta = services.registry.meta("iris_logreg")
    assert table[1][5] == meta.class_label("setosa", lang)
    probability = table[1][6]
    assert decimal in probability and ("," if decimal == "." else ".") not in probability
    error = table[3][-1]
    assert error and "<" not in error and "⚠" not in error and "&" not in error
    assert ("not a number" if lang == "en" else "нужно число") in error, error
    assert table[3][4] == ("invalid" if lang == "en" else "некорректная строка")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_failed_rows_reason_in_the_results_file_is_a_plain_sentence(services: Services, lang: str) -> None:
    meta = services.registry.meta("iris_logreg")
    parsed = read_batch(meta, iris_rows(2), 10)
    items = [(1, "completed", {"label": "setosa", "probabilities": {"setosa": 1.0}}), (2, "failed", None)]
    items[1] = (2, "failed", {"error": "ValueError: boom: the model blew up"})
    table = list(csv.reader(io.StringIO(outcome_csv(t_for(lang), meta, parsed, items).decode())))
    reason = table[2][-1]
    assert "ValueError" not in reason and "boom" not in reason
    assert reason == (
        "The model could not process these inputs. The credits for this row were refunded."
        if lang == "en"
        else "Модель не смогла обработать эти значения. Кредиты за эту строку возвращены."
    )
    timeout = [(1, "failed", {"error": "model iris took longer than 30s"})] * 2
    table = list(csv.reader(io.StringIO(outcome_csv(t_for(lang), meta, parsed, timeout).decode())))
    assert table[1][-1].startswith("The model took too long" if lang == "en" else "Модель слишком долго")


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_batch_shows_its_progress_then_its_result(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.setattr(batch_handlers, "PROGRESS_INTERVAL", 0)
    monkeypatch.setattr(predictions_module, "BATCH_CHUNK", 1)
    tg = USERS[lang]
    uid = await registered(services, tg)
    r = await upload_and_confirm(harness, tg, iris_rows(4))
    edits = [m.text for m in r.calls_of(EditMessageText)]
    word = "predicting…" if lang == "en" else "обрабатываю…"
    progress = [e for e in edits if word in e]
    assert progress, edits
    shown = [int(e.split(" ")[-3]) for e in progress]  # "… 2 of 4" / "… готово 2 из 4"
    assert shown == sorted(set(shown)) and all(1 <= n < 4 for n in shown)
    finished = "4 of 4 done" if lang == "en" else "готово 4 из 4"
    assert finished in edits[-1]
    # the file comes after the last edit of the message
    kinds = [type(m).__name__ for m, _ in r.calls]
    assert kinds.index("SendDocument") > max(i for i, k in enumerate(kinds) if k == "EditMessageText")
    assert await balance_of(services.session_factory, uid) == Decimal(6)


async def test_progress_edits_wait_their_interval(
    harness: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most one edit per PROGRESS_INTERVAL: with a long one, none before the result."""
    monkeypatch.setattr(batch_handlers, "PROGRESS_INTERVAL", 3600)
    monkeypatch.setattr(predictions_module, "BATCH_CHUNK", 1)
    tg = USERS["en"]
    await registered(services, tg)
    r = await upload_and_confirm(harness, tg, iris_rows(4))
    edits = [m.text for m in r.calls_of(EditMessageText)]
    assert not [e for e in edits if "predicting…" in e]
    assert "predicting 4 rows" in edits[0] and "4 of 4 done" in edits[-1] and r.documents


RU_ALLOWED = {"CSV", "csv", "UTF", "Telegram", "Stars", "UTC"}  # brands, units, the ".csv" extension


@pytest.mark.parametrize("topic", ["balance", "history", "batch"])
def test_russian_balance_history_and_batch_texts_have_no_english_words(topic: str) -> None:
    path = LOCALES_DIR / "ru" / f"{topic}.ftl"
    for entry in FluentParser().parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(entry, fluent_ast.Message) or entry.value is None:
            continue
        texts = [e.value for e in entry.value.elements if isinstance(e, fluent_ast.TextElement)]
        for placeable in entry.value.elements:  # plural variants
            expression = getattr(placeable, "expression", None)
            if isinstance(expression, fluent_ast.SelectExpression):
                for variant in expression.variants:
                    texts += [
                        e.value for e in variant.value.elements if isinstance(e, fluent_ast.TextElement)
                    ]
        text = re.sub(r"<[^>]+>|/[a-z_]+", " ", " ".join(texts))  # tags and commands
        english = {w for w in re.findall(r"[A-Za-z][A-Za-z0-9_]+", text) if w not in RU_ALLOWED}
        assert not english, (entry.id.name, english)
