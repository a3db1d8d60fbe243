"""What the Bot API refuses in what a bot sends, judged as Telegram's server judges it.

LocalSession (the in-process Bot API peer of the handler tests and the console) refuses such
calls with the server's own error descriptions, so a test fails where production would get a
400. It lives in `bot/`, not `tests/`, because LocalSession and the console use it. Pure
functions of the text and markup; the rules and texts are those of the Bot API server
(tdlib/telegram-bot-api) and of TDLib, which it runs:

- HTML (`parse_mode="HTML"`): TDLib's `parse_html`, byte for byte. Only its tags (b strong i em
  u ins s strike del a code pre span class="tg-spoiler" tg-spoiler blockquote tg-emoji tg-time),
  nested and closed; `&lt; &gt; &amp; &quot;` and numeric references are decoded. A `<` that
  does not open a supported tag is an error; an `&` that starts no reference (`AT&T`, `&nbsp;`)
  is kept as it is, not an error.
- Length: counted after the HTML is parsed, in Unicode code points (TDLib's `utf8_length`, not
  UTF-16 units), after control characters become spaces, `\\r` and a few invisible characters
  are dropped, and leading and trailing spaces and new lines are trimmed. A message text has
  1-4,096 of them, a caption up to 1,024, a callback query answer up to 200. Before parsing, a
  text may have 32,768 bytes at most.
- Inline buttons: a non-empty text, and `callback_data` of 1-64 bytes (UTF-8).
- Flood control (`FloodLimits`): token buckets overall, per chat and per group; over them, 429
  with `retry_after`.
Not emulated: Markdown parse modes (the bot sends HTML only), `tg-time` formats, the total size
of a keyboard (Telegram documents no figure).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
MAX_CALLBACK_DATA = 64  # bytes
MAX_RAW_TEXT = 1 << 15  # bytes, before parsing

TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
        "tg-emoji", "tg-time", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SPACE = frozenset(b" \t\r\n\0\x0b")  # TDLib's is_space (NUL included: it ends a C string)
_NAME_END = _SPACE | frozenset(b"=>/\"'")
_DIGITS = frozenset(b"0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_ALPHA = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _ALPHA | _DIGITS
_AMP, _LT, _GT, _SLASH, _EQ = b"&<>/="
_NAMED = {b"lt": _LT, b"gt": _GT, b"amp": _AMP, b"quot": b'"'[0]}
_SPECIAL = re.compile(rb"[&<]")
_BARE_TAG = re.compile(rb"<(/?)([A-Za-z-]+)>")  # the common case: no attributes, no spaces
# TDLib's clean_input_string: control characters become spaces (new lines stay); \r, U+2028-U+202E
# and three combining marks go
_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f]")
_GONE = re.compile("[\r\u2028-\u202e\u030a\u0333\u033f]")


class EntityError(ValueError):
    """The HTML does not parse; the message is TDLib's."""


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str | None
    other_action: bool = False  # a url, pay, web app... button: no callback data needed


def _reference(s: bytes, pos: int) -> tuple[int, int]:
    """TDLib's decode_html_entity at `s[pos] == '&'`: (code point, position after it), or
    (0, pos) if this `&` starts no reference. `s` ends with a NUL."""
    end = pos + 1
    code = 0
    if s[pos + 1] == ord("#"):
        end += 1
        if s[pos + 2] == ord("x"):
            end += 1
            while s[end] in _HEX:
                code = code * 16 + int(chr(s[end]), 16)
                end += 1
        else:
            while s[end] in _DIGITS:
                code = code * 10 + s[end] - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while s[end] in _ALPHA:
            end += 1
        code = _NAMED.get(s[pos + 1 : end], 0)
        if not code:
            return 0, pos
    if s[end] == ord(";"):
        end += 1
    return code, end


def _utf8(code: int) -> bytes:
    # surrogates too (as TDLib writes them), so that they are refused below as it refuses them
    return chr(code).encode("utf-8", "surrogatepass")


