"""What Telegram refuses in a message it is asked to send, judged by the same rules the
in-process Bot API enforces (bot/telegram_rules.py: TDLib's HTML parser, lengths after parsing)."""

from __future__ import annotations

from typing import Any

from aiogram.client.default import Default
from aiogram.methods import EditMessageText, SendDocument, SendMessage

from bot import telegram_rules as rules


def problems(method: Any) -> list[str]:
    """Why Telegram would refuse this call (empty: it would take it)."""
    parse_mode = getattr(method, "parse_mode", None)
    if isinstance(parse_mode, Default):
        parse_mode = "HTML"  # the bot's default (bot/dispatcher.py)
    if isinstance(method, SendMessage | EditMessageText):
        refusal = rules.text_refusal(method.text, parse_mode)
    elif isinstance(method, SendDocument):
        refusal = rules.caption_refusal(method.caption, parse_mode)
    else:
        return []
    return [f"{type(method).__name__}: {refusal}"] if refusal else []


def assert_sendable(calls: list[Any]) -> None:
    """Every message and caption in `calls` is one Telegram would accept."""
    found = [p for c in calls for p in problems(c[0] if isinstance(c, tuple) else c)]
    assert not found, found
