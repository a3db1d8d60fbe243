"""Formatting of money, inputs, results and dates for messages (HTML parse mode)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from html import escape, unescape
from typing import TYPE_CHECKING, Any

from aiogram.types import User as TgUser

from bot.i18n import Translator
from bot.keyboards import MAX_CHOICES
from ml.schema import Feature, ModelMeta
from services.predictions import NOT_STORED

if TYPE_CHECKING:
    from bot.batch_csv import BatchFileError, ParsedBatch
    from services.accounts import BatchSummary, LedgerLine
    from services.catalogue import ModelRow, Uploaded, VersionRow
    from services.predictions import BatchOutcome, PredictionOutcome, PriceChanged, Quote

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


def words(text: str, limit: int = 1000) -> str:
    """A model's words (a title, a label) in a message: HTML-escaped, apostrophes kept as they
    are, at most `limit` characters (an upload's description may be long; a card must fit)."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text, quote=False)


def value_label(v: Any) -> str:
    """A value as plain text, as a button's label shows it."""
    return f"{v:g}" if isinstance(v, float) else str(v)


def value_text(v: Any) -> str:
    """A value in a message (HTML)."""
    return escape(value_label(v))


def inputs_block(
    meta: ModelMeta, values: Mapping[str, Any], limit: int = 40, t: Translator | None = None
) -> str:
    """The inputs of a run, one a line: their labels and values in the user's language (given
    `t`; in English without)."""
    lang = t.lang if t is not None else "en"
    lines = [
        f"• {words(meta.feature_label(f.name, lang), 60)}: "
        f"<b>{shown_value(t, meta, f, values.get(f.name))}</b>"
        for f in meta.features[:limit]
    ]
    if len(meta.features) > limit:
        lines.append(f"… +{len(meta.features) - limit}")
    return "\n".join(lines)


def shown_value(t: Translator | None, meta: ModelMeta, f: Feature, value: Any) -> str:
    """An input's value in a message (HTML): a category by its label, a number as the user's
    language writes it."""
    if f.type == "category":
        return words(meta.category_label(f.name, str(value), t.lang if t is not None else "en"))
    if t is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return t.decimal(value)
    return value_text(value)


def expected_text(t: Translator, f: Feature, meta: ModelMeta | None = None) -> str:
    """What an input takes, in the user's language: a range, or its options."""
    if f.type == "category":
        labels = [meta.category_label(f.name, v, t.lang) if meta else v for v in f.categories or {}]
        return t("expect_category", options=quote_list(labels))
    key = "expect_int" if f.type == "int" else "expect_number"
    return t(
        key,
        min=t.decimal(f.min) if f.min is not None else "−∞",
        max=t.decimal(f.max) if f.max is not None else "∞",
    )


def result_block(t: Translator, meta: ModelMeta, result: Mapping[str, Any] | None) -> str:
    """A run's result: the value, or the class with each class's probability, in the user's
    language (class labels from the model's texts)."""
    if not result:
        return ""
    if "value" in result:
        return t("result_value", value=t.decimal(round(float(result["value"]), 2)))
    probs: Mapping[str, float] = result.get("probabilities") or {}
    label = meta.class_label(str(result.get("label")), t.lang)
    lines = [t("result_label", label=words(label))]
    for name, p in sorted(probs.items(), key=lambda kv: -kv[1]):
        percent = t.decimal(round(p * 100, 1))
        lines.append(f"<code>{bar(p)}</code> {percent}% {words(meta.class_label(name, t.lang))}")
    return "\n".join(lines)


def short_result(
    result: Mapping[str, Any] | None, t: Translator | None = None, meta: ModelMeta | None = None
) -> str:
    """A result in a line of a list; in the user's language given `t` (and `meta`, for class
    labels)."""
    if not result:
        return "—"
    if "value" in result:
        value = round(float(result["value"]), 2)
        return t.decimal(value) if t is not None else f"{value:.2f}"
    if "label" in result:
        name = str(result["label"])
        label = meta.class_label(name, t.lang) if t is not None and meta is not None else name
        p = (result.get("probabilities") or {}).get(result["label"])
        return words(label) + (f" ({p * 100:.0f}%)" if p is not None else "")
    return "—"


def input_error_text(t: Translator, exc: Any, meta: ModelMeta) -> str:
    """A message in the user's language for an ml.inputs.InputError: names the input by its
    label and says what it takes; the user's text echoed shortened and escaped."""
    feature = next((f for f in meta.features if f.name == exc.feature), None)
    params = exc.params
    if exc.code == "empty" and feature is None:
        return t("err_in_empty_all", count=len(meta.features))
    if feature is not None:
        name = words(meta.feature_label(feature.name, t.lang), 100)
    else:
        name = quote(exc.feature or "")  # unknown_feature: whatever name the user typed
    value = params.get("value")
    expected = params.get("expected")
    return t(
        f"err_in_{exc.code}",
        feature=name,
        expected=expected_text(t, feature, meta) if feature else "",
        got=quote(params.get("got", ""), 40),
        value=t.decimal(value) if isinstance(value, float) else quote(value or ""),
        count=expected if isinstance(expected, int) else len(meta.features),
        missing=quote_list(meta.feature_label(n, t.lang) for n in params.get("missing", [])),
        allowed=quote_list(f.name for f in meta.features),
        max=params.get("max", ""),
    )


def input_error_plain(t: Translator, exc: Any, meta: ModelMeta) -> str:
    """input_error_text as plain text (a results CSV's error column): no tags, no entities."""
    return unescape(re.sub(r"<[^>]+>", "", input_error_text(t, exc, meta))).removeprefix("⚠️").strip()


def admin_name(tg: TgUser | None) -> str:
    """Who did an admin action, for the log."""
    if tg is None:
        return "admin"
    return f"@{tg.username} ({tg.id})" if tg.username else f"admin {tg.id}"


# -- the catalogue and the paid dialog ---------------------------------------------------------

CARD_FEATURES = 12  # inputs listed on a model's card (the rest are counted)


def quality_text(t: Translator, meta: ModelMeta) -> str:
    """How often the model is right, in plain words (from its held-out figures)."""
    if "accuracy" in meta.metrics:
        return t("card_right", right=round(meta.metrics["accuracy"] * 100))
    if "mae" in meta.metrics:
        mae = meta.metrics["mae"]
        return t("card_within", error=t.decimal(round(mae) if mae >= 10 else round(mae, 2)))
    return ""


def example_line(t: Translator, meta: ModelMeta) -> str:
    """Every input's example, ready to paste: with decimal commas, separated by semicolons."""
    sep = "; " if "," in t.decimal(0.5) else ", "
    parts = []
    for f in meta.features:
        if f.type == "category":
            label = meta.category_label(f.name, str(f.example), t.lang)
            # a label of one word can be typed back; one of several is the category's own value
            parts.append(label if not re.search(r"[\s,;=]", label) else str(f.example))
        else:
            parts.append(t.decimal(float(f.example)))
    return words(sep.join(parts), 1500)  # hundreds of inputs: cut, the card must fit


def card_text(t: Translator, quote: Quote) -> str:
    """A model's card in the user's language: what it does, how often it is right, its price,
    what to enter and an example; a medical model's says it is not medical advice."""
    meta = quote.meta
    lines = [
        f"• {words(meta.feature_label(f.name, t.lang), 100)} — {expected_text(t, f, meta)}"
        for f in meta.features[:CARD_FEATURES]
    ]
    if len(meta.features) > CARD_FEATURES:
        lines.append(t("card_more_inputs", count=len(meta.features) - CARD_FEATURES))
    text = t(
        "model_card",
        title=words(meta.title_in(t.lang)),
        description=words(meta.description_in(t.lang)),
        quality=quality_text(t, meta),
        count=len(meta.features),
        inputs="\n".join(lines),
        cost=quote.cost,
        balance=quote.balance,
        example=example_line(t, meta),
    )
    note = meta.note_in(t.lang)
    if note:
        text += "\n\n" + words(note)
    if meta.medical:
        text += "\n\n" + t("card_medical")
    if not quote.affordable:
        text += "\n\n" + t("insufficient", cost=quote.cost, balance=quote.balance)
    return text


def input_columns_text(t: Translator, meta: ModelMeta, limit: int = CARD_FEATURES) -> str:
    """What each column (or name=value name) of a model's inputs means, in the user's language:
    "• <code>malic_acid</code> — Malic acid, g/l" (for a CSV template's caption, or help)."""
    lines = [
        f"• <code>{quote(f.name)}</code> — {words(meta.feature_label(f.name, t.lang), 100)}"
        for f in meta.features[:limit]
    ]
    if len(meta.features) > limit:
        lines.append(t("card_more_inputs", count=len(meta.features) - limit))
    return "\n".join(lines)


def step_text(t: Translator, meta: ModelMeta, index: int) -> str:
    """The question for input `index` of the step-by-step dialog, in the user's language."""
    f = meta.features[index]
    args = {
        "i": index + 1,
        "n": len(meta.features),
        "label": words(meta.feature_label(f.name, t.lang), 100),
        "description": words(meta.feature_description(f.name, t.lang)),
    }
    if f.type == "category" and len(f.categories or {}) <= MAX_CHOICES:  # offered as buttons
        text = t("step_choice", **args)
    else:
        example = (
            words(meta.category_label(f.name, str(f.example), t.lang))
            if f.type == "category"
            else t.decimal(float(f.example))
        )
        text = t("step", expected=expected_text(t, f, meta), example=example, **args)
    if index == 0 and len(meta.features) > 1:
        text += "\n\n" + t("step_paste_hint", count=len(meta.features))
    return text


def confirm_text(t: Translator, meta: ModelMeta, values: Mapping[str, Any], quote: Quote) -> str:
    """The confirmation screen of one run, at the quoted price."""
    title = words(meta.title_in(t.lang))
    if quote.affordable:
        return t(
            "confirm",
            title=title,
            inputs=inputs_block(meta, values, t=t),
            cost=quote.cost,
            balance=quote.balance,
            after=quote.balance_after,
        )
    return t(
        "confirm_insufficient",
        title=title,
        inputs=inputs_block(meta, values, t=t),
        cost=quote.cost,
        balance=quote.balance,
    )


def outcome_text(t: Translator, meta: ModelMeta | None, outcome: PredictionOutcome) -> str:
    title = words(meta.title_in(t.lang)) if meta else escape(outcome.model_name)
    if outcome.status == "pending":
        return t("still_running", id=outcome.prediction_id)
    if outcome.ok and meta is not None:
        text = t(
            "result",
            title=title,
            id=outcome.prediction_id,
            result=result_block(t, meta, outcome.result),
            cost=outcome.cost,
            balance=outcome.balance,
        )
    else:
        text = t(
            "failed_refunded",
            title=title,
            id=outcome.prediction_id,
            reason=failure_text(t, outcome.error),
            balance=outcome.balance,
        )
    if outcome.duplicate:
        text = t("already_processed") + "\n\n" + text
    return text


def running_text(t: Translator, meta: ModelMeta) -> str:
    return t("running", title=words(meta.title_in(t.lang)))


def insufficient_text(t: Translator, cost: Decimal, balance: Decimal) -> str:
    return t("insufficient", cost=cost, balance=balance)


def price_changed_text(t: Translator, exc: PriceChanged) -> str:
    return t("price_changed", was=exc.quoted, now=exc.current)


# -- CSV batches -------------------------------------------------------------------------------

SHOW_BAD_ROWS = 10
BAD_ROWS_CHARS = 2500  # with the screen's own lines, well within a message's 4,096 characters


def batch_prompt_text(t: Translator, quote: Quote, max_rows: int, max_bytes: int) -> str:
    """The caption of the template file: what a batch costs per row, and its limits."""
    return t(
        "batch_prompt",
        title=escape(quote.meta.title_in(t.lang)),
        cost=quote.cost,
        max_rows=max_rows,
        max_kb=max_bytes // 1000,
    )


def batch_file_error_text(t: Translator, exc: BatchFileError) -> str:
    params = dict(exc.params)
    if "missing" in params:
        params["missing"] = quote_list(params["missing"])
    if "detail" in params:
        params["detail"] = quote(params["detail"])
    return t(f"err_batch_{exc.code}", **params)


def bad_rows_text(t: Translator, meta: ModelMeta, parsed: ParsedBatch) -> str:
    """The first invalid rows and why, as many as fit in BAD_ROWS_CHARS (a reason may list a
    model's categories): the rest are counted, and all are in the results file."""
    lines: list[str] = []
    size = 0
    for n, e in parsed.bad[:SHOW_BAD_ROWS]:
        line = t("batch_bad_row", row=n, reason=input_error_text(t, e, meta))
        if size + len(line) > BAD_ROWS_CHARS:
            break
        lines.append(line)
        size += len(line) + 1
    if len(parsed.bad) > len(lines):
        lines.append(t("batch_more_bad", count=len(parsed.bad) - len(lines)))
    return "\n".join(lines)


def batch_confirm_text(t: Translator, meta: ModelMeta, parsed: ParsedBatch, quote: Quote) -> str:
    """The batch confirmation screen: its valid rows at the quoted price, and the invalid ones."""
    total = quote.cost * len(parsed.valid)
    text = t(
        "batch_confirm" if quote.balance >= total else "batch_insufficient",
        title=escape(meta.title_in(t.lang)),
        valid=len(parsed.valid),
        bad=len(parsed.bad),
        cost=quote.cost,
        total=total,
        balance=quote.balance,
        after=quote.balance - total,
    )
    bad_text = bad_rows_text(t, meta, parsed)
    if bad_text:
        text += "\n\n" + bad_text
    return text


def batch_running_text(t: Translator, meta: ModelMeta, count: int) -> str:
    return t("batch_running", title=escape(meta.title_in(t.lang)), count=count)


def batch_done_text(t: Translator, parsed: ParsedBatch, outcome: BatchOutcome) -> str:
    return t(
        "batch_done",
        completed=outcome.completed,
        failed=outcome.failed,
        bad=len(parsed.bad),
        charged=outcome.charged,
        balance=outcome.balance,
    )


# -- balance, transactions and history -----------------------------------------------------------

# A failed run's stored reason is English for the log ("model x took longer than 30s", an
# exception's text): the user reads one of these plain sentences instead.
_FAILURES = (
    ("took longer than", "fail_timeout"),
    ("interrupted", "fail_interrupted"),
    (NOT_STORED, "fail_not_stored"),
    ("the model returned", "fail_output"),
    ("the model answered", "fail_output"),
    ("per row, got shape", "fail_output"),
)


def failure_text(t: Translator, error: object) -> str:
    """Why a run failed, as a plain sentence in the user's language (never an exception)."""
    reason = str(error or "")
    key = next((k for marker, k in _FAILURES if marker in reason), "fail_model")
    return t(key)


def title_of(meta: ModelMeta | None, name: str | None, lang: str) -> str:
    """A model's title in `lang` (its name when the model is no longer served), escaped."""
    return escape(meta.title_in(lang) if meta is not None else (name or "—"))


def batch_summary_text(t: Translator, batch: BatchSummary, title: str) -> str:
    """A CSV batch as one item: "CSV batch: Iris, 1,000 rows, 1,000 credits (998 done, …)"."""
    text = t(
        "batch_item",
        title=title,
        rows=batch.rows,
        charged=batch.charged,
        done=batch.completed,
        refunded=batch.failed,
    )
    if batch.pending:
        text += t("batch_item_pending", count=batch.pending)
    return text


def ledger_text(t: Translator, line: LedgerLine, title: str) -> str:
    """What a ledger line says, from its kind, links and params (never its stored English
    description; never an admin's name). `title`: its model's title, escaped."""
    if line.batch is not None:
        return batch_summary_text(t, line.batch, title)
    params = line.params or {}
    kind = line.kind
    if kind in ("charge", "refund"):
        if line.prediction_id is None:
            return t(f"tx_{kind}_plain")
        return t(f"tx_{kind}", id=line.prediction_id, title=title)
    if kind in ("topup", "topup_refund", "topup_refund_reverted"):
        stars = line.stars if line.stars is not None else params.get("stars")
        order = line.order_id if line.order_id is not None else params.get("order")
        if stars is None or order is None:
            return t(f"tx_{kind}_plain")
        return t(f"tx_{kind}", stars=int(stars), order=int(order))
    if kind == "promo":
        code = params.get("code")
        return t("tx_promo_code", code=quote(code, 64)) if code else t("tx_promo")
    if kind in ("welcome", "admin_credit", "admin_debit"):
        return t(f"tx_{kind}")
    return t("tx_other")


def ledger_line(t: Translator, line: LedgerLine, title: str) -> str:
    return t(
        "tx_line",
        sign="+" if line.amount > 0 else "−",
        amount=abs(line.amount),
        text=ledger_text(t, line, title),
        date=when(line.created_at),
    )


# -- the admin's model catalogue ---------------------------------------------------------------


def admin_models_text(t: Translator, models: Sequence[ModelRow]) -> str:
    lines = [
        f"{'✅' if m.is_active else '⛔'} <code>{escape(m.name)}</code> · {money(m.cost)}"
        f" · <code>{escape(m.file_path)}</code>"
        for m in models
    ]
    return t("adm_models", items="\n".join(lines) or "—")


def uploaded_text(t: Translator, uploaded: Uploaded) -> str:
    """An upload stored and served: a new model, or a new version of one."""
    served = uploaded.meta
    params = {
        "name": escape(served.name),
        "title": quote(served.title),
        "cost": uploaded.cost,
        "sha": served.sha256[:16],
        "count": len(served.features),
        "number": uploaded.number,
    }
    if uploaded.previous is None:
        return t("adm_model_added", **params)
    return t("adm_model_replaced", previous=uploaded.previous, **params)


def versions_text(t: Translator, name: str, versions: Sequence[VersionRow]) -> str:
    """A model's last 20 versions, the served one marked."""
    lines = [
        t(
            "adm_version_line",
            number=v.number,
            when=when(v.created_at),
            sha=v.sha256[:12],
            by=quote(v.created_by or "—"),
            served="  ← " + t("adm_version_served") if v.current else "",
        )
        for v in versions[-20:]
    ]
    return t("adm_versions", name=quote(name), items="\n".join(lines))