def parse_html(text: str) -> tuple[str, int | None]:
    """The text Telegram shows for `text` in HTML parse mode, and where (in code points) the first
    entity that is not empty begins (None: no entity). Raises EntityError as TDLib does."""
    raw = text.encode("utf-8")
    n = len(raw)
    s = raw + b"\0"
    out = bytearray()
    stack: list[tuple[str, str, int]] = []  # tag, argument, len(out) where it began
    first_entity: int | None = None  # in bytes of `out`, until the end
    surrogates = False
    i = 0
    while i < n:
        plain = _SPECIAL.search(s, i, n)
        if plain is None:
            out += s[i:n]
            break
        out += s[i : plain.start()]
        i = plain.start()
        c = s[i]
        if c == _AMP:
            code, after = _reference(s, i)
            if code:
                surrogates |= 0xD800 <= code <= 0xDFFF
                out += _utf8(code)
                i = after
                continue
        if c != _LT:
            out.append(c)
            i += 1
            continue
        begin = i
        bare = _BARE_TAG.match(s, i)
        if bare is not None:
            i = bare.end()
            tag = bare.group(2).lower().decode()
            if not bare.group(1):
                if tag not in TAGS:
                    raise EntityError(f'Unsupported start tag "{tag}" at byte offset {begin}')
                if tag == "span":
                    raise EntityError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
                stack.append((tag, "", len(out)))
                continue
            first_entity = _close(stack, tag, begin, len(out), first_entity)
            continue
        i += 1
        if s[i] != _SLASH:
            while s[i] not in _SPACE and s[i] != _GT:
                i += 1
            if s[i] == 0:
                raise EntityError(f"Unclosed start tag at byte offset {begin}")
            tag = s[begin + 1 : i].lower().decode("utf-8", "replace")
            if tag not in TAGS:
                raise EntityError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while s[i] != _GT:
                while s[i] != 0 and s[i] in _SPACE:
                    i += 1
                if s[i] == _GT:
                    break
                name_begin = i
                while s[i] not in _NAME_END:
                    i += 1
                name = s[name_begin:i]
                if not name:
                    raise EntityError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while s[i] != 0 and s[i] in _SPACE:
                    i += 1
                if s[i] != _EQ:
                    if s[i] == 0:
                        raise EntityError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    if tag == "blockquote" and name == b"expandable":
                        argument = "1"
                    continue
                i += 1
                while s[i] != 0 and s[i] in _SPACE:
                    i += 1
                if s[i] == 0:
                    raise EntityError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if s[i] not in b"'\"":
                    token_begin = i
                    while s[i] in _ALNUM or s[i] in b".-":
                        i += 1
                    value = s[token_begin:i].lower()
                    if s[i] not in _SPACE and s[i] != _GT:
                        raise EntityError(f"Unexpected end of name token at byte offset {token_begin}")
                else:
                    quote = s[i]
                    i += 1
                    literal = bytearray()
                    while s[i] != quote and s[i] != 0:
                        if s[i] == _AMP:
                            code, after = _reference(s, i)
                            if code:
                                literal += _utf8(code)
                                i = after
                                continue
                        literal.append(s[i])
                        i += 1
                    if s[i] == quote:
                        i += 1
                    value = bytes(literal)
                if s[i] == 0:
                    raise EntityError(f"Unclosed start tag at byte offset {begin}")
                if (
                    (tag == "a" and name == b"href")
                    or (tag == "tg-emoji" and name == b"emoji-id")
                    or (tag == "tg-time" and name == b"format")
                ):
                    argument = value.decode("utf-8", "replace")
                elif tag == "code" and name == b"class" and value.startswith(b"language-"):
                    argument = value[9:].decode("utf-8", "replace")
                elif tag == "span" and name == b"class" and value.startswith(b"tg-"):
                    argument = value[3:].decode("utf-8", "replace")
                elif tag == "blockquote" and name == b"expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise EntityError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append((tag, argument, len(out)))
            i += 1  # past '>'
            continue
        # an end tag (`</>` closes whatever is open)
        if not stack:
            raise EntityError(f"Unexpected end tag at byte offset {begin}")
        while s[i] not in _SPACE and s[i] != _GT:
            i += 1
        end_tag = s[begin + 2 : i].lower().decode("utf-8", "replace")
        while s[i] in _SPACE and s[i] != 0:
            i += 1
        if s[i] != _GT:
            raise EntityError(f"Unclosed end tag at byte offset {begin}")
        first_entity = _close(stack, end_tag, begin, len(out), first_entity)
        i += 1  # past '>'
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    if surrogates:
        raise EntityError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    text = out.decode("utf-8")
    if first_entity is not None:
        first_entity = len(out[:first_entity].decode("utf-8"))
    return text, first_entity


