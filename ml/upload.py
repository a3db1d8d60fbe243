"""Validate an uploaded model (admin console): it must load, predict, and match its metadata.

The file is a skops file, loaded with the allow-list of ml/formats.py (it cannot run code); a
pickle never reaches here unless converted in a separate process first (ml/convert.py).
"""

from __future__ import annotations

import hashlib
import json
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
    except ValueError as exc:  # JSONDecodeError, or an integer of more digits than int() takes
        raise UploadError("bad_json", str(exc)) from None
    if not isinstance(spec, dict):
        raise UploadError("bad_json", "expected a JSON object")
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


def check_model(meta: ModelMeta, data: bytes, trusted_types: frozenset[str] = frozenset()) -> None:
    """Blocking: load the skops bytes (allow-listed types only) and run the declared example."""
    if len(data) > MAX_MODEL_BYTES:
        raise UploadError("too_big", max_mb=MAX_MODEL_BYTES // (1024 * 1024))
    try:
        estimator = formats.loads(data, trusted_types)
    except formats.UnsafeModelError as exc:
        if exc.types:
            raise UploadError("untrusted", ", ".join(exc.types)[:300]) from None
        raise UploadError("not_skops", exc.reason) from None
    except Exception as exc:
        raise UploadError("load_failed", f"{type(exc).__name__}: {exc}"[:200]) from None
    if not callable(getattr(estimator, "predict", None)):
        raise UploadError("no_predict")
    n_features = getattr(estimator, "n_features_in_", None)
    if n_features is not None and int(n_features) != len(meta.features):
        raise UploadError("feature_count", expected=int(n_features), declared=len(meta.features))
    classes = getattr(estimator, "classes_", None)
    if meta.task == "classification" and classes is not None and len(classes) != len(meta.class_names):
        raise UploadError("class_count", expected=len(classes), declared=len(meta.class_names))
    example = from_mapping(meta.features, {f.name: f.example for f in meta.features})
    try:
        for result in predict_rows(LoadedModel(meta, estimator), [encode(meta.features, example)]):
            check_output(result)  # NaN for its own example: it would fail every run
    except Exception as exc:
        raise UploadError("predict_failed", f"{type(exc).__name__}: {exc}"[:200]) from None
