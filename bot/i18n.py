"""Texts per language, from bot/locales/<lang>.toml (HTML, str.format placeholders)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANG = "en"
# Telegram client languages that get Russian texts by default.
RUSSIAN_CLIENTS = {"ru", "uk", "be", "kk", "uz", "ky", "tg", "hy", "az", "ka"}


class I18n:
    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self.texts: dict[str, dict[str, str]] = {}
        for path in sorted(locales_dir.glob("*.toml")):
            self.texts[path.stem] = tomllib.loads(path.read_text(encoding="utf-8"))
        if DEFAULT_LANG not in self.texts:
            raise RuntimeError(f"no {DEFAULT_LANG} locale in {locales_dir}")

    @property
    def languages(self) -> list[str]:
        return list(self.texts)

    def pick(self, stored: str | None, client: str | None) -> str:
        if stored in self.texts:
            return stored  # type: ignore[return-value]
        base = (client or "").split("-")[0].lower()
        if base in self.texts:
            return base
        return "ru" if base in RUSSIAN_CLIENTS and "ru" in self.texts else DEFAULT_LANG

    def get(self, lang: str, key: str, **kwargs: Any) -> str:
        text = self.texts.get(lang, {}).get(key) or self.texts[DEFAULT_LANG].get(key)
        if text is None:
            raise KeyError(f"no text {key!r}")
        return text.format(**kwargs) if kwargs else text

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
