"""The small Keyboard builder lays buttons out exactly as aiogram's InlineKeyboardBuilder does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import MenuCD, PageCD
from bot.keyboards import Keyboard


def _buttons(b: Any, n: int) -> None:
    for i in range(n):
        b.button(text=f"b{i}", callback_data=MenuCD(action=f"a{i}"))


def _pager_and_attach(b: Any) -> None:
    _buttons(b, 3)
    b.adjust(1)
    b.row(InlineKeyboardButton(text="1/2", callback_data=PageCD(kind="x", page=0).pack()))
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