def _close(
    stack: list[tuple[str, str, int]], end_tag: str, begin: int, end: int, first_entity: int | None
) -> int | None:
    """An end tag at byte `begin` of the HTML, at byte `end` of the text: the entity it closes
    is checked; returns where the first non-empty entity begins (bytes of the text)."""
    if not stack:
        raise EntityError(f"Unexpected end tag at byte offset {begin}")
    tag, argument, start = stack.pop()
    if end_tag and end_tag != tag:
        raise EntityError(
            f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_tag}>"'
        )
    if end > start:  # an empty entity is dropped, not checked
        if tag == "tg-emoji" and not _nonzero_int64(argument):
            raise EntityError("Invalid custom emoji identifier specified")
        first_entity = start if first_entity is None else min(first_entity, start)
    return first_entity


def _nonzero_int64(value: str) -> bool:
    digits = value[1:] if value.startswith("-") else value
    if not digits.isascii() or not digits.isdigit():
        return False
    number = int(value)
    return number != 0 and -(2**63) <= number < 2**63


def clean(text: str) -> str:
    """TDLib's clean_input_string: control characters become spaces (new lines stay), `\\r` and
    a few invisible characters go."""
    return _GONE.sub("", _CONTROL.sub(" ", text))


def shown_text(text: str, parse_mode: str | None) -> str:
    """The text as Telegram keeps it: parsed, cleaned and trimmed. Raises EntityError."""
    mode = (parse_mode or "").lower()
    first_entity: int | None = None
    if mode == "html":
        text, first_entity = parse_html(text)
    elif mode not in ("", "none"):
        raise NotImplementedError(f"parse_mode {parse_mode!r} is not emulated")
    cleaned = clean(text)
    if first_entity is not None:
        first_entity = len(clean(text[:first_entity]))
    trimmed = cleaned.rstrip(" \n")
    keep_from = len(trimmed) - len(trimmed.lstrip(" \n"))
    if first_entity is not None:
        keep_from = min(keep_from, first_entity)  # TDLib trims no further than the first entity
    return trimmed[keep_from:]


def _formatted_error(text: str, parse_mode: str | None) -> tuple[str | None, str]:
    """(refusal, the text as shown)"""
    try:
        if len(text.encode("utf-8")) > MAX_RAW_TEXT:
            return "Bad Request: text is too long", ""
    except UnicodeEncodeError:
        return "Bad Request: strings must be encoded in UTF-8", ""
    try:
        return None, shown_text(text, parse_mode)
    except EntityError as exc:
        return f"Bad Request: can't parse entities: {exc}", ""


def text_refusal(text: str | None, parse_mode: str | None) -> str | None:
    """sendMessage / editMessageText: why Telegram refuses this text, or None."""
    if not text:
        return "Bad Request: message text is empty"
    refusal, shown = _formatted_error(text, parse_mode)
    if refusal:
        return refusal
    if not shown:
        return "Bad Request: text must be non-empty"
    if len(shown) > MAX_TEXT:
        return "Bad Request: message is too long"
    return None


