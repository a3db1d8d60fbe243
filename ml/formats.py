"""Model files that cannot run code: skops, loaded with an allow-list of types.

Why skops and not ONNX: a skops file is the scikit-learn estimator itself, described as data
(a JSON schema plus numpy arrays in a zip), so a loaded model gives exactly the results it gave
when it was trained and stays an estimator that explanations can read (tree structures,
coefficients); an admin exports one with one call (`skops.io.dump(model, "m.skops")`), for any
estimator or pipeline. ONNX would need a conversion per estimator type, computes in float32 and
hides the estimator; its speed is measured beside ours in `bench/bench_models.py`.

Loading builds only the types skops trusts by default (scikit-learn's estimators, numpy, scipy,
builtins) plus `TRUSTED_TYPES` and the types a deployment adds in MODEL_TRUSTED_TYPES; a file
naming any other type (`os.system`, `builtins.eval`, a class of its own) is refused before
anything is built. The zip's declared sizes are checked first, so a small file cannot unpack to
gigabytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import Any

import skops.io as sio

FORMAT = "skops"
SUFFIX = ".skops"
# Beyond skops' defaults: the fitted tree of every tree ensemble (a C extension type that holds
# only arrays; skops has its own loader for it).
TRUSTED_TYPES = frozenset({"sklearn.tree._tree.Tree"})
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024  # 1 GiB of arrays, unpacked


class UnsafeModelError(ValueError):
    """The file is not a skops model, or names types outside the allow-list."""

    def __init__(self, reason: str, types: Iterable[str] = ()) -> None:
        self.types = sorted(types)
        super().__init__(f"{reason}: {', '.join(self.types)}" if self.types else reason)
        self.reason = reason


def dumps(estimator: Any) -> bytes:
    return sio.dumps(estimator, compression=zipfile.ZIP_DEFLATED, compresslevel=6)


def untrusted_types(data: bytes, extra_trusted: Iterable[str] = ()) -> list[str]:
    """The types `data` would build that the allow-list does not hold (reads the schema only)."""
    _check_zip(data)
    try:
        found = sio.get_untrusted_types(data=data)
    except Exception as exc:  # not a skops file: a bad zip, no schema, unknown protocol
        raise UnsafeModelError("not a skops model file") from exc
    allowed = TRUSTED_TYPES | set(extra_trusted)
    return sorted(t for t in found if t not in allowed)


def loads(data: bytes, extra_trusted: Iterable[str] = ()) -> Any:
    """Build the estimator from skops bytes; UnsafeModelError if it names a type not allowed."""
    extra = sorted(set(extra_trusted))
    refused = untrusted_types(data, extra)
    if refused:
        raise UnsafeModelError("types outside the allow-list", refused)
    return sio.loads(data, trusted=sorted(TRUSTED_TYPES) + extra)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UnsafeModelError("not a skops model file") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnsafeModelError("the file unpacks to more than 1 GiB")
