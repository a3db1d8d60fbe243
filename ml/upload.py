"""Validate an uploaded model (admin console): it must load, predict, and match its metadata.

The file is a skops file, loaded with the allow-list of ml/formats.py (it cannot run code); a
pickle never reaches here unless converted in a separate process first (ml/convert.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ml import formats
from ml.executor import check_output, predict_rows
from ml.inputs import encode, from_mapping
from ml.registry import LoadedModel
from ml.schema import ModelMeta

MAX_MODEL_BYTES = 50 * 1024 * 1024


class UploadError(ValueError):
    def __init__(self, code: str, detail: str = "", **params: Any) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.params = params


def read_upload_spec(text: str) -> tuple[dict[str, Any], Any]:
    """The metadata JSON object an admin sent, and the raw `cost` it sets (None: none; the
    caller validates it, before `upload_meta`)."""
    try:
        spec = json.loads(text, parse_constant=_not_json)
    except json.JSONDecodeError as exc:  # where, in words the admin's language has
        raise UploadError("bad_json", exc.msg, line=exc.lineno, column=exc.colno) from None
    except ValueError as exc:  # an integer of more digits than int() takes, NaN, Infinity
        raise UploadError("bad_json_number", str(exc)) from None
    if not isinstance(spec, dict):
        raise UploadError("not_object")
    raw_cost = spec.pop("cost", None)
    return spec, raw_cost


def upload_meta(spec: dict[str, Any], data: bytes) -> ModelMeta:
    """The metadata of an upload, from its JSON object (less its cost) and its file."""
    name = str(spec.get("name", ""))
    spec.setdefault("title", name)
    spec.setdefault("version", "1")
    spec.setdefault("algorithm", "custom")
    spec["file"] = f"{name}{formats.SUFFIX}"
    spec["sha256"] = hashlib.sha256(data).hexdigest()
    try:
        return ModelMeta.model_validate(spec)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise UploadError("bad_meta", f"{where}: {first.get('msg')}") from None


def _not_json(name: str) -> None:
    """NaN and Infinity are not JSON (Python's parser takes them; PostgreSQL refuses them)."""
    raise ValueError(f"{name} is not a JSON number")


def _load(data: bytes, trusted_types: frozenset[str]) -> Any:
    """The estimator in skops bytes (allow-listed types only), or UploadError saying why not in
    words for the admin (the exception's own text goes to the detail, never its class name)."""
    if len(data) > MAX_MODEL_BYTES:
        raise UploadError("too_big", max_mb=MAX_MODEL_BYTES // (1024 * 1024))
    try:
        estimator = formats.loads(data, trusted_types)
    except formats.UnsafeModelError as exc:
        if exc.types:
            raise UploadError("untrusted", ", ".join(exc.types)[:300]) from None
        if "unpacks to more than" in exc.reason:
            raise UploadError(
                "unpacks_too_big", exc.reason, max_mb=formats.MAX_UNPACKED_BYTES >> 20
            ) from None
        if "tree" in exc.reason:  # see formats.check_trees
            raise UploadError("broken_tree", exc.reason) from None
        raise UploadError("not_skops", exc.reason) from None
    except Exception as exc:
        raise UploadError("load_failed", str(exc)[:200]) from None
    if not callable(getattr(estimator, "predict", None)):
        raise UploadError("no_predict")
    return estimator


@dataclass(frozen=True, slots=True)
class ModelShape:
    """What an uploaded file says about itself, before any metadata: checked first, so a bad
    file is refused before the admin types anything."""

    kind: str  # the estimator's class name
    n_features: int | None  # None: the file does not say
    feature_names: list[str]  # the names it was fitted with, where it knows them
    classes: list[str]  # a classifier's classes, in its order (empty: a regressor)

    @property
    def task(self) -> str:
        return "classification" if self.classes else "regression"


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def inspect_model(data: bytes, trusted_types: frozenset[str] = frozenset()) -> ModelShape:
    """Blocking: load the file and read its shape (inputs, classes)."""
    estimator = _load(data, trusted_types)
    n = getattr(estimator, "n_features_in_", None)
    names = [str(x) for x in getattr(estimator, "feature_names_in_", [])]
    classes = getattr(estimator, "classes_", None)
    return ModelShape(
        type(estimator).__name__,
        None if n is None else int(n),
        names if names and all(_NAME.match(x) for x in names) else [],
        [] if classes is None else [str(c) for c in classes],
    )


def example_spec(shape: ModelShape, limit: int = 200) -> dict[str, Any]:
    """Metadata that fits the file, for the admin to copy and edit: its feature count, names
    and classes (features past `limit` are left for the admin: the example would not fit)."""
    count = shape.n_features or 2
    names = shape.feature_names or [f"x{i + 1}" for i in range(count)]
    spec: dict[str, Any] = {
        "name": "my_model",
        "title": "My model",
        "description": "What it predicts",
        "task": shape.task,
        "cost": 1,
    }
    if shape.classes:
        spec["class_names"] = shape.classes
    spec["features"] = [
        {"name": name, "description": name, "min": 0, "max": 100, "example": 1} for name in names[:limit]
    ]
    spec["texts"] = {"ru": {"title": "Моя модель", "description": "Что она предсказывает"}}
    return spec


def check_model(meta: ModelMeta, data: bytes, trusted_types: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Blocking: load the skops bytes (allow-listed types only) and run the declared example;
    returns its result."""
    estimator = _load(data, trusted_types)
    n_features = getattr(estimator, "n_features_in_", None)
    if n_features is not None and int(n_features) != len(meta.features):
        raise UploadError("feature_count", expected=int(n_features), declared=len(meta.features))
    classes = getattr(estimator, "classes_", None)
    if meta.task == "classification" and classes is not None and len(classes) != len(meta.class_names):
        raise UploadError("class_count", expected=len(classes), declared=len(meta.class_names))
    example = from_mapping(meta.features, {f.name: f.example for f in meta.features})
    return try_values(meta, estimator, encode(meta.features, example))


def try_values(meta: ModelMeta, estimator: Any, row: list[float]) -> dict[str, Any]:
    """Blocking: one prediction, or UploadError in words: an input the model reads that the
    metadata does not list (a KeyError or IndexError naming its number) says so."""
    try:
        [result] = predict_rows(LoadedModel(meta, estimator), [row])
        check_output(result)  # NaN for its own example: it would fail every run
    except (KeyError, IndexError) as exc:
        index = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        if index is not None and index >= len(meta.features):
            raise UploadError("feature_index", expected=index + 1, declared=len(meta.features)) from None
        raise UploadError("predict_failed", str(exc)[:200]) from None
    except Exception as exc:
        raise UploadError("predict_failed", str(exc)[:200]) from None
    return result


def try_model(
    meta: ModelMeta, data: bytes, values: dict[str, Any], trusted_types: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Blocking: a prediction of an unpublished upload on values already parsed."""
    return try_values(meta, _load(data, trusted_types), encode(meta.features, values))
