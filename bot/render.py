"""Formatting of money, inputs, results and dates for messages (HTML parse mode)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from html import escape
from typing import Any

from aiogram.types import User as TgUser

from bot.i18n import Translator
from ml.schema import Feature, ModelMeta

BAR_WIDTH = 10
# Echoes of outside text (what a user typed, a name from a command) are cut to this many
# characters, and lists of names to LIST_LIMIT: with a message's own words, a reply stays well
# within Telegram's 4,096 characters (1,024 in a caption) whatever came in.
ECHO_LIMIT = 100
LIST_LIMIT = 1000


def quote(text: object, limit: int = ECHO_LIMIT) -> str:
    """Outside text for a reply: at most `limit` characters (cut with "…"), HTML-escaped.
    Every echo of user input goes through here."""
    s = str(text)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return escape(s)


def quote_list(items: Iterable[object], limit: int = LIST_LIMIT) -> str:
    """Items joined by commas, each shortened like `quote`, as many whole ones as fit in `limit`
    characters; then "… +N" for the rest."""
    names = [str(i) if len(str(i)) <= ECHO_LIMIT else str(i)[: ECHO_LIMIT - 1] + "…" for i in items]
    shown: list[str] = []
    size = 0
    for n, name in enumerate(names):
        if shown and size + len(name) > limit:
            shown.append(f"… +{len(names) - n}")
            break
        shown.append(name)
        size += len(name) + 2
    return escape(", ".join(shown))


def money(value: Decimal | float | int) -> str:
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    d = d.quantize(Decimal("0.01"))
    return f"{d:.0f}" if d == d.to_integral_value() else f"{d:.2f}"


def when(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC")


def bar(p: float) -> str:
    filled = round(max(0.0, min(1.0, p)) * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def value_label(v: Any) -> str:
    """A value as plain text, as a button's label shows it."""
    return f"{v:g}" if isinstance(v, float) else str(v)


def value_text(v: Any) -> str:
    """A value in a message (HTML)."""
    return escape(value_label(v))


def inputs_block(meta: ModelMeta, values: Mapping[str, Any], limit: int = 40) -> str:
    lines = [f"• {escape(f.name)} = <b>{value_text(values.get(f.name))}</b>" for f in meta.features[:limit]]
    if len(meta.features) > limit:
        lines.append(f"… +{len(meta.features) - limit}")
    return "\n".join(lines)


def expected_text(t: Translator, f: Feature) -> str:
    if f.type == "category":
        return t("expect_category", options=quote_list(f.categories or {}))
    key = "expect_int" if f.type == "int" else "expect_number"
    return t(
        key, min=f"{f.min:g}" if f.min is not None else "−∞", max=f"{f.max:g}" if f.max is not None else "∞"
    )


def result_block(t: Translator, meta: ModelMeta, result: Mapping[str, Any] | None) -> str:
    if not result:
        return ""
    if "value" in result:
        return t("result_value", value=f"{float(result['value']):.2f}")
    probs: Mapping[str, float] = result.get("probabilities") or {}
    lines = [t("result_label", label=escape(str(result.get("label"))))]
    for name, p in sorted(probs.items(), key=lambda kv: -kv[1]):
        lines.append(f"<code>{bar(p)}</code> {p * 100:5.1f}% {escape(name)}")
    return "\n".join(lines)


def short_result(result: Mapping[str, Any] | None) -> str:
    if not result:
        return "—"
    if "value" in result:
        return f"{float(result['value']):.2f}"
    if "label" in result:
        p = (result.get("probabilities") or {}).get(result["label"])
        return escape(str(result["label"])) + (f" ({p * 100:.0f}%)" if p is not None else "")
    return "—"


def input_error_text(t: Translator, exc: Any, meta: ModelMeta) -> str:
    """A localized message for an ml.inputs.InputError: names the feature and what is expected."""
    feature = next((f for f in meta.features if f.name == exc.feature), None)
    params = exc.params
    if exc.code == "empty" and feature is None:
        return t("err_in_empty_all", count=len(meta.features))
    return t(
        f"err_in_{exc.code}",
        feature=quote(exc.feature or ""),  # unknown_feature: whatever name the user typed
        expected=expected_text(t, feature) if feature else "",
        got=quote(params.get("got", "")),
        count=params.get("expected", len(meta.features)),  # wrong_count: how many values are wanted
        missing=quote_list(params.get("missing", [])),
        allowed=quote_list(f.name for f in meta.features),
        max=params.get("max", ""),
    )


def admin_name(tg: TgUser | None) -> str:
    """Who did an admin action, for the log."""
    if tg is None:
        return "admin"
    return f"@{tg.username} ({tg.id})" if tg.username else f"admin {tg.id}"
