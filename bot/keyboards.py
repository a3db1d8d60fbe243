"""Inline keyboards: small pure functions of what they show."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    AdminCD,
    CancelCD,
    ConfirmCD,
    LangCD,
    MenuCD,
    ModelCD,
    PageCD,
    PredCD,
    RegCD,
    StepCD,
)
from bot.i18n import Translator
from bot.render import money

LANG_NAMES = {"en": "🇬🇧 English", "ru": "🇷🇺 Русский"}


def main_menu_kb(t: Translator, is_admin: bool = False) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for action in ("predict", "balance", "history", "topup", "language", "help"):
        b.button(text=t(f"btn_{action}"), callback_data=MenuCD(action=action))
    if is_admin:
        b.button(text=t("btn_admin"), callback_data=AdminCD(action="menu"))
    b.adjust(2)
    return b.as_markup()


def cancel_kb(t: Translator) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    return b.as_markup()


def username_kb(t: Translator, suggestion: str | None) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if suggestion:
        b.button(text=t("btn_use_username", username=suggestion), callback_data=RegCD(action="use_tg"))
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    b.adjust(1)
    return b.as_markup()


def language_kb(languages: Sequence[str], current: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code in languages:
        mark = "✓ " if code == current else ""
        b.button(text=mark + LANG_NAMES.get(code, code), callback_data=LangCD(code=code))
    return b.as_markup()


def back_to_menu_kb(t: Translator) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    return b.as_markup()


def catalogue_kb(t: Translator, models: Sequence[tuple[str, str, Decimal]]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for name, title, cost in models:
        b.button(
            text=t("btn_model", title=title, cost=money(cost)),
            callback_data=ModelCD(action="card", name=name),
        )
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.adjust(1)
    return b.as_markup()


def model_card_kb(t: Translator, name: str, affordable: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if affordable:
        b.button(text=t("btn_start_input"), callback_data=ModelCD(action="start", name=name))
        b.button(text=t("btn_batch"), callback_data=ModelCD(action="batch", name=name))
    else:
        b.button(text=t("btn_topup"), callback_data=MenuCD(action="topup"))
    b.button(text=t("btn_back_catalogue"), callback_data=MenuCD(action="predict"))
    b.adjust(1)
    return b.as_markup()


def step_kb(t: Translator, example: str, can_go_back: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=t("btn_use_example", example=example), callback_data=StepCD(action="example"))
    if can_go_back:
        b.button(text=t("btn_back"), callback_data=StepCD(action="back"))
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    b.adjust(1, 2)
    return b.as_markup()


def confirm_kb(
    t: Translator, nonce: str, cost: Decimal, affordable: bool, batch: bool = False
) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if affordable:
        b.button(
            text=t("btn_confirm", cost=money(cost)),
            callback_data=ConfirmCD(action="batch" if batch else "run", nonce=nonce),
        )
    else:
        b.button(text=t("btn_topup"), callback_data=MenuCD(action="topup"))
    if not batch:
        b.button(text=t("btn_edit"), callback_data=ConfirmCD(action="edit", nonce=nonce))
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    b.adjust(1)
    return b.as_markup()


def result_kb(t: Translator, prediction_id: int, model_name: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=t("btn_repeat"), callback_data=PredCD(action="repeat", id=prediction_id))
    b.button(text=t("btn_other_model"), callback_data=MenuCD(action="predict"))
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.adjust(1, 2)
    return b.as_markup()


def add_pager(b: InlineKeyboardBuilder, kind: str, page: int, pages: int, query: str = "") -> None:
    if pages <= 1:
        return
    row = []
    if page > 0:
        row.append(("◀", PageCD(kind=kind, page=page - 1, query=query)))
    row.append((f"{page + 1}/{pages}", PageCD(kind=kind, page=page, query=query)))
    if page < pages - 1:
        row.append(("▶", PageCD(kind=kind, page=page + 1, query=query)))
    b.row(*(InlineKeyboardButton(text=txt, callback_data=cd.pack()) for txt, cd in row))


def history_kb(
    t: Translator, items: Sequence[tuple[int, str]], page: int, pages: int
) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for pred_id, label in items:
        b.button(text=label, callback_data=PredCD(action="show", id=pred_id))
    b.adjust(1)
    add_pager(b, "preds", page, pages)
    b2 = InlineKeyboardBuilder()
    b2.button(text=t("btn_transactions"), callback_data=PageCD(kind="txs", page=0))
    b2.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.attach(b2)
    return b.as_markup()


def transactions_kb(t: Translator, page: int, pages: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    add_pager(b, "txs", page, pages)
    b2 = InlineKeyboardBuilder()
    b2.button(text=t("btn_history"), callback_data=PageCD(kind="preds", page=0))
    b2.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.attach(b2)
    return b.as_markup()


def prediction_kb(t: Translator, prediction_id: int, repeatable: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if repeatable:
        b.button(text=t("btn_repeat"), callback_data=PredCD(action="repeat", id=prediction_id))
    b.button(text=t("btn_back_history"), callback_data=PageCD(kind="preds", page=0))
    b.adjust(1)
    return b.as_markup()


def balance_kb(t: Translator) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=t("btn_topup"), callback_data=MenuCD(action="topup"))
    b.button(text=t("btn_transactions"), callback_data=PageCD(kind="txs", page=0))
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.adjust(2, 1)
    return b.as_markup()


# -- admin -----------------------------------------------------------------------------------


def admin_menu_kb(t: Translator) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=t("btn_adm_users"), callback_data=PageCD(kind="users", page=0))
    b.button(text=t("btn_adm_models"), callback_data=AdminCD(action="models"))
    b.button(text=t("btn_adm_stats"), callback_data=AdminCD(action="stats"))
    b.button(text=t("btn_adm_broadcast"), callback_data=AdminCD(action="broadcast"))
    b.adjust(2)
    return b.as_markup()


def users_kb(
    t: Translator, items: Sequence[tuple[int, str]], page: int, pages: int, query: str
) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for uid, label in items:
        b.button(text=label, callback_data=AdminCD(action="user", arg=str(uid)))
    b.adjust(1)
    add_pager(b, "users", page, pages, query)
    b2 = InlineKeyboardBuilder()
    b2.button(text=t("btn_admin"), callback_data=AdminCD(action="menu"))
    b.attach(b2)
    return b.as_markup()


def user_card_kb(t: Translator, user_id: int, disabled: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(
        text=t("btn_adm_enable") if disabled else t("btn_adm_disable"),
        callback_data=AdminCD(action="toggle_user", arg=str(user_id)),
    )
    b.button(text=t("btn_adm_users"), callback_data=PageCD(kind="users", page=0))
    b.adjust(1)
    return b.as_markup()


def admin_models_kb(t: Translator, models: Sequence[tuple[str, bool]]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for name, active in models:
        b.button(
            text=("✅ " if active else "⛔ ") + name, callback_data=AdminCD(action="toggle_model", arg=name)
        )
    b.button(text=t("btn_admin"), callback_data=AdminCD(action="menu"))
    b.adjust(1)
    return b.as_markup()


def broadcast_kb(t: Translator) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.button(text=t("btn_send"), callback_data=AdminCD(action="broadcast_send"))
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    b.adjust(1)
    return b.as_markup()
