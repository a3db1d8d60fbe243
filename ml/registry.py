"""The model registry: metadata files plus joblib models, checked by SHA-256 and loaded once.

A model is `<models_dir>/<file>` plus `<models_dir>/<name>.meta.json`. A model whose file does
not match the recorded SHA-256 is refused (ModelIntegrityError), never run.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib

from ml.schema import ModelMeta

log = logging.getLogger(__name__)
META_SUFFIX = ".meta.json"


class RegistryError(Exception):
    code = "model_error"


class ModelNotFound(RegistryError):
    code = "model_not_found"


class ModelIntegrityError(RegistryError):
    code = "model_integrity"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class LoadedModel:
    meta: ModelMeta
    estimator: Any


class ModelRegistry:
    """Thread-safe: models are loaded in the ML executor's threads."""

    def __init__(self, models_dir: Path | str) -> None:
        self.models_dir = Path(models_dir)
        self._metas: dict[str, ModelMeta] = {}
        self._loaded: dict[str, LoadedModel] = {}
        self._lock = threading.Lock()

    def scan(self) -> dict[str, ModelMeta]:
        """Read every metadata file; a broken one is logged and skipped, not fatal."""
        metas: dict[str, ModelMeta] = {}
        for path in sorted(self.models_dir.glob(f"*{META_SUFFIX}")):
            try:
                meta = ModelMeta.model_validate_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                log.error("skipping model metadata %s: %s", path.name, exc)
                continue
            metas[meta.name] = meta
        with self._lock:
            self._metas = metas
            self._loaded = {k: v for k, v in self._loaded.items() if metas.get(k) == v.meta}
        return dict(metas)

    def metas(self) -> dict[str, ModelMeta]:
        with self._lock:
            return dict(self._metas)

    def meta(self, name: str) -> ModelMeta:
        with self._lock:
            meta = self._metas.get(name)
        if meta is None:
            raise ModelNotFound(f"model {name!r} is not in the registry")
        return meta

    def path_of(self, meta: ModelMeta) -> Path:
        return self.models_dir / meta.file

    def cached(self, name: str) -> LoadedModel | None:
        with self._lock:
            return self._loaded.get(name)

    def load(self, name: str) -> LoadedModel:
        """The cached model, loading (and verifying) it on first use. Blocking: call in a thread."""
        with self._lock:
            cached = self._loaded.get(name)
        if cached is not None:
            return cached
        meta = self.meta(name)
        path = self.path_of(meta)
        if not path.is_file():
            raise ModelNotFound(f"model file {meta.file} is missing")
        # Read once, hash and load the same bytes: no window between check and load.
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != meta.sha256:
            log.error("model %s refused: sha256 %s != recorded %s", name, digest, meta.sha256)
            raise ModelIntegrityError(f"model {name!r} file does not match its SHA-256")
        estimator = joblib.load(io.BytesIO(data))
        loaded = LoadedModel(meta, estimator)
        with self._lock:
            if self._metas.get(name) == meta:
                self._loaded[name] = loaded
        log.info("model %s v%s loaded (%d bytes)", name, meta.version, len(data))
        return loaded

    def install(self, meta: ModelMeta, data: bytes) -> ModelMeta:
        """Write a model file and its metadata (admin upload, training) and register it."""
        self.models_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(data).hexdigest()
        meta = meta.model_copy(update={"sha256": digest})
        file_path = self.path_of(meta)
        tmp = file_path.with_suffix(f"{file_path.suffix}.{os.getpid()}.tmp")  # one per process
        tmp.write_bytes(data)
        tmp.replace(file_path)
        meta_path = self.models_dir / f"{meta.name}{META_SUFFIX}"
        tmp_meta = meta_path.with_suffix(f".{os.getpid()}.tmp")
        tmp_meta.write_text(
            json.dumps(meta.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        tmp_meta.replace(meta_path)  # readers never see half a file
        with self._lock:
            self._metas[meta.name] = meta
            self._loaded.pop(meta.name, None)
        return meta
