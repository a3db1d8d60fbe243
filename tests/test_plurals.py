"""Every message that shows an amount or a count, rendered for 0, 1, 2, 5, 11, 21 and 1.5 in both
languages: the plural form (CLDR rules through Fluent) and the number format (Russian decimal comma)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast
from fluent.syntax import visitor as fluent_visitor

from bot.i18n import GROUP_SEPARATORS, I18n, locale_source

COUNTS: list[int | Decimal] = [0, 1, 2, 5, 11, 21, Decimal("1.5")]
SHOWN = {"en": ["0", "1", "2", "5", "11", "21", "1.5"], "ru": ["0", "1", "2", "5", "11", "21", "1,5"]}


def words(*forms: str) -> dict[int | Decimal, str]:
    return dict(zip(COUNTS, forms, strict=True))


# The word after the number, per count (0, 1, 2, 5, 11, 21, 1.5).
EN_CREDITS = words("credits", "credit", "credits", "credits", "credits", "credits", "credits")
RU_CREDITS = words("кредитов", "кредит", "кредита", "кредитов", "кредитов", "кредит", "кредита")
EN_FREE = {n: "free " + w for n, w in EN_CREDITS.items()}
RU_FREE = words(
    "бесплатных кредитов",
    "бесплатный кредит",
    "бесплатных кредита",
    "бесплатных кредитов",
    "бесплатных кредитов",
    "бесплатный кредит",
    "бесплатного кредита",
)
EN_VALUES = words("values", "value", "values", "values", "values", "values", "values")
RU_VALUES = words("значений", "значение", "значения", "значений", "значений", "значение", "значения")
EN_ROWS = words("rows", "row", "rows", "rows", "rows", "rows", "rows")
RU_ROWS_ACC = words("строк", "строку", "строки", "строк", "строк", "строку", "строки")  # считаю 2 строки
RU_ROWS_GEN = words("строк", "строки", "строк", "строк", "строк", "строки", "строки")  # не больше 21 строки
RU_ROWS_NOM = words("строк", "строка", "строки", "строк", "строк", "строка", "строки")  # 2 строки
EN_STARS = words("Stars", "Star", "Stars", "Stars", "Stars", "Stars", "Stars")
RU_STARS = words("звёзд", "звезда", "звезды", "звёзд", "звёзд", "звезда", "звезды")
EN_BAD_ROWS = {n: "more invalid " + w for n, w in EN_ROWS.items()}
RU_BAD_ROWS = words(
    "некорректных строк",
    "некорректная строка",
    "некорректные строки",
    "некорректных строк",
    "некорректных строк",
    "некорректная строка",
    "некорректной строки",
)
EN_CHARS = words(
    "characters", "character", "characters", "characters", "characters", "characters", "characters"
)
RU_CHARS_GEN = words("символов", "символа", "символов", "символов", "символов", "символа", "символа")
EN_USERS = words("users", "user", "users", "users", "users", "users", "users")
RU_USERS_DAT = words(
    "пользователям",
    "пользователю",
    "пользователям",
    "пользователям",
    "пользователям",
    "пользователю",
    "пользователям",
)
EN_TIMES = words("times", "time", "times", "times", "times", "times", "times")
RU_CASES_PREP = words("случаях", "случае", "случаях", "случаях", "случаях", "случае", "случая")  # в 2 случаях
EN_INPUTS = words("inputs", "input", "inputs", "inputs", "inputs", "inputs", "inputs")
RU_INPUTS = words(
    "входных параметров",
    "входной параметр",
    "входных параметра",
    "входных параметров",
    "входных параметров",
    "входной параметр",
    "входного параметра",
)
RU_INPUTS_GEN = words(  # не меньше 2 входных параметров
    "входных параметров",
    "входного параметра",
    "входных параметров",
    "входных параметров",
    "входных параметров",
    "входного параметра",
    "входного параметра",
)
EN_CLASSES = words("classes", "class", "classes", "classes", "classes", "classes", "classes")
RU_CLASSES = words("классов", "класс", "класса", "классов", "классов", "класс", "класса")
EN_PAYMENTS = words("payments", "payment", "payments", "payments", "payments", "payments", "payments")
RU_PAYMENTS = words("платежей", "платёж", "платежа", "платежей", "платежей", "платёж", "платежа")
EN_RUNS = words("runs", "run", "runs", "runs", "runs", "runs", "runs")
RU_RUNS = words("запусков", "запуск", "запуска", "запусков", "запусков", "запуск", "запуска")
EN_DAYS = words("days", "day", "days", "days", "days", "days", "days")
RU_LAST_DAYS = words(
    "последних дней",
    "последний день",
    "последних дня",
    "последних дней",
    "последних дней",
    "последний день",
    "последнего дня",
)
RU_CHARS_NOM = words("символов", "символ", "символа", "символов", "символов", "символ", "символа")
EN_MORE_RUNS = words(
    "more predictions",
    "more prediction",
    "more predictions",
    "more predictions",
    "more predictions",
    "more predictions",
    "more predictions",
)
RU_RUNS_ACC = words(  # хватит ещё на 2 предсказания
    "предсказаний",
    "предсказание",
    "предсказания",
    "предсказаний",
    "предсказаний",
    "предсказание",
    "предсказания",
)

# (message, variable, English words, Russian words or None where Russian uses a label form
# such as «кредитов: 5» that needs no agreement).
PLURAL_MESSAGES: list[tuple[str, str, dict[int | Decimal, str], dict[int | Decimal, str] | None]] = [
    ("reg_welcome", "credits", EN_FREE, RU_FREE),
    ("help", "credits", EN_FREE, RU_FREE),
    ("reg_done", "balance", EN_CREDITS, RU_CREDITS),
    ("menu", "balance", EN_CREDITS, RU_CREDITS),
    ("balance", "balance", EN_CREDITS, RU_CREDITS),
    ("model_card", "cost", EN_CREDITS, RU_CREDITS),
    ("card_right", "right", EN_TIMES, RU_CASES_PREP),
    ("confirm", "cost", EN_CREDITS, RU_CREDITS),
    ("result", "cost", EN_CREDITS, RU_CREDITS),
    ("prediction_detail", "cost", EN_CREDITS, RU_CREDITS),
    ("batch_prompt", "cost", EN_CREDITS, RU_CREDITS),
    ("batch_prompt", "max_rows", EN_ROWS, RU_ROWS_GEN),
    ("batch_confirm", "total", EN_CREDITS, RU_CREDITS),
    ("batch_done", "charged", EN_CREDITS, RU_CREDITS),
    ("batch_running", "count", EN_ROWS, RU_ROWS_ACC),
    ("batch_more_bad", "count", EN_BAD_ROWS, RU_BAD_ROWS),
    ("batch_item", "rows", EN_ROWS, RU_ROWS_NOM),
    ("batch_item", "charged", EN_CREDITS, RU_CREDITS),
    ("tx_topup", "stars", EN_STARS, RU_STARS),
    ("tx_topup_refund", "stars", EN_STARS, RU_STARS),
    ("step_paste_hint", "count", EN_VALUES, RU_VALUES),
    ("err_in_empty_all", "count", EN_VALUES, RU_VALUES),
    ("err_in_wrong_count", "count", EN_VALUES, None),
    ("err_in_too_long", "max", EN_CHARS, RU_CHARS_GEN),
    ("topup_menu", "rate", EN_CREDITS, RU_CREDITS),
    ("topup_ask_amount", "rate", EN_CREDITS, RU_CREDITS),
    ("invoice_title", "credits", EN_CREDITS, RU_CREDITS),
    ("invoice_description", "credits", EN_CREDITS, RU_CREDITS),
    ("invoice_label", "credits", EN_CREDITS, RU_CREDITS),
    ("payment_credited", "credits", EN_CREDITS, RU_CREDITS),
    ("nudge_low_balance", "balance", EN_CREDITS, RU_CREDITS),
    ("nudge_low_balance", "runs", EN_MORE_RUNS, RU_RUNS_ACC),
    ("nudge_no_balance", "balance", EN_CREDITS, RU_CREDITS),
    ("adm_cost_set", "cost", EN_CREDITS, RU_CREDITS),
    ("adm_model_added", "cost", EN_CREDITS, RU_CREDITS),
    ("adm_model_added", "count", EN_INPUTS, None),
    ("adm_model_replaced", "cost", EN_CREDITS, RU_CREDITS),
    ("adm_model_replaced", "count", EN_INPUTS, None),
    ("adm_broadcast_started", "count", EN_USERS, RU_USERS_DAT),
    ("adm_payment_found", "credits", EN_CREDITS, None),
    ("adm_refund_outside", "credits", EN_CREDITS, None),
    ("adm_refund_outside_taken", "credits", EN_CREDITS, None),
    ("adm_refund_insufficient", "amount", EN_CREDITS, RU_CREDITS),
    ("adm_refund_done", "credits", EN_CREDITS, RU_CREDITS),
    ("adm_payment_line", "credits", EN_CREDITS, RU_CREDITS),
    ("adm_credit_done", "amount", EN_CREDITS, RU_CREDITS),
    ("adm_debit_done", "amount", EN_CREDITS, RU_CREDITS),
    ("adm_confirm_credit", "amount", EN_CREDITS, RU_CREDITS),
    ("adm_confirm_debit", "amount", EN_CREDITS, RU_CREDITS),
    ("adm_confirm_setcost", "cost", EN_CREDITS, RU_CREDITS),
    ("adm_confirm_refund", "credits", EN_CREDITS, RU_CREDITS),
    ("adm_file_inputs", "count", EN_INPUTS, RU_INPUTS),
    ("adm_upload_feature_count", "expected", EN_INPUTS, RU_INPUTS),
    ("adm_upload_feature_index", "expected", EN_INPUTS, RU_INPUTS_GEN),
    ("adm_upload_class_count", "expected", EN_CLASSES, RU_CLASSES),
    ("adm_upload_ready", "count", EN_INPUTS, RU_INPUTS),
    ("adm_upload_ready", "cost", EN_CREDITS, RU_CREDITS),
    ("adm_stats", "payments", EN_PAYMENTS, RU_PAYMENTS),
    ("adm_stats_model", "runs", EN_RUNS, RU_RUNS),
    ("adm_stats_model", "spent", EN_CREDITS, RU_CREDITS),
    ("adm_stats_days", "days", EN_DAYS, RU_LAST_DAYS),
    ("adm_broadcast_too_long", "count", EN_CHARS, RU_CHARS_NOM),
    ("notice_credited", "amount", EN_CREDITS, RU_CREDITS),
    ("notice_credited", "balance", EN_CREDITS, RU_CREDITS),
    ("notice_debited", "amount", EN_CREDITS, RU_CREDITS),
    ("notice_debited", "balance", EN_CREDITS, RU_CREDITS),
    ("notice_refunded", "credits", EN_CREDITS, RU_CREDITS),
    ("promo_redeemed", "credits", EN_CREDITS, RU_CREDITS),
    ("promo_redeemed", "balance", EN_CREDITS, RU_CREDITS),
    ("adm_promo_details", "credits", EN_CREDITS, RU_CREDITS),
]

# Amounts shown without a word that agrees with them («баланс 1,5», "Balance: 1.5").
MONEY_MESSAGES: list[tuple[str, str]] = [
    ("btn_model", "cost"),
    ("btn_confirm", "cost"),
    ("btn_pack", "credits"),
    ("insufficient", "balance"),
    ("confirm", "after"),
    ("confirm_insufficient", "cost"),
    ("price_changed", "now"),
    ("result", "balance"),
    ("failed_refunded", "balance"),
    ("recovered_summary", "balance"),
    ("batch_insufficient", "total"),
    ("tx_line", "amount"),
    ("adm_user_card", "balance"),
    ("adm_insufficient", "amount"),
    ("adm_credit_done", "balance"),
    ("adm_debit_done", "balance"),
    ("adm_stats", "spent"),
    ("adm_credit_ask", "balance"),
    ("adm_confirm_credit", "after"),
    ("adm_payment_disabled", "credits"),
    ("payment_credited", "balance"),
]


def variables() -> dict[str, dict[str, set[str]]]:
    """lang -> message -> variables it uses; and which messages select on a number."""
    out: dict[str, dict[str, set[str]]] = {}
    for lang in ("en", "ru"):
        resource = FluentParser().parse(locale_source(lang))

        class Names(fluent_visitor.Visitor):
            def __init__(self) -> None:
                self.names: set[str] = set()

            def visit_VariableReference(self, node: fluent_ast.VariableReference) -> None:
                self.names.add(node.id.name)

            def visit_SelectExpression(self, node: fluent_ast.SelectExpression) -> None:
                self.names.add("->")
                self.generic_visit(node)

        found = out[lang] = {}
        for entry in resource.body:
            if isinstance(entry, fluent_ast.Message):
                v = Names()
                v.visit(entry)
                found[entry.id.name] = v.names
    return out


VARIABLES = variables()
I18N = I18n()


def render(lang: str, key: str, var: str, n: int | Decimal) -> str:
    # Other placeables get 3, a number none of the checks look for.
    args: dict[str, object] = {name: 3 for name in VARIABLES["en"][key] - {"->"}}
    args[var] = n
    return re.sub(r"<[^>]+>", "", I18N.get(lang, key, **args))


def has(text: str, number: str, word: str) -> bool:
    return re.search(rf"(?<![\d.,]){re.escape(number)} {re.escape(word)}(?!\w)", text) is not None


def test_the_table_covers_every_message_with_plural_forms() -> None:
    selecting = {key for lang in VARIABLES for key, names in VARIABLES[lang].items() if "->" in names}
    assert {key for key, *_ in PLURAL_MESSAGES} == selecting


@pytest.mark.parametrize(
    ("key", "var", "en", "ru"), PLURAL_MESSAGES, ids=[f"{k}-{v}" for k, v, *_ in PLURAL_MESSAGES]
)
def test_plural_forms(
    key: str, var: str, en: dict[int | Decimal, str], ru: dict[int | Decimal, str] | None
) -> None:
    for lang, table in (("en", en), ("ru", ru)):
        for n, shown in zip(COUNTS, SHOWN[lang], strict=True):
            text = render(lang, key, var, n)
            if table is None:  # a label form: the number is there, formatted for the language
                assert re.search(rf"(?<![\d.,]){re.escape(shown)}(?![.,]?\d)", text), (lang, n, text)
                continue
            assert has(text, shown, table[n]), (lang, n, text)
            for wrong in set(table.values()) - {table[n]}:
                assert not has(text, shown, wrong), (lang, n, wrong, text)


@pytest.mark.parametrize(("key", "var"), MONEY_MESSAGES)
def test_amounts_use_the_languages_decimal_mark(key: str, var: str) -> None:
    assert "1.5" in render("en", key, var, Decimal("1.5"))
    ru = render("ru", key, var, Decimal("1.5"))
    assert "1,5" in ru and "1.5" not in ru


def test_number_format() -> None:
    t_en, t_ru = I18N.translator("en"), I18N.translator("ru")
    # At most two decimals, no trailing zeros, thousands grouped per locale.
    assert "<b>10</b> credits" in t_en("balance", balance=Decimal("10.00"), latest="")
    assert "<b>10</b> кредитов" in t_ru("balance", balance=Decimal("10.00"), latest="")
    assert "<b>1,234.57</b> credits" in t_en("balance", balance=Decimal("1234.567"), latest="")
    assert "<b>1\u202f234,57</b> кредита" in t_ru("balance", balance=Decimal("1234.567"), latest="")
    assert "<b>0.5</b> credits" in t_en("balance", balance=Decimal("0.50"), latest="")
    # Identifiers are not grouped.
    assert "#12345" in t_en("result", title="M", id=12345, result="", cost=1, balance=1)
    assert "12345" in t_ru("adm_payment_unknown", stars=1, tg=12345, id=1)


def test_every_message_reads_as_fluent_runtime_renders_it() -> None:
    """I18n renders our messages without fluent.runtime's resolver (for speed): the text must be
    the resolver's, for every message, plural case and language (thousands apart as the
    language's typography writes them: GROUP_SEPARATORS, the one place we differ from CLDR)."""
    for lang in ("en", "ru"):
        reference = FluentBundle([lang], use_isolating=False)
        reference.add_resource(FluentResource(locale_source(lang)))
        for key, names in VARIABLES[lang].items():
            pattern = reference.get_message(key).value
            assert pattern is not None
            # ints and floats: fluent.runtime's own selectors take those (not Decimal).
            for n in [0, 1, 2, 5, 11, 21, 1.5, 1234.5]:
                args: dict[str, object] = {name: n for name in names - {"->"}}
                expected, errors = reference.format_pattern(pattern, args)
                assert not errors, (lang, key, errors)
                expected = expected.replace("\u00a0", GROUP_SEPARATORS.get(lang, "\u00a0"))
                assert I18N.get(lang, key, **args) == expected, (lang, key, n)
            strings = {name: f"<{name}> & {{x}}" for name in names - {"->"}}
            assert I18N.get(lang, key, **strings) == reference.format_pattern(pattern, strings)[0]
