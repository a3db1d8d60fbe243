"""Texts per language, from bot/locales/<lang>/*.ftl (Project Fluent, HTML parse mode).

fluent.runtime brings CLDR plural rules and per-locale number formatting (Babel): a message
gets amounts and counts as numbers, `{ $balance }` formats them (Russian: «1 234,5») and
`{ $balance -> [one] … *[other] … }` picks the plural form. Callers escape what they pass in;
Fluent adds no escaping of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import format_decimal, get_decimal_symbol
from fluent.runtime import FluentBundle, FluentResource, resolver
from fluent.runtime.resolver import CurrentEnvironment, Pattern, ResolverEnvironment
from fluent.runtime.types import FluentDecimal, FluentFloat, FluentInt, FluentNumber, FluentType
from fluent.syntax import ast as ftl

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANG = "en"
# Telegram client languages that get Russian texts by default.
RUSSIAN_CLIENTS = {"ru", "uk", "be", "kk", "uz", "ky", "tg", "hy", "az", "ka"}
# Placeables that name something (prediction #1234, order #1001, a Telegram id, version 12):
# numbers, but shown as they are, never as "1,234" or «1 234».
IDENTIFIERS = frozenset({"id", "order", "user", "tg", "number", "previous"})
CENT = Decimal("0.01")
# Thousands where a language's typography differs from CLDR's: Russian separates them with a thin
# space (U+202F, narrow and non-breaking: «10 000»), CLDR with a full-width no-break space.
GROUP_SEPARATORS = {"ru": "\u202f"}
# fluent.runtime refuses a placeable longer than 2,500 characters, a guard against messages that
# grow through their own references. Ours have none, and their long values (lists, a broadcast,
# HTML-escaped) come from the code, which keeps every reply within Telegram's limits.
resolver.MAX_PART_LENGTH = 65_536


def locale_source(lang: str, locales_dir: Path = LOCALES_DIR) -> str:
    """All of a language's .ftl files as one text, for tests and tools that parse it."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((locales_dir / lang).glob("*.ftl")))


def _number(value: Decimal) -> Decimal:
    """At most two decimals and no trailing zeros: 10.00 → 10, 1.50 → 1.5. Besides the
    display, CLDR plural rules count visible decimals (ru: «10 кредитов», but «10,0 кредита»)."""
    d = value.quantize(CENT)
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


@lru_cache(maxsize=4096)
def _formatted(value: int | Decimal, locale: Locale) -> str:
    """Babel's number formatting is most of a message's cost, and a bot shows the same few
    amounts over and over."""
    text = (FluentDecimal if isinstance(value, Decimal) else FluentInt)(value).format(locale)
    separator = GROUP_SEPARATORS.get(locale.language)
    return text if separator is None else text.replace("\u00a0", separator)


class _Int(FluentInt):
    def format(self, locale: Locale) -> str:
        if self.options is not FluentNumber.default_number_format_options:  # NUMBER(…, options)
            return super().format(locale)
        return _formatted(int(self), locale)


class _Float(FluentFloat):
    def format(self, locale: Locale) -> str:
        if self.options is not FluentNumber.default_number_format_options:
            return super().format(locale)
        return _formatted(Decimal(repr(float(self))), locale)


def _argument(name: str, value: Any) -> Any:
    """A caller's value as Fluent sees it."""
    if type(value) is str:  # most of them
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, int):
        return str(value) if name in IDENTIFIERS else _count(value)
    return _amount(value)


@lru_cache(maxsize=4096)
def _count(value: int) -> _Int:
    return _Int(value)


@lru_cache(maxsize=4096)
def _amount(value: Decimal | float) -> _Int | _Float:
    """A Decimal, or a float from the seed schema's FLOAT balance (exact as written)."""
    d = _number(Decimal(repr(value)) if isinstance(value, float) else value)
    # fluent.runtime (0.4) picks plural forms only for int and float selectors, never for a
    # Decimal one; at two decimals a float holds an amount exactly enough to show.
    return _Int(int(d)) if d == d.to_integral_value() else _Float(float(d))


class _Bundle(FluentBundle):
    """A FluentBundle that remembers plural categories (evaluating a CLDR rule costs more than
    the rest of a select; the resolver even asks once per variant, four times for Russian)."""

    def __init__(self, lang: str) -> None:
        # use_isolating=False: Telegram would show the bidi isolation marks around placeables.
        super().__init__([lang], use_isolating=False)
        # fluent.runtime 0.4's one hook for plural rules (hence the <0.5 pin in pyproject.toml).
        self._plural_form = self.plural = lru_cache(maxsize=4096)(self._plural_form)
        self.locale = Locale.parse(lang)


Render = Callable[[dict[str, Any]], str]


def _compile(pattern: ftl.Pattern, bundle: _Bundle) -> Render | None:
    """A message made of text, variables and selects on a variable by named keys (all of ours
    today) as a plain function: the text fluent.runtime's resolver produces (a test compares
    them for every message), at a fraction of its cost. None for anything else (message and
    term references, functions, numeric variant keys): those go through the resolver."""
    parts: list[str | Render] = []
    for element in pattern.elements:
        if isinstance(element, ftl.TextElement):
            parts.append(element.value)
            continue
        expression = element.expression
        if isinstance(expression, ftl.StringLiteral):  # {"{"}
            parts.append(expression.parse()["value"])
        elif isinstance(expression, ftl.VariableReference):
            parts.append(partial(_variable, expression.id.name, bundle.locale))
        elif isinstance(expression, ftl.SelectExpression) and isinstance(
            expression.selector, ftl.VariableReference
        ):
            variants: dict[str, Render] = {}
            default: Render | None = None
            for variant in expression.variants:
                body = _compile(variant.value, bundle)
                if body is None or not isinstance(variant.key, ftl.Identifier):
                    return None
                variants.setdefault(variant.key.name, body)
                if variant.default:
                    default = body
            assert default is not None  # the parser requires one
            parts.append(partial(_select, expression.selector.id.name, variants, default, bundle.plural))
        else:
            return None
    texts = [part for part in parts if isinstance(part, str)]
    if len(texts) == len(parts):
        text = "".join(texts)
        return lambda args: text
    return partial(_join, parts)


