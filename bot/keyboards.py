"""Inline keyboards: small pure functions of what they show."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    AdminCD,
    BatchCD,
    CancelCD,
    ConfirmCD,
    LangCD,
    MenuCD,
    ModelCD,
    PageCD,
    PageKind,
    PredCD,
    RegCD,
    SettingsCD,
    StepCD,
    model_tag,
)
from bot.i18n import Translator
from ml.schema import ModelMeta

LANG_NAMES = {"en": "🇬🇧 English", "ru": "🇷🇺 Русский"}
MAX_WIDTH = 8  # buttons per row, as Telegram allows
MAX_CHOICES = 24  # category buttons under a question (more are typed; Telegram allows 100 buttons)


@functools.lru_cache(maxsize=4096)
def shared_button(text: str, data: str) -> InlineKeyboardButton:
    """Most buttons are the same few (menu, back, cancel...) in each language: each is built once.
    Safe to share: a markup is only ever serialized, never changed."""
    return InlineKeyboardButton(text=text, callback_data=data)


class Keyboard:
    """The part of aiogram's InlineKeyboardBuilder these keyboards use, with the same layout rules.

    The builder copies and re-validates every button through pydantic at each step; that made a
    three-button keyboard cost about 0.2 ms, the largest single cost of a paid prediction in the
    benchmark. This one builds each button once (about a fifth of the time)."""

    def __init__(self) -> None:
        self._rows: list[list[InlineKeyboardButton]] = []

    def button(self, text: str, callback_data: CallbackData, *, unique: bool = False) -> Keyboard:
        """Append to the last row while it has room, like the builder's `button`. A `unique`
        button (one prediction's Repeat, one confirmation's nonce) is built for this keyboard
        alone: cached, it would be used once and push a common button out of the cache."""
        data = callback_data.pack()
        btn = InlineKeyboardButton(text=text, callback_data=data) if unique else shared_button(text, data)
        if self._rows and len(self._rows[-1]) < MAX_WIDTH:
            self._rows[-1].append(btn)
        else:
            self._rows.append([btn])
        return self

    def adjust(self, *sizes: int) -> Keyboard:
        """Re-flow every button into rows of these sizes, the last size repeating."""
        flat = [b for row in self._rows for b in row]
        widths = list(sizes or (MAX_WIDTH,))
        self._rows = []
        while flat:
            width = widths.pop(0) if len(widths) > 1 else widths[0]
            self._rows.append(flat[:width])
            flat = flat[width:]
        return self

    def row(self, *buttons: InlineKeyboardButton) -> Keyboard:
        self._rows.append(list(buttons))
        return self

    def attach(self, other: Keyboard) -> Keyboard:
        self._rows.extend(list(row) for row in other._rows)
        return self

    def as_markup(self) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=self._rows)


def main_menu_kb(t: Translator, is_admin: bool = False) -> InlineKeyboardMarkup:
    b = Keyboard()
    for action in ("predict", "balance", "history", "topup", "settings", "help"):
        b.button(text=t(f"btn_{action}"), callback_data=MenuCD(action=action))
    if is_admin:
        b.button(text=t("btn_admin"), callback_data=AdminCD(action="menu"))
    b.adjust(2)
    return b.as_markup()


def cancel_kb(t: Translator) -> InlineKeyboardMarkup:
    b = Keyboard()
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    return b.as_markup()


def username_kb(t: Translator, suggestion: str | None) -> InlineKeyboardMarkup:
    b = Keyboard()
    if suggestion:
        b.button(
            text=t("btn_use_username", username=suggestion),
            callback_data=RegCD(action="use_tg"),
            unique=True,
        )
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    b.adjust(1)
    return b.as_markup()


def language_kb(languages: Sequence[str], current: str) -> InlineKeyboardMarkup:
    b = Keyboard()
    for code in languages:
        mark = "✓ " if code == current else ""
        b.button(text=mark + LANG_NAMES.get(code, code), callback_data=LangCD(code=code))
    return b.as_markup()


def settings_kb(
    t: Translator, languages: Sequence[str], current: str, notifications: bool, pictures: bool = True
) -> InlineKeyboardMarkup:
    """The /settings screen: the languages (the current one ticked), the notifications and charts
    switches, Menu."""
    b = language_kb(languages, current)
    rows = [list(row) for row in b.inline_keyboard]
    switch = Keyboard()
    if notifications:
        switch.button(text=t("btn_notifications_off"), callback_data=SettingsCD(action="notify", code="off"))
    else:
        switch.button(text=t("btn_notifications_on"), callback_data=SettingsCD(action="notify", code="on"))
    if pictures:
        switch.button(text=t("btn_pictures_off"), callback_data=SettingsCD(action="pictures", code="off"))
    else:
        switch.button(text=t("btn_pictures_on"), callback_data=SettingsCD(action="pictures", code="on"))
    switch.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    switch.adjust(1)
    return InlineKeyboardMarkup(inline_keyboard=rows + switch.as_markup().inline_keyboard)


def open_private_kb(t: Translator, link: str) -> InlineKeyboardMarkup:
    """Under the answer in a group chat: a deep link to the bot's private chat."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t("btn_open_private"), url=link)]]
    )


