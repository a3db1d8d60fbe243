"""Balance with the latest transactions; paginated transactions; top up."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import MenuCD, PageCD
from bot.filters import Registered
from bot.i18n import Translator
from bot.keyboards import balance_kb, transactions_kb
from bot.render import money, quote, when
from services.accounts import Transaction, User

LATEST = 5


def tx_line(tx: Transaction) -> str:
    sign = "+" if tx.amount > 0 else "−"
    description = quote(tx.description, 255)  # an admin's reason is in it
    return f"<code>{sign}{money(abs(tx.amount)):>7}</code> {description} · {when(tx.created_at)}"


async def balance_text(t: Translator, services: Services, user: User) -> str:
    found = await services.accounts.balance(user, LATEST)
    lines = "\n".join(tx_line(tx) for tx in found.latest) or t("no_transactions")
    return t("balance", balance=found.balance, latest=lines)


async def balance_cmd(message: Message, t: Translator, services: Services, user: User) -> None:
    await message.answer(await balance_text(t, services, user), reply_markup=balance_kb(t))


async def balance_cb(query: CallbackQuery, t: Translator, services: Services, user: User) -> None:
    if isinstance(query.message, Message):
        await query.message.answer(await balance_text(t, services, user), reply_markup=balance_kb(t))


async def transactions_page(
    query: CallbackQuery, callback_data: PageCD, t: Translator, services: Services, user: User
) -> None:
    if not isinstance(query.message, Message):
        return
    found = await services.accounts.transactions(user.id, callback_data.page)
    body = "\n".join(tx_line(tx) for tx in found.items) or t("no_transactions")
    text = t("transactions", page=found.page + 1, pages=found.pages, items=body)
    with suppress(TelegramBadRequest):  # the page shown already ("message is not modified")
        await query.message.edit_text(text, reply_markup=transactions_kb(t, found.page, found.pages))


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(balance_cmd, Command("balance"))
    router.callback_query.register(balance_cb, MenuCD.filter(F.action == "balance"))
    router.callback_query.register(transactions_page, PageCD.filter(F.kind == "txs"))
    return router
