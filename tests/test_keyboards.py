"""The small Keyboard builder lays buttons out exactly as aiogram's InlineKeyboardBuilder does; keyboards
fit Telegram's rules."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import ValidationError

from bot.callbacks import LangCD, PageCD
from bot.i18n import I18n
from bot.keyboards import Keyboard, admin_models_kb, catalogue_kb, model_card_kb, step_kb
from bot.render import value_label, value_text
from bot.telegram_rules import Button, keyboard_refusal
from ml.schema import Feature, ModelMeta


def _buttons(b: Any, n: int) -> None:
    for i in range(n):
        b.button(text=f"b{i}", callback_data=LangCD(code=f"a{i}"))


def _pager_and_attach(b: Any) -> None:
    _buttons(b, 3)
    b.adjust(1)
    b.row(InlineKeyboardButton(text="1/2", callback_data=PageCD(kind="preds", page=0).pack()))
    other = type(b)()
    _buttons(other, 2)
    b.attach(other)


LAYOUTS: list[Callable[[Any], None]] = [
    lambda b: _buttons(b, 1),
    lambda b: _buttons(b, 2),
    lambda b: _buttons(b, 11),  # past the row width of 8
    lambda b: (_buttons(b, 3), b.adjust(1, 2)),
    lambda b: (_buttons(b, 7), b.adjust(2)),
    lambda b: (_buttons(b, 3), b.adjust(2, 1)),
    lambda b: (_buttons(b, 5), b.adjust(1)),
    _pager_and_attach,
]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_same_layout_as_aiogram_builder(layout: Callable[[Any], None]) -> None:
    ours, theirs = Keyboard(), InlineKeyboardBuilder()
    layout(ours)
    layout(theirs)
    assert ours.as_markup() == theirs.as_markup()


def _refusal(markup: InlineKeyboardMarkup) -> str | None:
    return keyboard_refusal(
        [[Button(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]
    )


def _meta(name: str) -> ModelMeta:
    feature = Feature(name="x", description="x", example=1)
    return ModelMeta(
        name=name, title="t", description="d", task="regression", algorithm="a", features=[feature],
        file=f"{name}.joblib", sha256="0" * 64,
    )  # fmt: skip


def test_buttons_naming_a_model_fit_in_callback_data_for_the_longest_name_allowed() -> None:
    t = I18n().translator("en")
    longest = _meta("m" * 47).name
    for markup in (
        catalogue_kb(t, [(longest, "Title", Decimal(1))]),
        model_card_kb(t, longest, True),
        admin_models_kb(t, [(longest, True)]),
    ):
        assert _refusal(markup) is None
    with pytest.raises(ValidationError):
        _meta("m" * 48)


def test_a_button_shows_its_example_as_plain_text_in_the_users_language() -> None:
    meta = _meta("m" * 47).model_copy(
        update={"features": [Feature(name="x", description="x", min=0, max=1e6, example=123456.75)]}
    )
    [[example], _] = step_kb(I18n().translator("en"), meta, 0).inline_keyboard
    assert example.text == "Use example: 123456.75"  # no separator: typed back as one value
    [[example], _] = step_kb(I18n().translator("ru"), meta, 0).inline_keyboard
    assert example.text == "Подставить пример: 123456,75"
    assert value_text("<18") == "&lt;18" and value_label(1.5) == value_text(1.5) == "1.5"


def test_step_buttons_fit_in_callback_data_for_every_step_and_category() -> None:
    cats = {f"c{i}": float(i) for i in range(24)}
    features = [Feature(name=f"f{i}", description="d", example=1) for i in range(200)]
    features.append(Feature(name="k", description="d", type="category", categories=cats, example="c0"))
    meta = _meta("m" * 47).model_copy(update={"features": features})
    t = I18n().translator("ru")
    for index in (0, 199, 200):
        markup = step_kb(t, meta, index)
        assert _refusal(markup) is None
    assert len([b for row in step_kb(t, meta, 200).inline_keyboard for b in row]) == 24 + 2
