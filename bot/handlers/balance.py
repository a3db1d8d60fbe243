"""Balance with the latest ledger lines; the paged ledger; a CSV batch's button opens it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.callbacks import MenuCD, PageCD
from bot.filters import Registered
from bot.i18n import Translator
from bot.keyboards import balance_kb, is_current_page, transactions_kb
from bot.render import ledger_line, title_of, when
from bot.replies import Screen, edit_or_send
from services.accounts import LedgerLine, User

LATEST = 5


def _line(t: Translator, services: Services, line: LedgerLine) -> str:
    name = line.batch.model_name if line.batch is not None else line.model_name
    return ledger_line(t, line, title_of(services.predictions.meta_or_none(name), name, t.lang))


def batch_buttons(t: Translator, services: Services, lines: list[LedgerLine]) -> list[tuple[int, str]]:
    """A button for each CSV batch among `lines`: it opens the batch's rows."""
    out = []
    for line in lines:
        if line.batch is not None:
            meta = services.predictions.meta_or_none(line.batch.model_name)
            title = meta.title_in(t.lang) if meta is not None else line.batch.model_name
            out.append((line.batch.first_id, t("btn_batch_item", title=title, date=when(line.created_at))))
    return out


async def balance_view(t: Translator, services: Services, user: User) -> Screen:
    found = await services.accounts.balance(user, LATEST)
    lines = "\n".join(_line(t, services, line) for line in found.latest) or t("no_transactions")
    return Screen(
        t("balance", balance=found.balance, latest=lines),
        balance_kb(t, batch_buttons(t, services, found.latest)),
    )


async def balance_cmd(message: Message, t: Translator, services: Services, user: User) -> None:
    screen = await balance_view(t, services, user)
    await message.answer(screen.text, reply_markup=screen.markup)


async def balance_cb(query: CallbackQuery, t: Translator, services: Services, user: User) -> None:
    if isinstance(query.message, Message):
        screen = await balance_view(t, services, user)
        await edit_or_send(query.message, screen.text, screen.markup, edit=True)


async def transactions_page(
    query: CallbackQuery, callback_data: PageCD, t: Translator, services: Services, user: User
) -> None:
    if not isinstance(query.message, Message) or is_current_page(query.message.reply_markup, query.data):
        return
    found = await services.accounts.transactions(user.id, callback_data.page)
    body = "\n".join(_line(t, services, line) for line in found.items) or t("no_transactions")
    text = t("transactions", page=found.page + 1, pages=found.pages, items=body)
    markup = transactions_kb(t, found.page, found.pages, batch_buttons(t, services, found.items))
    await edit_or_send(query.message, text, markup, edit=True)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(Registered())
    router.callback_query.filter(Registered())
    router.message.register(balance_cmd, Command("balance"))
    router.callback_query.register(balance_cb, MenuCD.filter(F.action == "balance"))
    router.callback_query.register(transactions_page, PageCD.filter(F.kind == "txs"))
    return router