def back_to_menu_kb(t: Translator) -> InlineKeyboardMarkup:
    b = Keyboard()
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    return b.as_markup()


def catalogue_kb(t: Translator, models: Sequence[tuple[str, str, Decimal]]) -> InlineKeyboardMarkup:
    b = Keyboard()
    for name, title, cost in models:
        b.button(
            text=t("btn_model", title=title, cost=cost),
            callback_data=ModelCD(action="card", name=name),
        )
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.adjust(1)
    return b.as_markup()


def model_card_kb(t: Translator, name: str, affordable: bool) -> InlineKeyboardMarkup:
    b = Keyboard()
    if affordable:
        b.button(text=t("btn_start_input"), callback_data=ModelCD(action="start", name=name))
        b.button(text=t("btn_batch"), callback_data=ModelCD(action="batch", name=name))
    else:
        b.button(text=t("btn_topup"), callback_data=MenuCD(action="topup"))
    b.button(text=t("btn_back_catalogue"), callback_data=MenuCD(action="predict"))
    b.adjust(1)
    return b.as_markup()


def step_kb(t: Translator, meta: ModelMeta, index: int) -> InlineKeyboardMarkup:
    """Under a question of the input dialog: a button per category (in the user's language) or
    the example to fill in, then Back and Cancel. Each carries the question it belongs to."""
    feature = meta.features[index]
    tag = model_tag(meta.name)
    choices = Keyboard()
    if feature.type == "category" and len(feature.categories or {}) <= MAX_CHOICES:
        for position, value in enumerate(feature.categories or {}):
            choices.button(
                # a button needs some text; a category's own value may be anything, even ""
                text=meta.category_label(feature.name, value, t.lang)[:60].strip() or "—",
                callback_data=StepCD(action="pick", step=index, model=tag, value=position),
            )
        choices.adjust(2)
    elif feature.type != "category":
        choices.button(
            text=t("btn_use_example", example=t.decimal(float(feature.example))),
            callback_data=StepCD(action="example", step=index, model=tag),
        )
    moves = Keyboard()
    if index > 0:
        moves.button(text=t("btn_back"), callback_data=StepCD(action="back", step=index, model=tag))
    moves.button(text=t("btn_cancel"), callback_data=CancelCD())
    return choices.attach(moves).as_markup()


def confirm_kb(
    t: Translator, nonce: str, cost: Decimal, affordable: bool, batch: bool = False
) -> InlineKeyboardMarkup:
    b = Keyboard()
    if affordable:
        b.button(
            text=t("btn_confirm", cost=cost),
            callback_data=ConfirmCD(action="batch" if batch else "run", nonce=nonce),
            unique=True,
        )
    else:
        b.button(text=t("btn_topup"), callback_data=MenuCD(action="topup"))
    if not batch:
        b.button(text=t("btn_edit"), callback_data=ConfirmCD(action="edit", nonce=nonce), unique=True)
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    b.adjust(1)
    return b.as_markup()


