"""Does a Russian reply contain English? The checker behind tests/test_russian_replies.py, for use
on any reply: `english_words(text)` on one text, `reply_strings(reply)` for everything a user
reads in one answer of the bot (texts, captions, button labels, tap answers, invoices),
`russian_violations(reply)` for both together.

A word counts as English when it is made of Latin letters only (or is a snake_case name) and is
none of these:
- inside <code> or <pre> (values to type, CSV column names, file names, error ids), an HTML tag
  or its attributes, an HTML entity;
- a URL (http, https, tg), an e-mail address, a /command, an @username;
- a token with a digit in it (numbers, "5.1e3", hex error ids, "R2");
- in ALLOWED (brand names, units, the few Latin abbreviations Russian writes as they are);
- in `identifiers`: names the caller vouches for, e.g. the catalogue's model ids (iris_logreg),
  which a Russian text may show as they are (an admin types them in commands).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerPreCheckoutQuery,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendInvoice,
    SendMessage,
    SendPhoto,
)
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup

# Case-insensitive. Brand names Russian writes in Latin letters, units and abbreviations.
ALLOWED = frozenset(
    word.lower()
    for word in (
        # brands and formats
        "Telegram", "Stars", "CSV", "XTR", "ID", "UTC", "HTML", "Excel", "scikit", "learn",
        # units
        "KB", "MB", "GB", "cm", "mm", "kg", "ms",
        # a language's own name in the language picker
        "English",
    )
)  # fmt: skip

_CODE = re.compile(r"<(code|pre)\b[^>]*>.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_URL = re.compile(r"\b(?:https?|tg)://\S+|\bt\.me/\S+", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]+(?:@\w+)?")
_USERNAME = re.compile(r"@\w+")
# After the above: tokens of Latin letters, digits and underscores (anything else separates,
# Cyrillic included, so «CSV-файл» gives "CSV").
_TOKEN = re.compile(r"[A-Za-z0-9_]+")
_LATIN = re.compile(r"[A-Za-z]")


def english_words(text: str, identifiers: Iterable[str] = ()) -> list[str]:
    """The English words in `text` (HTML, as the bot sends it), in order of appearance."""
    allowed_ids = {i.lower() for i in identifiers}
    plain = _CODE.sub(" ", text)
    plain = _TAG.sub(" ", plain)
    plain = html.unescape(plain)
    for pattern in (_URL, _EMAIL, _COMMAND, _USERNAME):
        plain = pattern.sub(" ", plain)
    found = []
    for token in _TOKEN.findall(plain):
        if not _LATIN.search(token) or any(c.isdigit() for c in token):
            continue
        low = token.lower()
        if low in ALLOWED or low in allowed_ids:
            continue
        found.append(token)
    return found


def _markup_labels(markup: Any) -> list[str]:
    if isinstance(markup, InlineKeyboardMarkup):
        return [b.text for row in markup.inline_keyboard for b in row]
    if isinstance(markup, ReplyKeyboardMarkup):
        return [b.text for row in markup.keyboard for b in row]
    return []


def method_strings(method: Any) -> list[tuple[str, str]]:
    """What a user reads of one Bot API call: (where, text) pairs."""
    out: list[tuple[str, str]] = []
    kind = type(method).__name__
    if isinstance(method, SendMessage | EditMessageText):
        out.append((f"{kind}.text", method.text))
    elif isinstance(method, SendDocument | SendPhoto | EditMessageCaption) and method.caption:
        out.append((f"{kind}.caption", method.caption))
    elif isinstance(method, AnswerCallbackQuery) and method.text:
        out.append(("answerCallbackQuery", method.text))
    elif isinstance(method, AnswerPreCheckoutQuery) and method.error_message:
        out.append(("answerPreCheckoutQuery", method.error_message))
    elif isinstance(method, SendInvoice):
        out.append(("sendInvoice.title", method.title))
        out.append(("sendInvoice.description", method.description))
        out.extend(("sendInvoice.price", p.label) for p in method.prices)
    if isinstance(method, SendMessage | EditMessageText | EditMessageReplyMarkup | SendDocument):
        out.extend((f"{kind}.button", label) for label in _markup_labels(method.reply_markup))
    return out


def reply_strings(reply: Any) -> list[tuple[str, str]]:
    """Everything a user reads in one answer of the bot (a tests.bot_harness.Reply)."""
    return [pair for method, _ in reply.calls for pair in method_strings(method)]


def russian_violations(reply: Any, identifiers: Iterable[str] = ()) -> list[tuple[str, str, list[str]]]:
    """(where, text, English words) for each string of `reply` that has any."""
    ids = list(identifiers)
    out = []
    for where, text in reply_strings(reply):
        words = english_words(text, ids)
        if words:
            out.append((where, text, words))
    return out
