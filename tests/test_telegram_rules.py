"""Telegram's rules on what a bot sends (bot/telegram_rules.py), and LocalSession enforcing them."""

from __future__ import annotations

from html import escape

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from hypothesis import given
from hypothesis import strategies as st

from bot import telegram_rules as rules
from bot.dispatcher import create_bot
from bot.local_session import LocalSession

# TDLib's own cases for its HTML parser (test/message_entities.cpp, TEST(MessageEntities, parse_html))
SURROGATE = (
    "Text contains invalid Unicode characters after decoding HTML entities, "
    "check for unmatched surrogate code units"
)
TDLIB_ERRORS = [
    ("&#57311;", SURROGATE),
    ("&#xDFDF;", SURROGATE),
    ("&#xDFDF", SURROGATE),
    ("🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
    ("🏟 🏟&lt;<abac>", 'Unsupported start tag "abac" at byte offset 13'),
    ("🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba>", 'Can\'t find end tag corresponding to start tag "i"'),
    ("🏟 🏟&lt;<i    aba  =  ", 'Unclosed start tag "i" at byte offset 13'),
    ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
    ('🏟 🏟&lt;<i    aba  =  "&lt;&gt;&quot;>', "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;>", "Unclosed start tag at byte offset 13"),
    ("🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"),
    ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
    ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
    ("🏟 🏟&lt;<i>a</em   >", 'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"'),
    # and a few of ours
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ("a<", "Unclosed start tag at byte offset 1"),
    ("<br>", 'Unsupported start tag "br" at byte offset 0'),
]
TDLIB_PARSED = [
    ("", ""),
    ("➡️ ➡️", "➡️ ➡️"),
    ("&ge;&lt;&gt;&amp;&quot;&laquo;&raquo;&#12345678;", '&ge;<>&"&laquo;&raquo;&#12345678;'),
    ("&Or;", "&Or;"),
    ("➡️ ➡️<i>➡️ ➡️</i><b>➡️ ➡️</b>", "➡️ ➡️➡️ ➡️➡️ ➡️"),
    ("🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>", "🏟 🏟🏟 ><🏟"),
    ("🏟 🏟&lt;<i    aba  =  190azAz-.   >a</i>", "🏟 🏟<a"),
    ("🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;'>a</>", "🏟 🏟<a"),
    ("🏟 🏟&lt;<i>a</i   >", "🏟 🏟<a"),
    ('➡️ ➡️<span class = "tg-spoiler">➡️ ➡️</span><b>➡️ ➡️</b>', "➡️ ➡️➡️ ➡️➡️ ➡️"),
    ("<a   href=  'telegram.org?&lt;'   > </a>", " "),
    ('🏟 🏟&lt;<pre><code class="language-fift">🏟 🏟&lt;</></>', "🏟 🏟<🏟 🏟<"),
    ('➡️ ➡️<tg-emoji emoji-id = "12345">➡️ ➡️</tg-emoji><b>➡️ ➡️</b>', "➡️ ➡️➡️ ➡️➡️ ➡️"),
    # a bare & or > is text, not an error
    ("AT&T > 3 &amp; &#39;x&#x27;", "AT&T > 3 & 'x'"),
    ("<blockquote expandable>q</blockquote>", "q"),
]


@pytest.mark.parametrize(("html", "error"), TDLIB_ERRORS)
def test_html_errors_are_tdlibs(html: str, error: str) -> None:
    with pytest.raises(rules.EntityError) as exc:
        rules.parse_html(html)
    assert str(exc.value) == error
    assert rules.text_refusal(html, "HTML") == f"Bad Request: can't parse entities: {error}"


@pytest.mark.parametrize(("html", "text"), TDLIB_PARSED)
def test_html_is_parsed_as_tdlib_does(html: str, text: str) -> None:
    assert rules.parse_html(html)[0] == text


@given(st.text())
def test_escaped_text_parses_back_to_itself(text: str) -> None:
    assert rules.parse_html(escape(text))[0] == text


def test_length_counts_code_points_after_parsing_and_trimming() -> None:
    assert rules.text_refusal("x" * 4096, None) is None
    assert rules.text_refusal("x" * 4097, None) == "Bad Request: message is too long"
    # code points, not UTF-16 units: 4,096 emoji are 8,192 units and still fit
    assert rules.text_refusal("😀" * 4096, "HTML") is None
    assert rules.text_refusal("😀" * 4097, "HTML") == "Bad Request: message is too long"
    # an entity is one character; tags count nothing; the ends are trimmed
    assert rules.text_refusal("&lt;" * 4096, "HTML") is None
    assert rules.text_refusal("<b>" + "x" * 4096 + "</b>", "HTML") is None
    assert rules.text_refusal("\n  " + "x" * 4096 + " \n ", None) is None
    # without HTML parsing, &lt; is four characters
    assert rules.text_refusal("&lt;" * 1025, None) == "Bad Request: message is too long"
    # control characters count as spaces, \r not at all
    assert rules.text_refusal("x" * 4095 + "\t" + "x", None) == "Bad Request: message is too long"
    assert rules.text_refusal("x" * 4096 + "\r" * 10, None) is None
    # trimming stops at the first entity
    assert rules.text_refusal("<b> " + "x" * 4095 + "</b>", "HTML") is None
    assert rules.text_refusal("<b>  " + "x" * 4095 + "</b>", "HTML") == "Bad Request: message is too long"
    assert rules.text_refusal("x" * 40_000, None) == "Bad Request: text is too long"  # bytes, before parsing


def test_empty_texts() -> None:
    assert rules.text_refusal("", "HTML") == "Bad Request: message text is empty"
    assert rules.text_refusal(" \n ", "HTML") == "Bad Request: text must be non-empty"
    assert rules.text_refusal("<b> </b>", "HTML") == "Bad Request: text must be non-empty"
    assert rules.text_refusal("\x00\x01", None) == "Bad Request: text must be non-empty"
    assert rules.text_refusal("\u2028", None) == "Bad Request: text must be non-empty"


def test_captions_and_callback_answers() -> None:
    assert rules.caption_refusal(None, "HTML") is None
    assert rules.caption_refusal("", "HTML") is None
    assert rules.caption_refusal("x" * 1024, "HTML") is None
    assert rules.caption_refusal("x" * 1025, "HTML") == "Bad Request: message caption is too long"
    assert rules.caption_refusal(
        "<i>",
        "HTML",
    ) == ("Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"i\"")
    assert rules.callback_answer_refusal("x" * 200) is None
    assert rules.callback_answer_refusal("x" * 201) == "Bad Request: MESSAGE_TOO_LONG"


def test_keyboards() -> None:
    def kb(*buttons: rules.Button) -> str | None:
        return rules.keyboard_refusal([list(buttons)])

    ok = rules.Button("ok", "m:card:iris")
    assert kb(ok, rules.Button("link", None, other_action=True)) is None
    assert kb(rules.Button("x", "ж" * 32)) is None  # 64 bytes
    assert kb(ok, rules.Button("x", "ж" * 32 + "a")) == "Bad Request: BUTTON_DATA_INVALID"
    assert kb(rules.Button("", "a")) == "Bad Request: inline keyboard button text must be non-empty"
    assert kb(rules.Button("\r", "a")) == "Bad Request: inline keyboard button text must be non-empty"
    assert kb(rules.Button(" ", "a")) is None
    text_button = (
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )
    assert kb(rules.Button("x", "")) == text_button
    # the Bot API's own parser runs first, then TDLib's checks, then the servers'
    assert kb(rules.Button("x", "a" * 65), rules.Button("", "a"), rules.Button("x", None)) == text_button
    assert kb(rules.Button("x", "a" * 65), rules.Button("", "a")) == (
        "Bad Request: inline keyboard button text must be non-empty"
    )


async def test_local_session_refuses_as_telegram_does() -> None:
    session = LocalSession()
    bot = create_bot("42:TEST", session=session)
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(1, "a <tag> b")  # HTML is the bot's default parse mode
    await bot.send_message(1, "a <tag> b", parse_mode=None)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.edit_message_text("x" * 4097, chat_id=1, message_id=5)
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="x" * 65)]])
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(1, "ok", reply_markup=markup)
    await bot.answer_callback_query("q1", text="fine")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("q1")
    assert [reason for _, reason in session.refused] == [
        'Bad Request: can\'t parse entities: Unsupported start tag "tag" at byte offset 2',
        "Bad Request: message is too long",
        "Bad Request: BUTTON_DATA_INVALID",
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    ]