def result_kb(
    t: Translator, prediction_id: int, model_name: str, topup: bool = False, why: bool = False
) -> InlineKeyboardMarkup:
    """`topup`: the balance no longer pays this model, so Top up comes first. `why`: a result to
    explain, so Why? beside Repeat."""
    b = Keyboard()
    if topup:
        b.button(text=t("btn_topup"), callback_data=MenuCD(action="topup"))
    b.button(text=t("btn_repeat"), callback_data=PredCD(action="repeat", id=prediction_id), unique=True)
    if why:
        b.button(text=t("btn_why"), callback_data=PredCD(action="why", id=prediction_id), unique=True)
    b.button(text=t("btn_other_model"), callback_data=MenuCD(action="predict"))
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    first = 2 if why else 1  # Repeat (and Why?)
    b.adjust(*((1, first, 2) if topup else (first, 2)))
    return b.as_markup()


def nudge_kb(t: Translator) -> InlineKeyboardMarkup:
    """Under a low-balance reminder."""
    b = Keyboard()
    b.button(text=t("btn_topup"), callback_data=MenuCD(action="topup"))
    return b.as_markup()


def insufficient_kb(t: Translator) -> InlineKeyboardMarkup:
    """Under a refusal for want of credits: Top up, or back to the menu."""
    b = Keyboard()
    b.button(text=t("btn_topup"), callback_data=MenuCD(action="topup"))
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.adjust(2)
    return b.as_markup()


def recovered_kb(t: Translator) -> InlineKeyboardMarkup:
    """Under the summary of runs settled after a restart: where their results are."""
    b = Keyboard()
    b.button(text=t("btn_history"), callback_data=PageCD(kind="preds", page=0))
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.adjust(2)
    return b.as_markup()


def add_pager(b: Keyboard, kind: PageKind, page: int, pages: int, query: str = "") -> None:
    if pages <= 1:
        return
    row = []
    if page > 0:
        row.append(("◀", PageCD(kind=kind, page=page - 1, query=query)))
    row.append((f"{page + 1}/{pages}", PageCD(kind=kind, page=page, query=query)))
    if page < pages - 1:
        row.append(("▶", PageCD(kind=kind, page=page + 1, query=query)))
    b.row(*(InlineKeyboardButton(text=txt, callback_data=cd.pack()) for txt, cd in row))


def is_current_page(markup: InlineKeyboardMarkup | None, data: str | None) -> bool:
    """The tapped button is a pager's middle one ("2/5"): the page already shown, which an edit
    would not change (Telegram refuses an edit to the same text)."""
    return markup is not None and any(
        button.callback_data == data and re.fullmatch(r"\d+/\d+", button.text)
        for row in markup.inline_keyboard
        for button in row
    )


def history_kb(
    t: Translator,
    items: Sequence[tuple[int, str]],
    page: int,
    pages: int,
    batch_ids: Collection[int] = (),
) -> InlineKeyboardMarkup:
    """`items`: (prediction id, label); an id in `batch_ids` is a CSV batch's first row and opens
    the batch."""
    b = Keyboard()
    for pred_id, label in items:
        data = BatchCD(id=pred_id) if pred_id in batch_ids else PredCD(action="show", id=pred_id)
        b.button(text=label, callback_data=data, unique=True)
    b.adjust(1)
    add_pager(b, "preds", page, pages)
    b2 = Keyboard()
    b2.button(text=t("btn_transactions"), callback_data=PageCD(kind="txs", page=0))
    b2.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.attach(b2)
    return b.as_markup()


def _batch_buttons(b: Keyboard, batches: Sequence[tuple[int, str]]) -> None:
    """A button per CSV batch shown in the ledger: (its first prediction id, label)."""
    for first_id, label in batches:
        b.row(InlineKeyboardButton(text=label, callback_data=BatchCD(id=first_id, back="txs").pack()))


def transactions_kb(
    t: Translator, page: int, pages: int, batches: Sequence[tuple[int, str]] = ()
) -> InlineKeyboardMarkup:
    b = Keyboard()
    _batch_buttons(b, batches)
    add_pager(b, "txs", page, pages)
    b2 = Keyboard()
    b2.button(text=t("btn_history"), callback_data=PageCD(kind="preds", page=0))
    b2.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.attach(b2)
    return b.as_markup()


