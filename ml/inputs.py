"""Turn user text into a model's feature values, with errors that name the feature at fault.

Accepted: one value for one feature; or all values at once, separated by commas, spaces,
semicolons or new lines, or as `name=value` pairs in any order. Decimal commas are fine
("5,1"), as are a Unicode minus and exponents. NaN, infinities, out-of-range values and unknown
categories are refused. Errors carry a stable `code` and `params` for localized texts.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ml.schema import Feature

Value = float | str  # a number, or a category label
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_NON_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_PAIR_NAME_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*)\s*=")
MAX_INPUT_CHARS = 4000
GOT_CHARS = 200  # of a refused value kept in its error (the reply shortens it further)


class InputError(ValueError):
    """Why a value (or a message of values) was refused: a stable `code`, the `feature` at
    fault (where there is one) and `params` for the text the bot shows in the user's language
    (bot/render.py). Its str() is for logs: the code and parameters, never a sentence for users.

    Codes and their params: not_a_number, unknown_category, not_finite (got: the text as typed,
    at most GOT_CHARS characters); out_of_range (value, min, max); not_integer (value); empty;
    wrong_count (expected, got: counts); unknown_feature (the name typed is `feature`);
    duplicate_feature; missing_features (missing: names); bad_pairs; too_long (max)."""

    def __init__(self, code: str, feature: str | None = None, **params: Any) -> None:
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
        super().__init__(f"{code}" + (f" [{feature}]" if feature else "") + (f" ({shown})" if shown else ""))
        self.code = code
        self.feature = feature
        self.params = params


def parse_value(feature: Feature, text: str | float | int) -> Value:
    """One feature's value, validated against its declared type and range."""
    if feature.type == "category":
        return _parse_category(feature, str(text))
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        value = _parse_number(feature, str(text))
    if not math.isfinite(value):
        raise InputError("not_finite", feature.name, got=str(text).strip()[:GOT_CHARS])
    if feature.type == "int" and value != int(value):
        raise InputError("not_integer", feature.name, value=value)
    low, high = feature.min, feature.max
    if (low is not None and value < low) or (high is not None and value > high):
        raise InputError("out_of_range", feature.name, value=value, min=low, max=high)
    return value


def _parse_number(feature: Feature, raw: str) -> float:
    token = raw.strip().replace("\u2212", "-")
    if not token:
        raise InputError("empty", feature.name)
    if token.lower() in _NON_FINITE:
        raise InputError("not_finite", feature.name, got=token[:GOT_CHARS])
    if "," in token and "." not in token and token.count(",") == 1:
        token = token.replace(",", ".")  # decimal comma
    if not _NUMBER_RE.fullmatch(token):
        raise InputError("not_a_number", feature.name, got=raw.strip()[:GOT_CHARS])
    return float(token)  # may overflow to inf: caught as not_finite by the caller


def _parse_category(feature: Feature, raw: str) -> str:
    cats = feature.categories or {}
    wanted = raw.strip().casefold()
    for label in cats:
        if label.casefold() == wanted:
            return label
    alias = feature.aliases.get(wanted)  # its label in some language («женский»)
    if alias is not None:
        return alias
    raise InputError("unknown_category", feature.name, got=raw.strip()[:GOT_CHARS], allowed=list(cats))


def _is_category(feature: Feature, text: str) -> bool:
    wanted = text.strip().casefold()
    return wanted in feature.aliases or any(c.casefold() == wanted for c in feature.categories or {})


@functools.lru_cache(maxsize=4096)  # the same few feature names, for every request
def _norm_name(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().casefold())


def parse_all(features: Sequence[Feature], text: str) -> dict[str, Value]:
    """All of a model's inputs from one message: positional values or name=value pairs."""
    text = text.strip()
    if not text:
        raise InputError("empty", expected=len(features))
    if len(text) > MAX_INPUT_CHARS:
        raise InputError("too_long", max=MAX_INPUT_CHARS)
    if _PAIR_NAME_RE.search(text):
        return _parse_pairs(features, text)
    tokens = _split_positional(text, len(features))
    return {f.name: parse_value(f, tok) for f, tok in zip(features, tokens, strict=True)}


