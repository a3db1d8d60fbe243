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
anything is built. Before that, the arrays the schema refers to are added up (each reference
counts: one array named a thousand times unpacks a thousand times), so a small file cannot
unpack to gigabytes. After, every fitted tree's structure is checked (`check_trees`): skops
leaves scikit-learn's Tree out of its defaults because its node arrays are trusted blindly by
compiled code (a child index out of range reads outside memory, a cycle never ends), and the
tree ensembles cannot be loaded without it.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import skops.io as sio
from sklearn.tree._tree import TREE_LEAF, Tree

FORMAT = "skops"
SUFFIX = ".skops"
# Beyond skops' defaults: the fitted tree of every tree ensemble (a C extension type that holds
# only arrays; skops has its own loader for it).
TRUSTED_TYPES = frozenset({"sklearn.tree._tree.Tree"})
MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # arrays, unpacked, each reference counted
MAX_SCHEMA_BYTES = 16 * 1024 * 1024


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
    estimator = sio.loads(data, trusted=sorted(TRUSTED_TYPES) + extra)
    check_trees(estimator)
    return estimator


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            sizes = {info.filename: info.file_size for info in zf.infolist()}
            if sizes.get("schema.json", MAX_SCHEMA_BYTES + 1) > MAX_SCHEMA_BYTES:
                raise UnsafeModelError("not a skops model file")
            schema = json.loads(zf.read("schema.json"))
    except (zipfile.BadZipFile, ValueError, KeyError) as exc:
        raise UnsafeModelError("not a skops model file") from exc
    unpacked = sum(sizes.get(name, 0) for name in _references(schema))
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnsafeModelError(f"the file unpacks to more than {MAX_UNPACKED_BYTES >> 20} MiB")


def _references(schema: Any) -> Iterator[str]:
    """Every zip member the schema names, once per reference (iteratively: no recursion limit)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                yield node["file"]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def check_trees(estimator: Any) -> None:
    """Every fitted tree reachable from `estimator` must be a well-formed binary tree over its
    inputs: children come after their parent and inside the node array (so a walk ends, and
    stays in bounds), a leaf has no children, a split names an input that exists, and the value
    array has a row per node. UnsafeModelError otherwise."""
    for tree in _trees(estimator):
        state = tree.__getstate__()
        nodes, values = state["nodes"], state["values"]
        count = int(state["node_count"])
        if count < 1 or len(nodes) != count or values.shape[0] != count or tree.n_outputs != values.shape[1]:
            raise UnsafeModelError("a tree's arrays do not match its node count")
        left = nodes["left_child"].astype(np.int64)
        right = nodes["right_child"].astype(np.int64)
        feature = nodes["feature"].astype(np.int64)
        index = np.arange(count)
        leaf = left == TREE_LEAF
        split = ~leaf
        if (right[leaf] != TREE_LEAF).any():
            raise UnsafeModelError("a tree has a node with one child")
        for child in (left[split], right[split]):
            if ((child <= index[split]) | (child >= count)).any():
                raise UnsafeModelError("a tree has a child outside its nodes or before its parent")
        if ((feature[split] < 0) | (feature[split] >= tree.n_features)).any():
            raise UnsafeModelError("a tree splits on an input that does not exist")


def _trees(root: Any) -> Iterator[Any]:
    """The fitted trees (sklearn.tree._tree.Tree) in an estimator's attributes, at any depth."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, str | bytes | int | float | bool | type(None)):
            continue
        seen.add(id(obj))
        if isinstance(obj, Tree):
            yield obj
        elif isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend(obj.ravel().tolist())
        elif hasattr(obj, "__dict__"):
            stack.extend(vars(obj).values())
