"""No Russian reply contains an English word outside an allow-list (issue 16's acceptance test).

A Russian-speaking user (Telegram client language "ru") goes through every main flow through the
real Dispatcher, and an admin through an admin session in Russian; every string the bot shows
them (texts, captions, button labels, tap answers, invoices) goes through the checker in
tests/language_check.py. Buttons are pressed by their callback data, not their labels, so the
flows do not depend on the words being checked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram.methods import SendInvoice

from bot.app import Services
from db.ledger import deduct_balance, to_money
from tests.bot_harness import Harness, Reply, TgUser
from tests.bot_helpers import PASSWORD, db_user, registered
from tests.language_check import english_words, russian_violations

OLGA = TgUser(7001, "olga", language_code="ru", first_name="Ольга")
STRANGER = TgUser(7002, None, language_code="ru", first_name="Пётр")
ADMIN = TgUser(9001, "boss", language_code="ru", first_name="Анна")  # the `admin_id` fixture


@dataclass
class Session:
    """Drives one user and keeps every reply with the step it answered."""

    h: Harness
    tg: TgUser
    seen: list[tuple[str, Reply]] = field(default_factory=list)

    def keep(self, step: str, reply: Reply) -> Reply:
        self.seen.append((step, reply))
        return reply

    async def send(self, text: str, step: str | None = None) -> Reply:
        return self.keep(step or text, await self.h.send(self.tg, text))

    async def press(self, data_prefix: str, step: str | None = None) -> Reply:
        """The newest button in the chat whose callback data starts with `data_prefix`."""
        for message, markup in reversed(self.h.keyboards.get(self.tg.id, [])):
            for row in markup.inline_keyboard:
                for button in row:
                    if button.callback_data and button.callback_data.startswith(data_prefix):
                        update = self.h.update(
                            callback_query={
                                "id": str(time.time_ns()),
                                "from": self.tg.as_dict(),
                                "chat_instance": "ci",
                                "data": button.callback_data,
                                "message": message.model_dump(by_alias=True, exclude_none=True),
                            }
                        )
                        return self.keep(step or data_prefix, await self.h.feed(update))
        raise AssertionError(f"no button with data {data_prefix!r}")

    async def tap(self, data: str, step: str) -> Reply:
        """A button with this data on the newest keyboard's message (a stale or forged one)."""
        message, _ = self.h.keyboards[self.tg.id][-1]
        update = self.h.update(
            callback_query={
                "id": str(time.time_ns()),
                "from": self.tg.as_dict(),
                "chat_instance": "ci",
                "data": data,
                "message": message.model_dump(by_alias=True, exclude_none=True),
            }
        )
        return self.keep(step, await self.h.feed(update))

    async def feed(self, step: str, **payload: Any) -> Reply:
        return self.keep(step, await self.h.feed(self.h.update(**payload)))


def violations(sessions: list[Session], identifiers: list[str], known: frozenset[str]) -> list[str]:
    """Each string with English outside the allow-list and `known`, as a readable line."""
    out = []
    for session in sessions:
        for step, reply in session.seen:
            for where, text, words in russian_violations(reply, identifiers):
                new = [w for w in words if w not in known]
                if new:
                    out.append(f"{step} · {where}: {new} in {text[:200]!r}")
    return out


ROWS = "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.1,5.6,2.4\nикс,1,2,3\n"