def _split_positional(text: str, n: int) -> list[str]:
    if re.search(r"[;\n]", text):
        # Semicolons/new lines separate; commas inside are decimal commas.
        tokens = [t.strip(", ") for part in re.split(r"[;\n]+", text) for t in part.split()]
        tokens = [t for t in tokens if t]
    else:
        decimal_commas = [t.strip(",") for t in re.split(r",?\s+", text) if t.strip(",")]
        comma_separated = [t for t in re.split(r"[\s,]+", text) if t]
        if len(decimal_commas) == n:
            tokens = decimal_commas
        elif len(comma_separated) == n:
            tokens = comma_separated
        else:
            tokens = decimal_commas if re.search(r"\s", text) else comma_separated
    if len(tokens) != n:
        raise InputError("wrong_count", expected=n, got=len(tokens))
    return tokens


def _parse_pairs(features: Sequence[Feature], text: str) -> dict[str, Value]:
    by_name = {_norm_name(f.name): f for f in features}
    matches = list(_PAIR_NAME_RE.finditer(text))
    if text[: matches[0].start()].strip(" ,;\n"):
        raise InputError("bad_pairs", expected=len(features))
    found: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        raw_value = text[m.end() : end].strip().rstrip(",;").strip()
        feature = by_name.get(_norm_name(m.group(1)))
        if feature is None:
            raise InputError("unknown_feature", m.group(1), allowed=[f.name for f in features])
        if feature.name in found:
            raise InputError("duplicate_feature", feature.name)
        found[feature.name] = raw_value
    missing = [f.name for f in features if f.name not in found]
    if missing:
        raise InputError("missing_features", missing=missing)
    return {f.name: parse_value(f, found[f.name]) for f in features}


def from_mapping(features: Sequence[Feature], values: Mapping[str, Any]) -> dict[str, Value]:
    """Validate an already-split mapping (a CSV row, stored input_data) against the schema.
    Names are matched loosely (case, spaces, dashes); keys the schema lacks are ignored."""
    if all(f.name in values for f in features):  # the usual case: the schema's own names
        return {f.name: parse_value(f, values[f.name]) for f in features}
    by_name = {_norm_name(k): v for k, v in values.items()}
    keys = [_norm_name(f.name) for f in features]
    missing = [f.name for f, key in zip(features, keys, strict=True) if key not in by_name]
    if missing:
        raise InputError("missing_features", missing=missing)
    out: dict[str, Value] = {}
    for f, key in zip(features, keys, strict=True):
        out[f.name] = parse_value(f, by_name[key])
    return out


def encode(features: Sequence[Feature], values: Mapping[str, Value]) -> list[float]:
    """The numeric row the model expects, in schema order."""
    row = []
    for f in features:
        v = values[f.name]
        row.append(float((f.categories or {})[str(v)]) if f.type == "category" else float(v))
    return row


def looks_like_all_values(text: str) -> bool:
    """Whether a message in a step-by-step dialog is an attempt to paste every value at once."""
    text = text.strip()
    if "=" in text or re.search(r"[\s;]", text):
        return True
    commas = text.count(",")
    return commas >= 2 or (commas == 1 and "." in text)


def parse_step(features: Sequence[Feature], index: int, text: str) -> dict[str, Value]:
    """A step's message: this feature's value, or all of them when pasted at once.
    Returns the values it gives (one, or all)."""
    feature = features[index]
    if feature.type == "category" and _is_category(feature, text):  # "Group 1" is one value
        return {feature.name: _parse_category(feature, text)}
    if len(features) > 1 and looks_like_all_values(text):
        return parse_all(features, text)
    if len(text) > MAX_INPUT_CHARS:
        raise InputError("too_long", max=MAX_INPUT_CHARS)
    return {feature.name: parse_value(feature, text)}