def prediction_kb(t: Translator, prediction_id: int, repeatable: bool) -> InlineKeyboardMarkup:
    b = Keyboard()
    if repeatable:
        b.button(text=t("btn_repeat"), callback_data=PredCD(action="repeat", id=prediction_id), unique=True)
    b.button(text=t("btn_back_history"), callback_data=PageCD(kind="preds", page=0))
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.adjust(1, 2)
    return b.as_markup()


def batch_rows_kb(
    t: Translator,
    first_id: int,
    rows: Sequence[tuple[int, str]],
    page: int,
    pages: int,
    back: Literal["preds", "txs"],
) -> InlineKeyboardMarkup:
    """A page of a CSV batch's rows (each opens its prediction), its pager, the way back."""
    b = Keyboard()
    for pred_id, label in rows:
        b.button(text=label, callback_data=PredCD(action="show", id=pred_id), unique=True)
    b.adjust(1)
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(("◀", BatchCD(id=first_id, page=page - 1, back=back)))
        nav.append((f"{page + 1}/{pages}", BatchCD(id=first_id, page=page, back=back)))
        if page < pages - 1:
            nav.append(("▶", BatchCD(id=first_id, page=page + 1, back=back)))
        b.row(*(InlineKeyboardButton(text=txt, callback_data=cd.pack()) for txt, cd in nav))
    b2 = Keyboard()
    label = "btn_back_history" if back == "preds" else "btn_back_transactions"
    b2.button(text=t(label), callback_data=PageCD(kind=back, page=0))
    b2.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.attach(b2)
    return b.as_markup()


def balance_kb(t: Translator, batches: Sequence[tuple[int, str]] = ()) -> InlineKeyboardMarkup:
    """`batches`: a button for each CSV batch among the latest lines (see transactions_kb)."""
    b = Keyboard()
    b.button(text=t("btn_topup"), callback_data=MenuCD(action="topup"))
    b.button(text=t("btn_transactions"), callback_data=PageCD(kind="txs", page=0))
    b.button(text=t("btn_menu"), callback_data=MenuCD(action="main"))
    b.adjust(2, 1)
    head = Keyboard()
    _batch_buttons(head, batches)
    return head.attach(b).as_markup()


# -- admin -----------------------------------------------------------------------------------


def admin_menu_kb(t: Translator) -> InlineKeyboardMarkup:
    b = Keyboard()
    b.button(text=t("btn_adm_users"), callback_data=PageCD(kind="users", page=0))
    b.button(text=t("btn_adm_models"), callback_data=AdminCD(action="models"))
    b.button(text=t("btn_adm_stats"), callback_data=AdminCD(action="stats"))
    b.button(text=t("btn_adm_broadcast"), callback_data=AdminCD(action="broadcast"))
    b.adjust(2)
    return b.as_markup()


def users_kb(
    t: Translator, items: Sequence[tuple[int, str]], page: int, pages: int, query: str
) -> InlineKeyboardMarkup:
    b = Keyboard()
    for uid, label in items:
        b.button(text=label, callback_data=AdminCD(action="user", arg=str(uid)), unique=True)
    b.adjust(1)
    add_pager(b, "users", page, pages, query)
    b2 = Keyboard()
    b2.button(text=t("btn_admin"), callback_data=AdminCD(action="menu"))
    b.attach(b2)
    return b.as_markup()


def admin_models_kb(t: Translator, models: Sequence[tuple[str, bool]]) -> InlineKeyboardMarkup:
    b = Keyboard()
    for name, active in models:
        b.button(
            text=("✅ " if active else "⛔ ") + name, callback_data=AdminCD(action="toggle_model", arg=name)
        )
    b.button(text=t("btn_admin"), callback_data=AdminCD(action="menu"))
    b.adjust(1)
    return b.as_markup()


def broadcast_kb(t: Translator, draft: str) -> InlineKeyboardMarkup:
    b = Keyboard()
    b.button(text=t("btn_send"), callback_data=AdminCD(action="broadcast_send", arg=draft), unique=True)
    b.button(text=t("btn_cancel"), callback_data=CancelCD())
    b.adjust(1)
    return b.as_markup()