def _join(parts: list[str | Render], args: dict[str, Any]) -> str:
    return "".join([part if isinstance(part, str) else part(args) for part in parts])


def _variable(name: str, locale: Locale, args: dict[str, Any]) -> str:
    value = args[name]
    return value.format(locale) if isinstance(value, FluentType) else str(value)


def _select(
    name: str,
    variants: dict[str, Render],
    default: Render,
    plural: Callable[[Any], str],
    args: dict[str, Any],
) -> str:
    value = args[name]
    key = plural(value) if isinstance(value, int | float) else value
    return variants.get(key, default)(args) if isinstance(key, str) else default(args)


class I18n:
    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        # One bundle per language, built once at start-up (parsing happens here); each message
        # becomes a renderer on first use (`_compile`), kept in `_renderers`.
        self.bundles: dict[str, _Bundle] = {}
        self._messages: dict[str, dict[str, ftl.Message]] = {}
        for folder in sorted(p for p in locales_dir.iterdir() if p.is_dir()):
            lang = folder.name
            bundle = _Bundle(lang)
            messages: dict[str, ftl.Message] = {}
            for path in sorted(folder.glob("*.ftl")):
                resource = FluentResource(path.read_text(encoding="utf-8"))
                bundle.add_resource(resource)
                for m in resource.body:
                    if isinstance(m, ftl.Message):
                        if m.id.name in messages:
                            raise RuntimeError(f"{lang}: message {m.id.name!r} defined twice ({path.name})")
                        messages[m.id.name] = m
            self.bundles[lang] = bundle
            self._messages[lang] = messages
        if DEFAULT_LANG not in self.bundles:
            raise RuntimeError(f"no {DEFAULT_LANG} locale in {locales_dir}")
        self._renderers: dict[tuple[str, str], Render] = {}

    @property
    def languages(self) -> list[str]:
        return list(self.bundles)

    def pick(self, stored: str | None, client: str | None) -> str:
        if stored is not None and stored in self.bundles:
            return stored
        base = (client or "").split("-")[0].lower()
        if base in self.bundles:
            return base
        return "ru" if base in RUSSIAN_CLIENTS and "ru" in self.bundles else DEFAULT_LANG

    def _renderer(self, lang: str, key: str) -> Render:
        """The message in `lang` (else in English) as a function of its arguments, made on
        first use and kept."""
        for source in (lang, DEFAULT_LANG):
            message = self._messages.get(source, {}).get(key)
            if message is not None and message.value is not None:
                bundle = self.bundles[source]
                render = _compile(message.value, bundle)
                if render is None:
                    pattern = bundle.get_message(key).value
                    assert pattern is not None  # message.value is not None
                    render = partial(_resolve, bundle, pattern)
                self._renderers[(lang, key)] = render
                return render
        raise KeyError(f"no text {key!r}")

    def get(self, lang: str, key: str, **kwargs: Any) -> str:
        render = self._renderers.get((lang, key)) or self._renderer(lang, key)
        try:
            return render({name: _argument(name, v) for name, v in kwargs.items()})
        except KeyError as exc:  # a missing placeable: a bug, as str.format's KeyError was
            raise KeyError(f"text {key!r}: no value for {exc}") from None

    def translator(self, lang: str) -> Translator:
        return Translator(self, lang)


@lru_cache(maxsize=4096)
def format_value(value: float | int | Decimal, locale: Locale) -> str:
    """See Translator.decimal."""
    try:
        return format_decimal(value, format="0.##########", locale=locale)
    except (InvalidOperation, ValueError, OverflowError):
        # too many digits for ten decimals (1e300, typed by someone): the exponent form
        return f"{float(value):g}".replace(".", get_decimal_symbol(locale))


def _resolve(bundle: FluentBundle, pattern: Pattern, args: dict[str, Any]) -> str:
    # What FluentBundle.format_pattern does, minus its conversion of every argument
    # (`_argument` has done that, with cached number formatting).
    errors: list[Exception] = []
    env = ResolverEnvironment(context=bundle, current=CurrentEnvironment(args=args), errors=errors)
    text = pattern(env)
    if errors:
        raise KeyError(str(errors[0]))
    return str(text)


class Translator:
    """`t("key", x=1)` in handlers; bound to the user's language."""

    __slots__ = ("i18n", "lang")

    def __init__(self, i18n: I18n, lang: str) -> None:
        self.i18n = i18n
        self.lang = lang

    def __call__(self, key: str, **kwargs: Any) -> str:
        return self.i18n.get(self.lang, key, **kwargs)

    def decimal(self, value: float | int | Decimal) -> str:
        """A measurement as this language writes it (Russian: «4,35»), as precise as it is (up
        to ten decimals) and without a thousands separator, so that it can be typed back in
        exactly as shown ("1680", not «1 680», which would read as two values)."""
        return format_value(value, self.i18n.bundles[self.lang].locale)
