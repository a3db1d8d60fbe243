"""The registry: which version of each model this process serves, and the estimators it loaded.

Every model version lives in the database (content-addressed by SHA-256, so every process of a
deployment can get it); the service tells the registry which version is current (`update`) and
hands it a version's bytes the first time it is needed (`load_bytes`). Estimators are cached by
SHA-256: a replaced model is a new key, and a rolled-back one is found again. Bytes that do not
match their recorded SHA-256 are refused (ModelIntegrityError), never loaded. No database here.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ml import formats
from ml.schema import ModelMeta

log = logging.getLogger(__name__)
META_SUFFIX = ".meta.json"
KEEP_LOADED = 32  # estimators kept in memory (current versions are loaded again when evicted)


class RegistryError(Exception):
    code = "model_error"


class ModelNotFound(RegistryError):
    code = "model_not_found"


class ModelIntegrityError(RegistryError):
    code = "model_integrity"


class ModelNotLoaded(RegistryError):
    """The current version's bytes were not handed over yet (see MLExecutor.load)."""


@dataclass(frozen=True, slots=True)
class LoadedModel:
    meta: ModelMeta
    estimator: Any


class ModelRegistry:
    """Thread-safe: models are loaded in the ML executor's threads."""

    def __init__(self, trusted_types: Iterable[str] = ()) -> None:
        self.trusted_types = frozenset(trusted_types)  # beyond formats.TRUSTED_TYPES
        self._metas: dict[str, ModelMeta] = {}
        self._versions: dict[str, int] = {}  # name -> the current version's id in the database
        self._loaded: OrderedDict[str, Any] = OrderedDict()  # sha256 -> estimator
        self._lock = threading.Lock()

    # -- the catalogue, as the database has it -------------------------------------------------
    def update(self, current: Mapping[str, tuple[int, ModelMeta]], complete: bool = False) -> None:
        """Set the current version (id, metadata) of these models; with `complete`, forget models
        that are not among them."""
        with self._lock:
            if complete:
                for name in set(self._metas) - set(current):
                    del self._metas[name], self._versions[name]
            for name, (version_id, meta) in current.items():
                self._metas[name] = meta
                self._versions[name] = version_id

    def versions(self) -> dict[str, int]:
        with self._lock:
            return dict(self._versions)

    def version_of(self, name: str) -> int | None:
        with self._lock:
            return self._versions.get(name)

    def metas(self) -> dict[str, ModelMeta]:
        with self._lock:
            return dict(self._metas)

    def meta(self, name: str) -> ModelMeta:
        with self._lock:
            meta = self._metas.get(name)
        if meta is None:
            raise ModelNotFound(f"model {name!r} is not in the registry")
        return meta

    # -- estimators --------------------------------------------------------------------------
    def cached(self, name: str) -> LoadedModel | None:
        with self._lock:
            meta = self._metas.get(name)
            estimator = None if meta is None else self._loaded.get(meta.sha256)
        return None if meta is None or estimator is None else LoadedModel(meta, estimator)

    def load(self, name: str) -> LoadedModel:
        """The current version's estimator, if its bytes were loaded (ModelNotLoaded if not)."""
        loaded = self.cached(name)
        if loaded is None:
            self.meta(name)  # ModelNotFound first
            raise ModelNotLoaded(f"model {name!r} is not loaded")
        return loaded

    def estimator(self, sha256: str) -> Any | None:
        """The estimator of that file, if loaded."""
        with self._lock:
            return self._loaded.get(sha256)

    def load_bytes(self, sha256: str, data: bytes) -> Any:
        """Verify and build a version's estimator and keep it (blocking: call in a thread)."""
        digest = hashlib.sha256(data).hexdigest()
        if digest != sha256:
            log.error("model file refused: sha256 %s != recorded %s", digest, sha256)
            raise ModelIntegrityError("the model file does not match its SHA-256")
        try:
            estimator = formats.loads(data, self.trusted_types)
        except formats.UnsafeModelError as exc:
            log.error("model file %s refused: %s", sha256[:16], exc)
            raise ModelIntegrityError(str(exc)) from None
        with self._lock:
            self._loaded[sha256] = estimator
            current = set(self._metas[n].sha256 for n in self._metas)
            # evict the least recently loaded versions that are no longer current
            for old in [k for k in self._loaded if k not in current]:
                if len(self._loaded) <= KEEP_LOADED:
                    break
                del self._loaded[old]
        log.info("model file %s loaded (%d bytes)", sha256[:16], len(data))
        return estimator
