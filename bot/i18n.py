"""Texts per language, from bot/locales/<lang>.ftl (Project Fluent, HTML parse mode).

fluent.runtime brings CLDR plural rules and per-locale number formatting (Babel): a message
gets amounts and counts as numbers, `{ $balance }` formats them (Russian: «1 234,5») and
`{ $balance -> [one] … *[other] … }` picks the plural form. Callers escape what they pass in;
Fluent adds no escaping of its own.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from fluent.runtime import FluentBundle, FluentResource, resolver
from fluent.runtime.resolver import CurrentEnvironment, Pattern, ResolverEnvironment
from fluent.runtime.types import FluentDecimal, FluentFloat, FluentInt, FluentNumber

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANG = "en"
# Telegram client languages that get Russian texts by default.
RUSSIAN_CLIENTS = {"ru", "uk", "be", "kk", "uz", "ky", "tg", "hy", "az", "ka"}
# Placeables that name something (prediction #1234, order #1001, a Telegram id, version 12):
# numbers, but shown as they are, never as "1,234" or «1 234».
IDENTIFIERS = frozenset({"id", "order", "user", "tg", "number", "previous"})
CENT = Decimal("0.01")
# fluent.runtime refuses a placeable longer than 2,500 characters, a guard against messages that
# grow through their own references. Ours have none, and their long values (lists, a broadcast,
# HTML-escaped) come from the code, which keeps every reply within Telegram's limits.
resolver.MAX_PART_LENGTH = 65_536


def _number(value: Decimal) -> Decimal:
    """At most two decimals and no trailing zeros: 10.00 → 10, 1.50 → 1.5. Besides the
    display, CLDR plural rules count visible decimals (ru: «10 кредитов», but «10,0 кредита»)."""
    d = value.quantize(CENT)
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


@lru_cache(maxsize=4096)
def _formatted(value: int | Decimal, locale: Locale) -> str:
    """Babel's number formatting is most of a message's cost, and a bot shows the same few
    amounts over and over."""
    return (FluentDecimal if isinstance(value, Decimal) else FluentInt)(value).format(locale)


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
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, int):
        return str(value) if name in IDENTIFIERS else _Int(value)
    # An amount: a Decimal, or a float from the seed schema's FLOAT balance (exact as written).
    d = _number(Decimal(repr(value)) if isinstance(value, float) else value)
    # fluent.runtime (0.4) picks plural forms only for int and float selectors, never for a
    # Decimal one; at two decimals a float holds an amount exactly enough to show.
    return _Int(int(d)) if d == d.to_integral_value() else _Float(float(d))


class _Bundle(FluentBundle):
    """A FluentBundle that remembers plural categories: its selector asks for the category once
    per variant (four times for Russian), and evaluating a CLDR rule is most of what is left of
    a message's cost once numbers are formatted from a cache."""

    def __init__(self, lang: str) -> None:
        # use_isolating=False: Telegram would show the bidi isolation marks around placeables.
        super().__init__([lang], use_isolating=False)
        # fluent.runtime 0.4's one hook for plural rules (hence the <0.5 pin in pyproject.toml).
        self._plural_form = lru_cache(maxsize=4096)(self._plural_form)


class I18n:
    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        # One bundle per language, built once: parsing happens here, each message is compiled
        # on first use and kept by the bundle, and `_patterns` skips the lookups after that.
        self.bundles: dict[str, _Bundle] = {}
        for path in sorted(locales_dir.glob("*.ftl")):
            bundle = _Bundle(path.stem)
            bundle.add_resource(FluentResource(path.read_text(encoding="utf-8")))
            self.bundles[path.stem] = bundle
        if DEFAULT_LANG not in self.bundles:
            raise RuntimeError(f"no {DEFAULT_LANG} locale in {locales_dir}")
        self._patterns: dict[tuple[str, str], tuple[FluentBundle, Pattern]] = {}
        self._plain: dict[tuple[str, str], str] = {}

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

    def _pattern(self, lang: str, key: str) -> tuple[FluentBundle, Pattern]:
        found = self._patterns.get((lang, key))
        if found is None:
            for bundle in (self.bundles.get(lang), self.bundles[DEFAULT_LANG]):
                if bundle is not None and bundle.has_message(key):
                    value = bundle.get_message(key).value
                    if value is not None:
                        found = self._patterns[(lang, key)] = (bundle, value)
                        break
            else:
                raise KeyError(f"no text {key!r}")
        return found

    def get(self, lang: str, key: str, **kwargs: Any) -> str:
        if not kwargs:
            text = self._plain.get((lang, key))
            if text is None:
                text = self._plain[(lang, key)] = self._format(lang, key, {})
            return text
        return self._format(lang, key, {name: _argument(name, v) for name, v in kwargs.items()})

    def _format(self, lang: str, key: str, args: dict[str, Any]) -> str:
        bundle, pattern = self._pattern(lang, key)
        # What FluentBundle.format_pattern does, minus its conversion of every argument
        # (`_argument` has done that, with cached number formatting).
        errors: list[Exception] = []
        env = ResolverEnvironment(context=bundle, current=CurrentEnvironment(args=args), errors=errors)
        text = pattern(env)
        if errors:  # a missing or misnamed placeable: a bug, as str.format's KeyError was
            raise KeyError(f"text {key!r}: {errors[0]}")
        return str(text)

    def translator(self, lang: str) -> Translator:
        return Translator(self, lang)


class Translator:
    """`t("key", x=1)` in handlers; bound to the user's language."""

    __slots__ = ("i18n", "lang")

    def __init__(self, i18n: I18n, lang: str) -> None:
        self.i18n = i18n
        self.lang = lang

    def __call__(self, key: str, **kwargs: Any) -> str:
        return self.i18n.get(self.lang, key, **kwargs)
