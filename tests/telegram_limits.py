"""What Telegram refuses in a message it is asked to send: text over 4,096 characters or a caption
over 1,024 (counted after HTML parsing, in UTF-16 code units), and HTML it cannot parse (an
unknown or unclosed tag, a bare `<`, `>` or `&`)."""

from __future__ import annotations

import re
from typing import Any

from aiogram.methods import EditMessageText, SendDocument, SendMessage

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "span", "a"}
TAGS |= {"code", "pre", "blockquote", "tg-emoji"}
_TOKEN = re.compile(
    r"<(?P<close>/?)(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>[^<>]*)>"
    r"|&(?P<entity>lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});"
    r"|(?P<bare>[<>&])"
)


def visible(html: str) -> str:
    """The text Telegram shows for this HTML; ValueError where Telegram would answer 400."""
    out: list[str] = []
    open_tags: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(html):
        out.append(html[pos : m.start()])
        pos = m.end()
        if m.group("bare"):
            raise ValueError(f"bare {m.group('bare')!r} at {m.start()}")
        if m.group("entity"):
            out.append("x")  # one character, whichever
            continue
        tag = m.group("tag").lower()
        if tag not in TAGS:
            raise ValueError(f"unsupported tag <{tag}>")
        if not m.group("close"):
            open_tags.append(tag)
        elif not open_tags or open_tags.pop() != tag:
            raise ValueError(f"</{tag}> closes nothing")
    if open_tags:
        raise ValueError(f"unclosed <{open_tags[-1]}>")
    out.append(html[pos:])
    return "".join(out)


def utf16_len(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def problems(method: Any) -> list[str]:
    """Why Telegram would refuse this call (empty: it would take it)."""
    if isinstance(method, (SendMessage, EditMessageText)):
        text, limit, minimum = method.text, TEXT_LIMIT, 1
    elif isinstance(method, SendDocument):
        text, limit, minimum = method.caption or "", CAPTION_LIMIT, 0
    else:
        return []
    try:
        # parse_mode None: plain text; otherwise the bot's default, HTML
        shown = text if method.parse_mode is None else visible(text)
    except ValueError as exc:
        return [f"{type(method).__name__}: bad HTML: {exc}"]
    size = utf16_len(shown.strip())
    if not minimum <= size <= limit:
        return [f"{type(method).__name__}: {size} characters (limit {limit})"]
    return []


def assert_sendable(calls: list[Any]) -> None:
    """Every message and caption in `calls` is one Telegram would accept."""
    found = [p for c in calls for p in problems(c[0] if isinstance(c, tuple) else c)]
    assert not found, found
