"""CSV batches: read an uploaded file into validated rows, and write the results file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.i18n import Translator
from bot.render import failure_text, input_error_plain
from ml.inputs import InputError, Value, from_mapping
from ml.schema import ModelMeta

# A cell that starts like a formula is run as one by spreadsheets ("=HYPERLINK(…)", "@SUM(…)"):
# OWASP's advice for CSV files is a leading "'", which shows the text as it is. A cell that is a
# number (a negative one starts with "-") stays a number.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")


def safe_cell(value: object) -> str:
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class BatchFileError(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class ParsedBatch:
    header: list[str]
    rows: list[dict[str, str]]  # every data row, as read
    valid: list[tuple[int, dict[str, Value]]] = field(default_factory=list)  # (row number, values)
    bad: list[tuple[int, InputError]] = field(default_factory=list)
    delimiter: str = ","  # the upload's: the results file uses it too
    decimal_comma: bool = False  # a number in the upload was written "5,1"


# A cell that is a number written with a decimal comma ("5,1", "-0,25").
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BatchFileError("encoding")


def read_batch(meta: ModelMeta, data: bytes, max_rows: int) -> ParsedBatch:
    text = _decode(data)
    if not text.strip():
        raise BatchFileError("empty")
    first_line = text.splitlines()[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
        body = [r for r in reader if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise BatchFileError("malformed", detail=str(exc)) from None
    norm = {h.strip().lower().replace(" ", "_").replace("-", "_"): h for h in header}
    missing = [f.name for f in meta.features if f.name.lower() not in norm]
    if missing:
        raise BatchFileError("missing_columns", missing=missing)
    if not body:
        raise BatchFileError("no_rows")
    if len(body) > max_rows:
        raise BatchFileError("too_many_rows", rows=len(body), max=max_rows)
    parsed = ParsedBatch(header=header, rows=[], delimiter=delimiter)
    for number, cells in enumerate(body, start=2):  # row numbers as a spreadsheet shows them
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        parsed.rows.append(row)
        if not parsed.decimal_comma:
            parsed.decimal_comma = any(_DECIMAL_COMMA.fullmatch(c) for c in row.values())
        try:
            values = from_mapping(meta.features, {f.name: row[norm[f.name.lower()]] for f in meta.features})
        except InputError as exc:
            parsed.bad.append((number, exc))
            continue
        parsed.valid.append((number, values))
    return parsed


def results_csv(
    t: Translator,
    meta: ModelMeta,
    parsed: ParsedBatch,
    results: dict[int, tuple[str, dict[str, Any] | None]],
    errors: dict[int, str],
) -> bytes:
    """The uploaded rows with the prediction (or the reason there is none) appended, in the
    upload's delimiter, with headers, statuses and class labels in the user's language and, for a
    Russian user whose file used ";" or decimal commas, decimal commas; no cell starts a formula
    (see safe_cell). `errors`: each row's reason, plain text."""
    lang = t.lang
    comma = lang == "ru" and (parsed.delimiter == ";" or parsed.decimal_comma)

    def number(value: float) -> str:
        text = f"{value:.4f}"
        return text.replace(".", ",") if comma else text

    extra = [t("csv_status"), t("csv_prediction")]
    if meta.task == "classification":
        extra += [t("csv_probability", label=meta.class_label(c, lang)) for c in meta.class_names]
    extra.append(t("csv_error"))
    statuses = {s: t(f"csv_{s}") for s in ("completed", "failed", "invalid", "pending")}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=parsed.delimiter)
    writer.writerow([safe_cell(h) for h in parsed.header + extra])
    for number_, row in enumerate(parsed.rows, start=2):
        cells = [row.get(h, "") for h in parsed.header]
        status, result = results.get(number_, ("invalid", None))
        if result and "value" in result:
            pred: list[Any] = [number(float(result["value"]))]
        elif result and "label" in result:
            probs = result.get("probabilities") or {}
            label = str(result["label"])
            pred = [meta.class_label(label, lang)] + [number(probs.get(c, 0.0)) for c in meta.class_names]
        else:
            pred = [""] * (len(extra) - 2)
        shown = statuses.get(status, status)
        writer.writerow([safe_cell(c) for c in [*cells, shown, *pred, errors.get(number_, "")]])
    return out.getvalue().encode("utf-8")


def outcome_csv(
    t: Translator,
    meta: ModelMeta,
    parsed: ParsedBatch,
    items: Sequence[tuple[int, str, dict[str, Any] | None]],
) -> bytes:
    """The results file of a batch run: `items` (prediction id, status, result) are its valid
    rows' runs, in row order. Reasons are plain sentences in the user's language."""
    results = {}
    errors = {n: input_error_plain(t, e, meta) for n, e in parsed.bad}
    for (number, _), (_, status, result) in zip(parsed.valid, items, strict=False):
        results[number] = (status, result)
        if status == "failed":
            reason = failure_text(t, (result or {}).get("error"))
            errors[number] = t("csv_failed_reason", reason=reason)
    return results_csv(t, meta, parsed, results, errors)


def template_csv(meta: ModelMeta) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f.name for f in meta.features])
    writer.writerow([f.example for f in meta.features])
    return out.getvalue().encode("utf-8")