def caption_refusal(caption: str | None, parse_mode: str | None) -> str | None:
    """A caption may be empty."""
    if not caption:
        return None
    refusal, shown = _formatted_error(caption, parse_mode)
    if refusal:
        return refusal
    if len(shown) > MAX_CAPTION:
        return "Bad Request: message caption is too long"
    return None


def callback_answer_refusal(text: str | None) -> str | None:
    if text and len(text) > MAX_CALLBACK_ANSWER:
        return "Bad Request: MESSAGE_TOO_LONG"
    return None


def keyboard_refusal(rows: Iterable[Sequence[Button]]) -> str | None:
    """An inline keyboard, checked in the server's order: every button's kind (the Bot API's
    parser), then their texts (TDLib), then their callback data (Telegram's servers)."""
    buttons = [b for row in rows for b in row]
    for b in buttons:
        if not b.callback_data and not b.other_action:
            return (
                "Bad Request: can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
    for b in buttons:
        if not clean(b.text):
            return "Bad Request: inline keyboard button text must be non-empty"
    for b in buttons:
        if b.callback_data and len(b.callback_data.encode("utf-8")) > MAX_CALLBACK_DATA:
            return "Bad Request: BUTTON_DATA_INVALID"
    return None


# -- flood control --------------------------------------------------------------------------
# Telegram counts messages: sends, edits, copies and forwards (not chat actions, not answers to
# callback queries). Its exact limits are not published and float; these are the documented
# ones: about 30 a second overall, 1 a second in one chat with short bursts tolerated, 20 a
# minute in one group.
COUNTED_PREFIXES = ("send", "edit", "copy", "forward")
EPSILON = 1e-6


def counts_as_message(api_method: str) -> bool:
    """Whether Telegram's flood control counts this method (by its Bot API name, which Telegram
    reads in any case: sendMessage, sendmessage)."""
    name = api_method.lower()
    return name.startswith(COUNTED_PREFIXES) and name != "sendchataction"


def is_group(chat: int | str) -> bool:
    """A group or channel: a negative id or an @username (a private chat is a positive id)."""
    return (isinstance(chat, str) and chat.startswith("@")) or (isinstance(chat, int) and chat < 0)


class FloodLimits:
    """Telegram's flood control, as token buckets: one overall, one per chat (a group's refills
    at its per-minute rate). `check` takes a message's tokens, or refuses it with the whole
    seconds to wait (what Telegram puts in `retry_after`, at least 1) and takes nothing."""

    def __init__(
        self,
        global_rate: float = 30.0,
        global_burst: int = 30,
        chat_rate: float = 1.0,
        chat_burst: int = 3,
        group_per_minute: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.global_bucket = (global_rate, float(global_burst))
        self.chat_bucket = (chat_rate, float(chat_burst))
        self.group_bucket = (group_per_minute / 60.0, float(chat_burst))
        self.clock = clock
        self.refused = 0
        self._tokens: dict[object, tuple[float, float]] = {}  # key -> (tokens, when)

    def _level(self, key: object, rate: float, size: float, now: float) -> float:
        tokens, when = self._tokens.get(key, (size, now))
        return min(size, tokens + (now - when) * rate)

    def check(self, chat: int | str) -> int | None:
        now = self.clock()
        rate, size = self.group_bucket if is_group(chat) else self.chat_bucket
        levels = {
            "": (self._level("", *self.global_bucket, now), self.global_bucket[0]),
            chat: (self._level(chat, rate, size, now), rate),
        }
        # (a message sent exactly on time finds its token within rounding: EPSILON)
        short = [(1 - tokens) / r for tokens, r in levels.values() if tokens < 1 - EPSILON]
        if short:
            self.refused += 1
            return max(1, math.ceil(max(short)))
        for key, (tokens, _) in levels.items():
            self._tokens[key] = (tokens - 1, now)
        return None