async def user_flows(s: Session, services: Services) -> None:
    h, tg = s.h, s.tg
    # registration
    await s.send("/start", "/start: welcome")
    await s.send("ab", "registration: a bad username")
    await s.press("reg:use_tg", "registration: the suggested username")
    await s.send("not-an-email", "registration: a bad email")
    await s.send("olga@example.com", "registration: email")
    await s.send("short", "registration: a weak password")
    await s.send(PASSWORD, "registration: done")
    # menu, help, language
    await s.send("/menu")
    await s.press("menu:help", "menu: help")
    await s.send("/help")
    await s.send("/language")
    await s.press("lang:ru", "language: Russian")
    await s.send("/settings")
    await s.press("set:notify:off", "settings: reminders off")
    await s.press("set:notify:on", "settings: reminders on")
    await s.send("/promo", "promo: no code")
    await s.send("/promo НЕТТАКОГО", "promo: an unknown code")
    # catalogue, a card, step by step, confirmation, result, repeat
    await s.send("/predict")
    await s.press("m:card:wine_gb", "catalogue: a card")
    await s.press("menu:predict", "card: all models")
    await s.press("m:card:iris_logreg", "catalogue: the iris card")
    await s.press("m:start:iris_logreg", "input: step 1")
    await s.send("пять", "input: not a number")
    await s.send("50", "input: out of range")
    await s.press("step:example", "input: the example")
    await s.press("step:back", "input: back")
    await s.send("5,1", "input: step 1 again")
    await s.send("3,5", "input: step 2")
    await s.send("1,4", "input: step 3")
    await s.send("0,2", "input: step 4 → confirmation")
    await s.send("что-то", "confirmation: text instead of a button")
    await s.press("ok:run", "result")
    await s.press("p:repeat", "result: repeat")
    await s.press("ok:edit", "confirmation: re-enter")
    await s.send("5.1 3.5 1.4 0.2", "input: all values at once")
    await s.press("ok:run", "result 2")
    await s.send("/predict")
    await s.press("m:card:diabetes", "catalogue: a regression card")
    await s.press("m:start:diabetes", "input: a regression step")
    await s.send("/cancel")
    # a CSV batch
    await s.send("/predict")
    await s.press("m:card:iris_logreg", "batch: the card")
    await s.press("m:batch:iris_logreg", "batch: the template")
    s.keep("batch: a file", await h.upload(tg, "rows.csv", ROWS.encode()))
    await s.press("ok:batch", "batch: done")
    # balance and history
    await s.send("/balance")
    await s.press("pg:txs:0", "balance: transactions")
    await s.send("/history")
    await s.press("p:show", "history: a prediction")
    # top up: screen, terms, custom amount, invoice, payment, receipt
    await s.send("/topup")
    await s.press("sup:terms", "top up: terms")
    await s.send("/topup")
    await s.press("top:0", "top up: another amount")
    await s.send("много", "top up: not a number")
    await s.send("/topup")
    await s.press("top:100", "top up: invoice")
    invoice = [m for m, _ in s.seen[-1][1].calls if isinstance(m, SendInvoice)][-1]
    checkout = {
        "id": "pcq-ru",
        "from": tg.as_dict(),
        "currency": "XTR",
        "total_amount": 100,
        "invoice_payload": invoice.payload,
    }
    await s.feed("top up: pre-checkout", pre_checkout_query=checkout)
    await s.feed(
        "top up: pre-checkout of another amount", pre_checkout_query={**checkout, "total_amount": 99}
    )
    paid = {
        "message_id": 999,
        "date": int(time.time()),
        "chat": {"id": tg.id, "type": "private"},
        "from": tg.as_dict(),
        "successful_payment": {
            "currency": "XTR",
            "total_amount": 100,
            "invoice_payload": invoice.payload,
            "telegram_payment_charge_id": "ru-charge-1",
            "provider_payment_charge_id": "",
        },
    }
    await s.feed("top up: the receipt", message=paid)
    await s.feed(
        "top up: the same invoice paid again",
        message={
            **paid,
            "successful_payment": {**paid["successful_payment"], "telegram_payment_charge_id": "x2"},
        },
    )
    # terms and support
    await s.send("/terms")
    await s.send("/paysupport")
    await s.send("Заказ №1: вопрос по оплате", "paysupport: the message")
    await s.send("/paysupport")
    await s.press("sup:cancel", "paysupport: cancel")
    # low balance: a reminder at one run left, another and Top up on the result at none
    account = await db_user(services, tg.id)
    assert account is not None
    async with services.session_factory() as session, session.begin():
        await deduct_balance(session, account.id, to_money(account.balance) - 2, "списано в тесте")
    for left in ("one left", "none left"):
        await s.press("p:repeat", f"low balance: repeat ({left})")
        await s.press("ok:run", f"low balance: the result and a reminder ({left})")
    assert sum("🔔" in text for _, reply in s.seen[-4:] for text in reply.texts) == 2
    # fallbacks and dead ends
    await s.send("абракадабра", "fallback: unknown text")
    s.keep("fallback: a sticker", await h.send_sticker(tg))
    await s.tap("menu:nowhere", "fallback: an unknown button")
    await s.tap("ok:edit:stale", "fallback: a stale confirmation")
    await s.send("/cancel", "cancel: nothing to cancel")
    await s.press("menu:main", "menu: from a button")
    await s.press("menu:balance", "menu: balance")
    await s.press("menu:history", "menu: history")


