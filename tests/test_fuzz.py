"""Fuzzing every input through the real Dispatcher (hypothesis).

Hostile text (random unicode, unicode digits and superscripts, 4,096- and 5,000-character
strings, control characters, HTML and Markdown specials, numbers such as 1e309 or forty nines),
every command with such arguments, files and stickers, and forged callback data of every
CallbackData class, sent at every dialog step, as a user, as an admin and in a group, in English
and Russian, one update or several in a row. After each update:
- the Dispatcher did not raise, and the bot's error handler caught nothing (nothing was logged
  at ERROR, and whatever the update started in the background ended cleanly);
- every call the bot made is one Telegram accepts: LocalSession refuses what Telegram refuses
  (bot/telegram_rules.py), and nothing was refused; an alert carries no HTML (it shows it);
- a message got an answer in its chat, and a tap was answered;
- nothing in the database changed unless the bot said it did something (registered an account,
  sent an invoice, set a language, or an admin's change);
- nobody but an admin was shown another user's account or predictions.

One Services and one SQLite database for the module (built once: hypothesis examples cannot use
function-scoped fixtures); each example takes a fresh user to its step with real updates. The
"fuzz" profile bounds the examples (FUZZ_EXAMPLES=n for a longer run). SQLite only: the
dialogs do not depend on the backend, and PostgreSQL would multiply the run time.

The inputs that failed first (unicode digits, long echoes, huge amounts and ids) are kept as
plain examples in test_what_the_fuzz_tests_found_first.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import os
import re
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageMedia,
    EditMessageText,
    SendDocument,
    SendInvoice,
    SendMessage,
    SendPhoto,
)
from aiogram.types import Message, Update
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, func, select, update

from bot import callbacks
from bot.app import Services, build_services
from bot.dispatcher import USER_COMMANDS
from bot.handlers.admin import ADMIN_COMMANDS
from bot.i18n import I18n, locale_source
from bot.telegram_rules import shown_text
from db.accounts import Passwords
from db.ledger import increase_balance
from db.models import Model, Order, Payment, Prediction, Transaction, User
from ml import formats
from ml.schema import Feature, ModelMeta
from tests.bot_harness import STICKER, Harness, Reply, TgUser
from tests.bot_helpers import registered
from tests.support import settings_for

pytestmark = pytest.mark.asyncio(loop_scope="module")

settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
FUZZ = settings.get_profile("fuzz")

ADMIN = TgUser(9001, "boss")
VICTIM = TgUser(9002, "victim_zq7")  # someone else's account and prediction, for forged ids
VICTIM_INPUTS = ("6.66", "2.22", "4.44", "1.11")  # the inputs of the victim's prediction: shown nowhere else
INT64 = 2**63
EN = I18n().translator("en")
# An admin's upload with everything its metadata may hold: the longest name allowed, HTML specials
# in its texts and category labels (age bands such as "<18" are ordinary).
ODD_MODEL = "z" * 47  # the longest name allowed
ODD_TITLE = 'Tom & "Jerry" <b>bands</b>'
MODELS = ("iris_logreg", "cancer_rf", "wine_gb", "diabetes_rf", ODD_MODEL)
SUCCESS_KEYS = (  # texts that say the bot changed something in the database
    "reg_done",
    "language_set",
    "adm_credit_done",
    "adm_debit_done",
    "adm_disabled_done",
    "adm_enabled_done",
    "adm_model_on",
    "adm_model_off",
    "adm_cost_set",
    "adm_models",  # after a model's button switched it on or off
    "promo_redeemed",  # a code an admin's example created
    "result",  # a paid run (a real Confirm button)
    "failed_refunded",
    "batch_done",
    "already_processed",
)
ESCAPED = re.compile(r"&(lt|gt|amp|quot|#x?[0-9a-fA-F]+);")
_tg_ids = itertools.count(7_000_000)  # a fresh Telegram account for each example
_ids = itertools.count(1)


def group_of(user: TgUser) -> int:
    """The group chat where this user writes (the "in a group" steps)."""
    return -(10**12) - user.id


def _templates(lang: str) -> dict[str, re.Pattern[str]]:
    """Message id -> a pattern its rendered text matches: literal text, ".*" for any placeable
    (values and plural selections alike)."""
    found: dict[str, re.Pattern[str]] = {}
    resource = FluentParser().parse(locale_source(lang))
    for entry in resource.body:
        if isinstance(entry, fluent_ast.Message) and entry.value is not None:
            parts = []
            for el in entry.value.elements:
                if isinstance(el, fluent_ast.TextElement):
                    parts.append(re.escape(el.value))
                elif isinstance(el.expression, fluent_ast.StringLiteral):  # {"{"}
                    parts.append(re.escape(el.expression.parse()["value"]))
                else:
                    parts.append(".*")
            found[entry.id.name] = re.compile("".join(parts), re.S)
    return found


SUCCESS = [_templates(lang)[k] for lang in I18n().languages for k in SUCCESS_KEYS]

# -- hostile input ------------------------------------------------------------------------------

UNICODE_DIGITS = "²³¹⁰⁴⁹①②③⑩٠١٢٣٤٥٦٧٨٩۰۴۵०१२३০১০১２３９𝟎𝟏𝟗Ⅻ"
SPECIALS = [
    "<", ">", "&", "&amp;", "&lt;", "&#0;", "&#xD800;", "&nbsp;", "<b>", "</i>", "<b>&amp;</i>",
    "<a href='x'>", "<br>", "<script>", "*", "**", "_", "__", "[", "](", ")", "`", "```", "~", "|",
    "\\", "{", "}", "{0}", "{name}", "{}", "%s", "%(x)s", "'", '"', ";", ",", ".", "=", "==", "@",
    "#", "/", ":", "\n", "\r\n", "\t", "\x00", "\x07", "\x1b[31m", "\u200b", "\u200f", "\u202e",
    "\u2028", "\ufeff", "\u0333", "\ufffd", "😀", "👨‍👩‍👧", "ж", "é", "İ", "ß", "\U0010ffff",
    "' OR 1=1 --", "'; DROP TABLE users; --", "%", "_%", "tg:", "#1", "@boss", "boss@example.com",
]  # fmt: skip
NUMBERS = [
    "0", "-0", "-0.0", "+0", "1", "-1", "+5", " 5 ", "1.5", "1,5", "1.005", "0.001", "100.00",
    "1000000", "1000000.01", "1e309", "-1e309", "1e400", "1e-400", "1e27", "1E5", "1e2", "NaN",
    "nan", "-nan", "inf", "-inf", "Infinity", "9" * 40, "1" + "0" * 19, "99999999999999999999",
    "-99999999999999999999", "9223372036854775807", "9223372036854775808", "18446744073709551616",
    "0x10", "1_000", "١٢٣", "٣", "²", "⑤", "5.1 3.5 1.4 0.2", "5,1; 3,5; 1,4; 0,2", "1e", ".", "-",
]  # fmt: skip
REFS = ["#1", "1", "@boss", "boss", "BOSS@example.com", "tg:9001", "#", "@", "tg:", "#-1", "#0", "#²", "tg:①"]
REFS += [
    f"@{VICTIM.username}",
    "#{victim_user}",
    "{victim_user}",
    "tg:9002",
    "#" + "9" * 20,
    "9" * 20,
    "tg:" + "9" * 20,
]
NAMES = [*MODELS, "IRIS_LOGREG", " iris_logreg", "nope", "a" * 64, "iris_logreg'--"]

_piece = st.one_of(
    st.sampled_from(SPECIALS),
    st.sampled_from(NUMBERS),
    st.sampled_from(UNICODE_DIGITS),
    st.text(max_size=6),
)
_long = st.builds(
    lambda unit, n: (unit * n)[:n],
    st.sampled_from(["x", "<", "&", "😀", "²", "ж ", "a=1 ", "1,", "9", " ", "<b>", "\x00", "zz_top="]),
    st.sampled_from([4096, 5000]),
)
_pairs = st.builds(  # name=value pairs, with names no model has (long ones too)
    lambda names, value: " ".join(f"{n}={value}" for n in names),
    st.lists(st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,3999}", fullmatch=True), min_size=1, max_size=4),
    st.sampled_from(NUMBERS),
)
HOSTILE_CHARS = "<>&;#'\"*_[]()`~|\\{}=,.:/@% \n\t\x00\r0123456789²③٣xe-+\u202e😀ж"
MARKUP = [x for x in SPECIALS if "<" in x or "&" in x or "{" in x or "%" in x]
_bits = st.text(HOSTILE_CHARS, max_size=6) | st.text(max_size=4)
HOSTILE_TEXT = st.one_of(  # never empty: Telegram sends no message without text or content
    st.text(min_size=1, max_size=60),  # anything
    st.text(HOSTILE_CHARS, min_size=1, max_size=16),
    st.builds(lambda a, m, b: a + m + b, _bits, st.sampled_from(MARKUP), _bits),  # one word with markup
    st.lists(_piece, min_size=1, max_size=8).map("".join),
    st.lists(_piece, min_size=1, max_size=8).map(" ".join),
    st.sampled_from(NUMBERS + SPECIALS + list(UNICODE_DIGITS)),
    _long,
    _pairs,
    st.just("x" * 3990 + "=1"),  # a name too long for a reply that names it
).filter(bool)
REF = st.sampled_from(REFS) | HOSTILE_TEXT
AMOUNT = st.sampled_from(NUMBERS) | HOSTILE_TEXT
NAME = st.sampled_from(NAMES) | HOSTILE_TEXT


def _words(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map(" ".join)


ARGS = {  # what each command takes, and everything else
    "user": REF,
    "disable": REF,
    "enable": REF,
    "refund": REF | st.sampled_from(["#1", "1", "stxn-1-1"]),
    "credit": _words(REF, AMOUNT) | _words(REF, AMOUNT, HOSTILE_TEXT),
    "debit": _words(REF, AMOUNT) | _words(REF, AMOUNT, HOSTILE_TEXT),
    "setcost": _words(NAME, AMOUNT),
    "enable_model": NAME,
    "disable_model": NAME,
}


def args_for(command: str) -> st.SearchStrategy[str | None]:
    return st.none() | ARGS.get(command, HOSTILE_TEXT) | HOSTILE_TEXT


COMMANDS = sorted({*USER_COMMANDS, *ADMIN_COMMANDS, "menu", "nope", "start@predict_bot", "START"})


FIELD_VALUES = [
    "", "0", "-1", "1", "2", "9" * 20, "-" + "9" * 20, "1e9", "x", "None", "#1", "²", "٣", *MODELS,
    "card", "start", "batch", "show", "repeat", "run", "edit", "back", "example", "main", "preds",
    "txs", "users", "predict", "balance", "history", "topup", "help", "language", "menu", "user",
    "toggle_user", "toggle_model", "models", "stats", "broadcast", "broadcast_send", "en", "ru", "xx",
    "use_tg", "{victim_user}", "{victim_prediction}",
]  # fmt: skip
WELL_FORMED = [  # data of every kind, pressed where it does not belong
    "menu:predict", "menu:main", "menu:balance", "menu:history", "menu:topup", "menu:help",
    "menu:language", "menu:settings", "set:notify:off", "set:notify:on",
    "cancel", "reg:use_tg", "lang:ru", "lang:en", "m:card:iris_logreg",
    "m:start:cancer_rf", "m:batch:wine_gb", "step:back", "step:example", "ok:run:abc",
    "ok:edit:abc", "ok:batch:abc", "pg:preds:0:", "pg:txs:3:", "pg:users:0:a", "p:show:1",
    "p:repeat:1", "adm:menu:", "adm:users:", "adm:models:", "adm:stats:", "adm:broadcast:",
    "adm:broadcast_send:", "adm:user:1", "adm:toggle_user:2", "adm:toggle_model:wine_gb",
    "top:0", "top:50", "top:51", "p:show:{victim_prediction}", "p:repeat:{victim_prediction}",
    "adm:user:{victim_user}", "adm:toggle_user:{victim_user}",
]  # fmt: skip


def _fit(data: str) -> str:
    """Telegram delivers 1-64 bytes of callback data."""
    while len(data.encode("utf-8")) > 64:
        data = data[:-1]
    return data or "x"


NUMBER_FIELD = ["0", "1", "2", "-1", "50", "9" * 20, "-" + "9" * 20, "1e3", "1.5", "²", "٣"]
NUMBER_FIELD += ["{victim_prediction}"]
ACTIONS = {  # each class's actions (bot/callbacks.py)
    "menu": ["predict", "balance", "history", "topup", "language", "help", "main"],
    "reg": ["use_tg"],
    "m": ["card", "start", "batch"],
    "step": ["back", "example", "pick"],
    "ok": ["run", "edit", "batch"],
    "p": ["show", "repeat"],
    "adm": "menu users models stats broadcast broadcast_send user toggle_user toggle_model".split()
    + "credit refund upload_try upload_publish broadcast_skip".split(),
    "set": ["notify"],
}
VALUES = {  # per field of a CallbackData class: values that mean something there
    "name": NAMES,
    "code": ["en", "ru", "xx", "EN", "", "on", "off"],
    "nonce": ["abc", "", "x" * 40],
    "answer": ["yes", "no", "x", ""],
    "kind": ["preds", "txs", "users", "x", ""],
    "back": ["preds", "txs", "users", "x", ""],
    "page": NUMBER_FIELD,
    "id": [*NUMBER_FIELD, "{victim_prediction}", "{victim_prediction}"],  # someone else's
    "stars": [*NUMBER_FIELD, "100", "250", "500", "10000"],
    "query": ["", "a", "boss", "%", "_", "{victim_user}", "9" * 20, "fz"],
    "arg": ["", "1", "{victim_user}", "{victim_user}", "9" * 20, "-1", "²", "#1", *MODELS],
    "step": NUMBER_FIELD,  # a step button's question
    "model": ["", "zz", *(callbacks.model_tag(m) for m in MODELS)],
    "value": NUMBER_FIELD,  # a category's position
}


def _forged(cls: type[CallbackData]) -> st.SearchStrategy[str]:
    """This class's prefix and fields: each a value of its kind (two times in three), or
    anything; some missing, or one too many."""
    prefix = cls.__prefix__
    fields = []
    for name in cls.model_fields:
        meaningful = st.sampled_from(ACTIONS.get(prefix, FIELD_VALUES) if name == "action" else VALUES[name])
        fields.append(st.one_of(meaningful, meaningful, st.sampled_from(FIELD_VALUES) | st.text(max_size=12)))
    return st.builds(
        lambda values, keep, extra: ":".join([prefix, *values[:keep], *extra]),
        st.tuples(*fields).map(list),
        st.just(len(fields)) | st.integers(0, len(fields)),
        st.just([]) | st.lists(st.sampled_from(FIELD_VALUES), max_size=1),
    )


CD_CLASSES = [
    cls
    for cls in vars(callbacks).values()
    if isinstance(cls, type) and issubclass(cls, CallbackData) and cls is not CallbackData
]
FORGED_DATA = st.one_of(  # a quarter each
    st.one_of([_forged(cls) for cls in CD_CLASSES]),
    st.sampled_from(WELL_FORMED),
    st.text(min_size=1, max_size=64),
    st.integers(0, 40).map(lambda n: f"{{button:{n}}}"),  # a real button, maybe a stale one
).map(_fit)


@dataclass
class Upload:
    filename: str
    data: bytes
    mime: str


UPLOADS = st.builds(
    Upload,
    st.one_of(
        st.sampled_from(
            ["rows.csv", "model.joblib", "x.txt", "noext", ".csv", "<b>.csv", "a" * 300 + ".csv"]
        ),
        st.text(min_size=1, max_size=40),
    ),
    st.one_of(
        st.binary(max_size=300),
        HOSTILE_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from(
            [
                b"",
                b"sepal_length,sepal_width,petal_length,petal_width\n",
                b"sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n1e309,x,,\n",
                b"sepal_length;sepal_width;petal_length;petal_width\n" + b"5,1;3,5;1,4;0,2\n" * 60,
                "sepal_length,sepal_width,petal_length,petal_width\n²,③,٣,-0\n".encode(),
                "\ufeffsepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n".encode(),
                "\u0434\u043b\u0438\u043d\u0430,x\n1,2\n".encode("cp1251"),
                b"=cmd|' /C calc'!A0,x\n1,2\n",
                b"\x00" * 100,
                b"a," * 40_000,  # over the size limit
            ]
        ),
    ),
    st.sampled_from(["text/csv", "application/octet-stream", "text/plain", "image/png"]),
)

CELLS = st.sampled_from(NUMBERS + SPECIALS + list(UNICODE_DIGITS)) | st.text(max_size=8)


def csv_for(meta: ModelMeta) -> st.SearchStrategy[Upload]:
    """A CSV for this model: its columns (maybe shuffled, renamed, one missing or one extra) and
    rows of hostile cells, with a separator and an encoding."""
    names = [f.name for f in meta.features]

    def build(header: list[str], rows: list[list[str]], sep: str, encoding: str) -> Upload:
        lines = [sep.join(header)] + [sep.join(row) for row in rows]
        return Upload("rows.csv", "\n".join(lines).encode(encoding, "replace"), "text/csv")

    header = st.one_of(
        st.just(names),
        st.permutations(names),
        st.just([n.upper() for n in names]),
        st.just(names[1:]),
        st.just([*names, "extra"]),
    )
    return st.builds(
        build,
        header,
        st.lists(
            st.lists(
                CELLS | st.sampled_from([str(f.example) for f in meta.features]),
                min_size=len(names) - 1,
                max_size=len(names) + 1,
            ),
            max_size=15,
        ),
        st.sampled_from([",", ";", "\t"]),
        st.sampled_from(["utf-8", "cp1251", "utf-16"]),
    )


def _command(command: str) -> st.SearchStrategy[str]:
    return args_for(command).map(lambda args: f"/{command}" + (f" {args}" if args is not None else ""))


ACTION = st.one_of(
    HOSTILE_TEXT.map(lambda t: ("text", t)),
    st.sampled_from(COMMANDS).flatmap(_command).map(lambda t: ("text", t)),
    FORGED_DATA.map(lambda d: ("press", d)),
    st.integers(0, 40).map(lambda n: ("press", f"{{button:{n}}}")),
    UPLOADS.map(lambda u: ("upload", u)),
)

# -- the bot under test -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    admin: bool = False
    model: str | None = None  # a prediction step: its model and input index
    index: int = 0
    group: bool = False
    batch: str | None = None  # waiting for a CSV file for this model


UNREGISTERED = ("unregistered", "reg_username", "reg_email", "reg_password", "login_email", "login_password")


STEPS = [
    Step("unregistered"),
    Step("reg_username"),
    Step("reg_email"),
    Step("reg_password"),
    Step("login_email"),
    Step("login_password"),
    Step("menu"),
    Step("disabled"),
    Step("in_group", group=True),
    Step("iris_first", model="iris_logreg", index=0),
    Step("cancer_eighth", model="cancer_rf", index=7),  # 30 inputs
    Step("diabetes_sex", model="diabetes_rf", index=1),  # a categorical input
    Step("wine_last", model="wine_gb", index=12),
    Step("odd_band", model=ODD_MODEL, index=1),  # "<18", "18-65", ">65"
    Step("confirm"),
    Step("batch", batch="iris_logreg"),
    Step("batch_cancer", batch="cancer_rf"),
    Step("batch_confirm", batch="iris_logreg"),
    Step("topup_amount"),
    Step("admin", admin=True),
    Step("admin_in_group", admin=True, group=True),
    Step("admin_broadcast_text", admin=True),
    Step("admin_broadcast_confirm", admin=True),
    Step("admin_addmodel_file", admin=True),
    Step("admin_addmodel_meta", admin=True),
]
STEP_NAMES = [s.name for s in STEPS]
BY_NAME = {s.name: s for s in STEPS}
IRIS_CSV = b"sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n"


@dataclass
class Sent:
    """An update and whom it came from."""

    update: Update
    user: TgUser
    chat_id: int
    text: str | None = None  # a message's text
    data: str | None = None  # a callback's data


class LogErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass(repr=False)
class Fuzz:
    services: Services
    harness: Harness
    errors: LogErrors
    victim_user: int
    victim_prediction: int
    models: list[tuple[str, float, bool]] = field(default_factory=list)
    # keyboards each chat had been shown before this example: taps use only this example's
    seen: dict[int, int] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "Fuzz()"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # how hypothesis prints it
        p.text("Fuzz()")

    def fill(self, text: str) -> str:
        return text.replace("{victim_user}", str(self.victim_user)).replace(
            "{victim_prediction}", str(self.victim_prediction)
        )

    async def reset(self) -> None:
        """What earlier examples may have changed: models, the admin's account; their users are
        disabled, so that a broadcast reaches a few accounts, not hundreds."""
        async with self.services.session_factory() as s, s.begin():
            for name, cost, active in self.models:
                await s.execute(update(Model).where(Model.name == name).values(cost=cost, is_active=active))
            await s.execute(
                update(User)
                .where(User.telegram_id.in_([ADMIN.id, VICTIM.id]))
                .values(disabled=False, language=None)
            )
            await s.execute(
                update(User)
                .where(User.telegram_id.not_in([ADMIN.id, VICTIM.id]), User.disabled.is_(False))
                .values(disabled=True)
            )

    async def send(self, user: TgUser, text: str, chat_id: int | None = None) -> Reply:
        return await self.harness.send(user, text, chat_id, "group" if chat_id and chat_id < 0 else "private")

    async def press(self, user: TgUser, label: str) -> Reply:
        return await self.harness.press(user, label)

    async def open_model(self, user: TgUser, name: str) -> None:
        await self.send(user, "/predict")
        await self.press(user, self.services.registry.meta(name).title_in(user.language_code))

    async def at(self, step: Step, lang: str = "en") -> tuple[TgUser, int]:
        """A user at this step (a fresh one, or the admin), and the chat they write in."""
        t = EN.i18n.translator(lang)  # the buttons it taps
        self.seen = {chat: len(shown) for chat, shown in self.harness.keyboards.items()}
        if step.admin:
            user = TgUser(ADMIN.id, ADMIN.username, language_code=lang)
            await self.send(user, "/cancel")  # what earlier examples left, in both chats
            await self.send(user, "/cancel", group_of(ADMIN))
        else:
            n = next(_tg_ids)
            user = TgUser(n, f"fz{n}", language_code=lang)
            if step.name not in UNREGISTERED:
                uid = await registered(self.services, user)
                async with self.services.session_factory() as s, s.begin():
                    await increase_balance(s, uid, 100, "fuzz opening balance")
        chat_id = group_of(user) if step.group else user.id
        name = step.name
        if name == "reg_username":
            await self.send(user, "/start")
        elif name == "reg_email":
            await self.send(user, "/start")
            await self.send(user, user.username or "x")
        elif name == "reg_password":
            await self.send(user, "/start")
            await self.send(user, user.username or "x")
            await self.send(user, f"{user.username}@example.com")
        elif name in ("login_email", "login_password"):
            await self.send(user, "/login")
            if name == "login_password":  # an address of its own: no example is throttled by another's
                await self.send(user, f"{user.username}@example.com")
        elif name == "menu":
            await self.send(user, "/start")
        elif name == "disabled":
            async with self.services.session_factory() as s, s.begin():
                await s.execute(update(User).where(User.telegram_id == user.id).values(disabled=True))
        elif step.model is not None:
            await self.open_model(user, step.model)
            await self.press(user, t("btn_start_input"))
            for _ in range(step.index):
                await self.press(user, t("btn_use_example", example=""))
        elif name == "confirm":
            await self.open_model(user, "iris_logreg")
            await self.press(user, t("btn_start_input"))
            await self.send(user, "5.1 3.5 1.4 0.2")
        elif step.batch is not None:
            await self.open_model(user, step.batch)
            await self.press(user, t("btn_batch"))
            if name == "batch_confirm":
                await self.harness.upload(user, "rows.csv", IRIS_CSV)
        elif name == "topup_amount":
            await self.send(user, "/topup")
            await self.press(user, t("btn_custom_amount"))
        elif name == "admin_broadcast_text":
            await self.send(user, "/broadcast")
        elif name == "admin_broadcast_confirm":
            await self.send(user, "/broadcast Hello, <everyone> & all")
        elif name in ("admin_addmodel_file", "admin_addmodel_meta"):
            await self.send(user, "/addmodel")
            if name == "admin_addmodel_meta":
                await self.harness.upload(user, "m.joblib", b"not a model", "application/octet-stream")
        return user, chat_id

    # -- what to send --------------------------------------------------------------------------
    def text(self, user: TgUser, chat_id: int, text: str) -> Sent:
        chat_type = "private" if chat_id > 0 else "group"
        return Sent(self.harness.text_update(user, text, chat_id, chat_type), user, chat_id, text=text)

    def press_data(self, user: TgUser, chat_id: int, data: str) -> Sent:
        """A tap with this data on the newest keyboard in the chat; `{button:n}`: a real button
        of one of the keyboards the chat was shown (the newest first, stale ones too)."""
        shown = self.harness.keyboards.get(chat_id, [])[self.seen.get(chat_id, 0) :]
        real = re.fullmatch(r"\{button:(\d+)\}", data)
        if real is not None:
            buttons = [
                (message, b.callback_data)
                for message, markup in reversed(shown)
                for row in markup.inline_keyboard
                for b in row
                if b.callback_data
            ]
            assume(buttons)
            message, data = buttons[int(real.group(1)) % len(buttons)]
        elif shown:
            message = shown[-1][0]
        else:  # a message of the bot's that the user never got a keyboard on
            message = Message.model_validate(
                {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
                    "from": {"id": 4242, "is_bot": True, "first_name": "Predict Bot"},
                    "text": "hello",
                }
            )
        query = {
            "id": f"fz{next(_ids)}",
            "from": user.as_dict(),
            "chat_instance": "ci",
            "data": data,
            "message": message.model_dump(by_alias=True, exclude_none=True),
        }
        return Sent(self.harness.update(callback_query=query), user, chat_id, data=data)

    async def upload(self, user: TgUser, chat_id: int, upload: Upload) -> Sent:
        file_id = f"fzf{next(_ids)}"
        self.harness.session.files[file_id] = upload.data
        message = {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
            "from": user.as_dict(),
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": upload.filename,
                "mime_type": upload.mime,
                "file_size": len(upload.data),
            },
        }
        return Sent(self.harness.update(message=message), user, chat_id)

    def sticker(self, user: TgUser, chat_id: int) -> Sent:
        message = {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
            "from": user.as_dict(),
            "sticker": STICKER,
        }
        return Sent(self.harness.update(message=message), user, chat_id)

    # -- the checks ----------------------------------------------------------------------------
    async def snapshot(self, tg_id: int) -> tuple[Any, ...]:
        """Row counts, balances and flags: the whole database in a few numbers, and the rows of
        the user at hand, of the victim and of the models."""
        totals = select(
            *(
                select(func.count()).select_from(m).scalar_subquery()
                for m in (User, Transaction, Prediction, Payment, Order)
            ),
            select(func.sum(User.balance)).scalar_subquery(),
            select(func.sum(case((User.disabled, 1), else_=0))).scalar_subquery(),
            select(func.count(User.telegram_id)).scalar_subquery(),
            select(func.count(User.language)).where(User.language == "ru").scalar_subquery(),
        )
        users = select(
            User.telegram_id, User.balance, User.disabled, User.language, User.username, User.email
        )
        async with self.services.session_factory() as s:
            return (
                tuple((await s.execute(totals)).one()),
                (
                    await s.execute(users.where(User.telegram_id.in_([tg_id, VICTIM.id])).order_by(User.id))
                ).all(),
                (await s.execute(select(Model.name, Model.cost, Model.is_active).order_by(Model.name))).all(),
            )

    async def feed(self, step: Step, sent: Sent) -> Reply:
        before = await self.snapshot(sent.user.id)
        errors, refused = len(self.errors.records), len(self.harness.session.refused)
        tasks = set(self.services.tasks)
        reply = await self.harness.feed(sent.update)  # raises if the Dispatcher did
        spawned = [t for t in self.services.tasks if t not in tasks]  # a broadcast: let it finish
        outcomes = await asyncio.wait_for(asyncio.gather(*spawned, return_exceptions=True), 30)
        after = await self.snapshot(sent.user.id)
        what = f"step {step.name}, update {sent.update.model_dump(exclude_none=True)!r:.600}"
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        assert not failures, f"{what}: a background task failed: {failures!r}"
        logged = self.errors.records[errors:]
        assert not logged, f"{what}: the bot logged errors:\n" + "\n".join(
            _short(logging.Formatter().format(r)) for r in logged
        )
        refusals = self.harness.session.refused[refused:]
        assert not refusals, f"{what}: Telegram would refuse: " + "; ".join(
            f"{type(m).__name__} {reason} ({getattr(m, 'text', None) or getattr(m, 'caption', None)!r:.300})"
            for m, reason in refusals
        )
        for button in reply.buttons():
            assert not ESCAPED.search(button), (
                f"{what}: a button shows HTML escapes (it is plain text): {button!r}"
            )
        for alert in reply.alerts:
            assert shown_text(alert, None) == shown_text(alert, "HTML"), (
                f"{what}: an alert with HTML: {alert!r}"
            )
        if sent.update.message is not None:
            answers = [
                m
                for m, _ in reply.calls
                if isinstance(
                    m, (SendMessage, EditMessageText, EditMessageMedia, SendDocument, SendPhoto, SendInvoice)
                )
                and int(m.chat_id or 0) == sent.chat_id
            ]
            assert answers, f"{what}: no answer in the chat"
        else:
            assert sent.update.callback_query is not None
            query_id = sent.update.callback_query.id
            answered = [m for m in reply.calls_of(AnswerCallbackQuery) if m.callback_query_id == query_id]
            assert answered, f"{what}: the tap was not answered"
        said_it = any(p.fullmatch(t) for p in SUCCESS for t in [*reply.texts, *reply.alerts]) or bool(
            reply.calls_of(SendInvoice)
        )
        if not said_it:
            assert after == before, f"{what}: the database changed without a word: {before} -> {after}"
        if sent.user.id not in (ADMIN.id, VICTIM.id):
            shown = "\n".join([*reply.texts, *reply.alerts])
            assert VICTIM.username not in shown and VICTIM_INPUTS[0] not in shown, (
                f"{what}: someone else's account or prediction was shown: {shown[:500]!r}"
            )
        return reply


def _short(text: str, keep: int = 1500) -> str:
    return text if len(text) <= 2 * keep else f"{text[:keep]} … {text[-keep:]}"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def fuzz(
    tmp_path_factory: pytest.TempPathFactory, built_models: Path, passwords: Passwords
) -> AsyncIterator[Fuzz]:
    root = tmp_path_factory.mktemp("fuzz")
    models_dir = root / "models"
    shutil.copytree(built_models, models_dir)
    settings_ = settings_for(
        f"sqlite+aiosqlite:///{root / 'fuzz.db'}",
        models_dir,
        admin_ids=frozenset({ADMIN.id}),
        batch_max_bytes=20_000,
        batch_max_rows=50,
        broadcast_rate=30,  # the most it may be: a broadcast is awaited in its example
    )
    services = await build_services(settings_, passwords)
    harness = Harness(services)
    errors = LogErrors()
    logging.getLogger().addHandler(errors)
    try:
        await install_odd_model(services)
        await registered(services, ADMIN)
        victim = await registered(services, VICTIM)
        async with services.session_factory() as s, s.begin():
            await increase_balance(s, victim, 100, "fuzz opening balance")
        await harness.send(VICTIM, "/predict")
        await harness.press(VICTIM, services.registry.meta("iris_logreg").title)
        await harness.press(VICTIM, "Enter inputs")
        await harness.send(VICTIM, " ".join(VICTIM_INPUTS))
        await harness.press(VICTIM, "Confirm and pay")
        async with services.session_factory() as s:
            prediction = await s.scalar(select(func.max(Prediction.id)))
            models = (await s.execute(select(Model.name, Model.cost, Model.is_active))).all()
        assert prediction is not None
        yield Fuzz(services, harness, errors, victim, prediction, [tuple(m) for m in models])
    finally:
        logging.getLogger().removeHandler(errors)
        await harness.close()
        await services.close()


async def install_odd_model(services: Services) -> None:
    from sklearn.tree import DecisionTreeClassifier

    estimator = DecisionTreeClassifier(random_state=0).fit([[0, 0], [1, 1], [2, 2]], [0, 1, 1])
    data = formats.dumps(estimator)
    meta = ModelMeta(
        name=ODD_MODEL,
        title=ODD_TITLE,
        description="Uses <age> & {weight}; 100% made up: %s {0}",
        task="classification",
        algorithm="<DecisionTree>",
        features=[
            Feature(name="weight", description="kg <or> lb & more", min=0, max=500, example=70),
            Feature(
                name="band",
                description="age band",
                type="category",
                categories={"<18": 0, "18-65": 1, ">65": 2},
                example="<18",
            ),
        ],
        class_names=["<no>", "yes & no"],
        file=f"{ODD_MODEL}{formats.SUFFIX}",
        sha256=hashlib.sha256(data).hexdigest(),
    )
    await services.predictions.install(meta, data, Decimal(1), "fuzz")


async def _run(
    fuzz: Fuzz,
    step_name: str,
    *makers: Callable[[TgUser, int], Sent | Awaitable[Sent]],
    lang: str = "en",
) -> None:
    """A fresh user at the step, then the updates `makers` make, each checked."""
    step = BY_NAME[step_name]
    await fuzz.reset()
    user, chat_id = await fuzz.at(step, lang)
    for make in makers:
        made = make(user, chat_id)
        sent = await made if isinstance(made, Awaitable) else made
        await fuzz.feed(step, sent)


# -- the fuzz tests -----------------------------------------------------------------------------

LANGS = st.sampled_from(["en", "ru"])  # the user's Telegram client


@FUZZ
@given(step=st.sampled_from(STEP_NAMES), lang=LANGS, text=HOSTILE_TEXT)
async def test_hostile_text_at_every_step(fuzz: Fuzz, step: str, lang: str, text: str) -> None:
    await _run(fuzz, step, lambda user, chat: fuzz.text(user, chat, text), lang=lang)


@FUZZ
@given(step=st.sampled_from(STEP_NAMES), lang=LANGS, command=st.sampled_from(COMMANDS), data=st.data())
async def test_every_command_with_hostile_arguments(
    fuzz: Fuzz, step: str, lang: str, command: str, data: st.DataObject
) -> None:
    text = fuzz.fill(data.draw(_command(command), label="text"))
    await _run(fuzz, step, lambda user, chat: fuzz.text(user, chat, text), lang=lang)


@FUZZ
@given(step=st.sampled_from(STEP_NAMES), lang=LANGS, data=FORGED_DATA)
async def test_forged_callback_data_at_every_step(fuzz: Fuzz, step: str, lang: str, data: str) -> None:
    data = fuzz.fill(data)
    await _run(fuzz, step, lambda user, chat: fuzz.press_data(user, chat, data), lang=lang)


SOMEONE_ELSES = [  # the victim's account and prediction, by id: only an admin may see them
    ("press", "p:show:{victim_prediction}"),
    ("press", "p:repeat:{victim_prediction}"),
    ("press", "adm:user:{victim_user}"),
    ("press", "adm:toggle_user:{victim_user}"),
    ("press", "pg:users:0:victim"),
    ("text", "/user #{victim_user}"),
    ("text", "/user @victim_zq7"),
    ("text", "/users victim"),
    ("text", "/credit #{victim_user} 5"),
    ("text", "/disable tg:9002"),
]


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 3))
@given(step=st.sampled_from(STEP_NAMES), lang=LANGS, action=st.sampled_from(SOMEONE_ELSES))
async def test_someone_elses_ids_at_every_step(
    fuzz: Fuzz, step: str, lang: str, action: tuple[str, str]
) -> None:
    kind, what = action
    what = fuzz.fill(what)
    if kind == "text":
        await _run(fuzz, step, lambda user, chat: fuzz.text(user, chat, what), lang=lang)
    else:
        await _run(fuzz, step, lambda user, chat: fuzz.press_data(user, chat, what), lang=lang)


@FUZZ
@given(step=st.sampled_from(STEP_NAMES), lang=LANGS, data=st.data())
async def test_files_and_stickers_at_every_step(
    fuzz: Fuzz, step: str, lang: str, data: st.DataObject
) -> None:
    batch = BY_NAME[step].batch
    uploads = st.none() | UPLOADS
    if batch is not None:  # a CSV with this model's columns, more often than not
        uploads = csv_for(fuzz.services.registry.meta(batch)) | uploads
    upload = data.draw(uploads, label="upload")
    if upload is None:
        await _run(fuzz, step, lambda user, chat: fuzz.sticker(user, chat), lang=lang)
    else:
        await _run(fuzz, step, lambda user, chat: fuzz.upload(user, chat, upload), lang=lang)


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 2))  # several updates each
@given(step=st.sampled_from(STEP_NAMES), lang=LANGS, actions=st.lists(ACTION, min_size=2, max_size=5))
async def test_hostile_sequences(fuzz: Fuzz, step: str, lang: str, actions: list[tuple[str, Any]]) -> None:
    """Several updates in a row: hostile text, commands, real and forged taps, files."""

    def maker(kind: str, what: Any) -> Callable[[TgUser, int], Sent | Awaitable[Sent]]:
        if kind == "text":
            return lambda user, chat: fuzz.text(user, chat, fuzz.fill(what))
        if kind == "press":
            return lambda user, chat: fuzz.press_data(user, chat, fuzz.fill(what))
        return lambda user, chat: fuzz.upload(user, chat, what)

    await _run(fuzz, step, *(maker(kind, what) for kind, what in actions), lang=lang)


# -- what the fuzz tests found first (each fixed): kept as plain examples ------------------------

NINES = "9" * 20
FOUND = [  # each a message Telegram delivers (4,096 characters at most), or a forged tap
    ("topup_amount", "text", "²"),  # str.isdigit() took it, int() raised
    ("topup_amount", "text", "③"),
    ("cancer_eighth", "text", "x" * 3990 + "=1"),  # echoed with 30 input names: over 4,096
    ("admin", "text", "/user " + "x" * 4090),
    ("admin", "text", "/credit @boss " + "x" * 4080),
    ("admin", "text", "/enable_model " + "x" * 4082),
    ("admin", "text", "/setcost iris_logreg " + "x" * 4070),
    ("admin", "text", "/refund " + "x" * 4088),
    ("admin", "text", "/credit @boss 1e309"),  # decimal.InvalidOperation
    ("admin", "text", "/debit @boss 1e27"),
    ("admin", "text", "/setcost iris_logreg 1e400"),
    ("menu", "press", f"p:show:{NINES}"),  # OverflowError on SQLite
    ("menu", "press", f"p:repeat:-{NINES}"),
    ("admin", "press", f"adm:user:{NINES}"),
    ("admin", "text", f"/user #{NINES}"),
    ("admin", "text", f"/user tg:{NINES}"),
    ("admin", "text", f"/disable {NINES}"),
    ("admin", "text", f"/refund {NINES}"),
]


@pytest.mark.parametrize(("step", "kind", "what"), FOUND)
async def test_what_the_fuzz_tests_found_first(fuzz: Fuzz, step: str, kind: str, what: str) -> None:
    assert kind != "text" or len(what) <= 4096
    if kind == "text":
        make: Callable[[TgUser, int], Sent] = lambda user, chat: fuzz.text(user, chat, what)  # noqa: E731
    else:
        make = lambda user, chat: fuzz.press_data(user, chat, what)  # noqa: E731
    await _run(fuzz, step, make)