async def stranger_flows(s: Session) -> None:
    await s.send("привет", "unregistered: text")
    await s.send("/balance", "unregistered: a command")
    await s.send("/terms", "unregistered: terms")
    await s.send("/paysupport", "unregistered: paysupport")
    await s.send("/cancel", "unregistered: cancel")
    await s.send("/login", "login: start")
    await s.send("nobody@example.com", "login: email")
    await s.send("wrong-password-1", "login: a wrong password")


async def admin_flows(s: Session) -> None:
    await s.send("/admin")
    await s.press("pg:users:0", "admin: users")
    await s.send("/users")
    await s.press("adm:user:", "admin: a user card")
    await s.send("/user olga", "admin: /user")
    await s.send("/stats")
    await s.press("adm:stats", "admin: stats button")
    await s.send("/models")
    await s.press("adm:models", "admin: models button")
    await s.send("/credit olga 5", "admin: credit")
    await s.send("/broadcast", "admin: broadcast")
    await s.send("/cancel", "admin: cancel")


async def test_no_english_in_russian_replies(harness: Harness, services: Services) -> None:
    await registered(services, ADMIN, lang="ru")
    model_ids = [row.name for row in await services.catalogue.all_models()]  # shown as they are
    olga, stranger, admin = Session(harness, OLGA), Session(harness, STRANGER), Session(harness, ADMIN)
    await user_flows(olga, services)
    await stranger_flows(stranger)
    await admin_flows(admin)
    sessions = [olga, stranger, admin]
    assert sum(len(s.seen) for s in sessions) > 80
    # the users' own names (echoed, not words of the bot) and the model ids are shown as they are
    found = violations(sessions, [*model_ids, "olga", "boss"], frozenset())
    assert found == [], "English in Russian replies:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Баланс: <b>10</b> кредитов", []),
        ("Оплата через Telegram Stars, CSV-файл, 10 КБ, ID 5, 14:05 UTC", []),
        ("Пример: <code>sepal_length,sepal_width</code>", []),
        ('<pre>a,b\n1,2</pre> и <a href="tg://user?id=1">ссылка</a>', []),
        ("Напишите @our_support или support@example.com, /paysupport, https://t.me/x?start=a", []),
        ("Код ошибки: 3fa2b9c1, 5.1e3, R2", []),
        ("&lt;номер заказа&gt; &amp; прочее", []),
        ("Модель iris_logreg", ["iris_logreg"]),  # unless vouched for (below)
        ("Предсказание: Iris setosa", ["Iris", "setosa"]),
        ("«Malic_acid» вне диапазона", ["Malic_acid"]),
        ("не удалось: ValueError: boom", ["ValueError", "boom"]),
        ("<b>Welcome bonus</b>", ["Welcome", "bonus"]),
    ],
)
def test_the_checker(text: str, words: list[str]) -> None:
    assert english_words(text) == words


def test_the_checker_takes_vouched_identifiers() -> None:
    assert english_words("Модель iris_logreg", identifiers=["iris_logreg"]) == []
