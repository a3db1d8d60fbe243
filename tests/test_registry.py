"""The registry and the built-in catalogue: integrity, caching, and correct predictions."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from ml import formats
from ml.executor import MLExecutor, forest_output, predict_rows
from ml.registry import META_SUFFIX, ModelIntegrityError, ModelNotFound, ModelNotLoaded, ModelRegistry
from ml.train import RECIPES, SEED, read_built, read_catalogue
from tests.models_for_tests import as_version, registry_from_files, serve

EXPECTED = {"iris_logreg", "cancer_rf", "wine_gb", "diabetes_rf"}


def test_catalogue_is_built_with_metadata(models_dir: Path) -> None:
    metas = registry_from_files(models_dir).metas()
    assert set(metas) == EXPECTED == set(read_catalogue(models_dir))
    algorithms = {m.algorithm for m in metas.values()}
    assert {"RandomForest", "GradientBoosting", "LogisticRegression", "RandomForestRegressor"} <= algorithms
    assert len(metas["iris_logreg"].features) == 4
    assert len(metas["cancer_rf"].features) == 30
    assert {m.dataset for m in metas.values()} == {"iris", "breast_cancer", "wine", "diabetes"}
    for meta in metas.values():
        assert len(meta.sha256) == 64 and meta.version and meta.trained_at
        for f in meta.features:
            assert f.description and f.example is not None
            if f.type != "category":
                assert f.min is not None and f.max is not None and f.min <= float(f.example) <= f.max
    assert metas["iris_logreg"].class_names == ["setosa", "versicolor", "virginica"]
    assert metas["cancer_rf"].class_names == ["malignant", "benign"]
    assert metas["diabetes_rf"].task == "regression"
    sex = next(f for f in metas["diabetes_rf"].features if f.name == "sex")
    assert sex.type == "category" and sex.categories == {"1": 1.0, "2": 2.0}


@pytest.mark.parametrize("name", ["iris_logreg", "cancer_rf", "wine_gb"])
def test_classifiers_are_accurate_on_held_out_samples(models_dir: Path, name: str) -> None:
    registry = registry_from_files(models_dir)
    meta = registry.meta(name)
    assert meta.metrics["accuracy"] >= 0.9
    bunch = RECIPES[name].load()
    _, X_test, _, y_test = train_test_split(
        bunch.data, bunch.target, test_size=0.25, random_state=SEED, stratify=bunch.target
    )
    results = predict_rows(registry.load(name), X_test.tolist())
    predicted = np.array([r["class_index"] for r in results])
    accuracy = float((predicted == y_test).mean())
    assert accuracy == pytest.approx(meta.metrics["accuracy"], abs=1e-4)
    for r in results:
        assert r["label"] == meta.class_names[r["class_index"]]
        assert sum(r["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)


def test_regressor_is_useful_on_held_out_samples(models_dir: Path) -> None:
    registry = registry_from_files(models_dir)
    meta = registry.meta("diabetes_rf")
    bunch = datasets.load_diabetes(scaled=False)
    _, X_test, _, y_test = train_test_split(bunch.data, bunch.target, test_size=0.25, random_state=SEED)
    values = np.array([r["value"] for r in predict_rows(registry.load("diabetes_rf"), X_test.tolist())])
    mae = float(np.abs(values - y_test).mean())
    assert mae == pytest.approx(meta.metrics["mae"], abs=0.01)
    assert mae < float(np.abs(y_test - y_test.mean()).mean())  # beats predicting the mean
    assert meta.metrics["r2"] > 0.3


@pytest.mark.parametrize("name", ["cancer_rf", "diabetes_rf"])
def test_forests_give_scikit_learns_own_numbers_bit_for_bit(models_dir: Path, name: str) -> None:
    """The forests' fast path (forest_output) sums the trees as scikit-learn does."""
    est = registry_from_files(models_dir).load(name).estimator
    bunch = RECIPES[name].load()
    rng = np.random.default_rng(7)
    for rows in (bunch.data[:1], bunch.data[:37], bunch.data * rng.uniform(0.5, 1.5, bunch.data.shape)):
        own = est.predict_proba(rows) if name == "cancer_rf" else est.predict(rows)
        fast = forest_output(est, np.asarray(rows, dtype=np.float64))
        assert fast is not None and fast.shape == own.shape and np.array_equal(fast, own)
    # anything else, or a forest whose parts are not plain trees, takes the estimator's own path
    assert forest_output(DecisionTreeClassifier().fit([[0], [1]], [0, 1]), np.zeros((1, 1))) is None
    est.estimators_[3] = DecisionTreeClassifier  # (a class, not a fitted tree)
    assert forest_output(est, np.asarray(bunch.data[:2], dtype=np.float64)) is None


async def test_known_iris_flowers(models_dir: Path) -> None:
    executor = MLExecutor(registry_from_files(models_dir), max_workers=1)
    try:
        out = await executor.predict("iris_logreg", [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    finally:
        executor.shutdown()
    assert [r["label"] for r in out] == ["setosa", "virginica"]
    assert out[0]["probabilities"]["setosa"] > 0.9


def test_models_are_loaded_once_per_version(models_dir: Path) -> None:
    registry = registry_from_files(models_dir)
    first = registry.load("cancer_rf")
    assert registry.load("cancer_rf").estimator is first.estimator
    # a new version is a new file; the old one is found again on a roll-back
    meta, data = as_version(first.meta, "cancer_rf", first.estimator)
    registry.update({"cancer_rf": (99, meta)})
    with pytest.raises(ModelNotLoaded):
        registry.load("cancer_rf")  # its bytes were not handed over yet
    registry.load_bytes(meta.sha256, data)
    assert registry.load("cancer_rf").meta.sha256 == meta.sha256 != first.meta.sha256
    registry.update({"cancer_rf": (1, first.meta)})
    assert registry.load("cancer_rf").estimator is first.estimator


def test_bytes_that_do_not_match_their_sha256_are_refused(models_dir: Path) -> None:
    meta, data = read_built(models_dir, ["iris_logreg"])["iris_logreg"]
    tampered = bytearray(data)
    tampered[len(tampered) // 2] ^= 0xFF
    registry = ModelRegistry()
    registry.update({"iris_logreg": (1, meta)})
    with pytest.raises(ModelIntegrityError):
        registry.load_bytes(meta.sha256, bytes(tampered))
    with pytest.raises(ModelNotLoaded):
        registry.load("iris_logreg")
    registry.load_bytes(meta.sha256, data)  # the right bytes still load
    assert registry.load("iris_logreg").meta == meta


class Homemade:
    def predict(self, X: object) -> list[int]:
        return [0]


def test_a_type_outside_the_allow_list_is_refused_unless_trusted(models_dir: Path) -> None:
    base, _ = read_built(models_dir, ["iris_logreg"])["iris_logreg"]
    meta, data = as_version(base, "homemade", Homemade())
    assert formats.untrusted_types(data) == [f"{__name__}.Homemade"]
    with pytest.raises(ModelIntegrityError, match="allow-list"):
        serve(ModelRegistry(), meta, data, 1)
    trusting = ModelRegistry({f"{__name__}.Homemade"})  # MODEL_TRUSTED_TYPES
    serve(trusting, meta, data, 1)
    assert isinstance(trusting.load("homemade").estimator, Homemade)


def test_a_file_that_is_not_skops_is_refused(models_dir: Path) -> None:
    for junk in (b"", b"PK\x03\x04 not a zip", (models_dir / f"cancer_rf{META_SUFFIX}").read_bytes()):
        with pytest.raises(formats.UnsafeModelError, match="not a skops model file"):
            formats.loads(junk)


def test_broken_built_in_files_are_left_out(models_dir: Path) -> None:
    (models_dir / f"wine_gb{META_SUFFIX}").write_text("{not json", encoding="utf-8")
    meta_path = models_dir / f"iris_logreg{META_SUFFIX}"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["features"][0]["min"] = 100  # min > max: invalid schema
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    (models_dir / "cancer_rf.skops").unlink()
    path = models_dir / "diabetes_rf.skops"
    path.write_bytes(path.read_bytes() + b"x")  # does not match its recorded SHA-256
    assert read_built(models_dir, sorted(EXPECTED)) == {}
    registry = ModelRegistry()
    with pytest.raises(ModelNotFound):
        registry.meta("wine_gb")
    with pytest.raises(ModelNotFound):
        registry.load("cancer_rf")


def tampered_tree(**change: int) -> bytes:
    """A fitted tree whose root node is rewritten (what a hostile file can hold: skops loads the
    arrays as they are)."""
    model = DecisionTreeClassifier(random_state=0).fit([[0, 0], [1, 1]], [0, 1])
    state = model.tree_.__getstate__()
    nodes = state["nodes"].copy()
    for field, value in change.items():
        nodes[field][0] = value
    state["nodes"] = nodes
    model.tree_.__setstate__(state)
    return formats.dumps(model)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"right_child": 10**9}, "outside its nodes"),  # compiled code would read far outside memory
        ({"right_child": 0}, "before its parent"),  # a cycle: predict would never return
        ({"left_child": -1}, "one child"),
        ({"feature": 7}, "input that does not exist"),
    ],
)
def test_a_tree_with_a_broken_structure_is_refused_before_it_runs(
    change: dict[str, int], reason: str
) -> None:
    with pytest.raises(formats.UnsafeModelError, match=reason):
        formats.loads(tampered_tree(**change))


def test_the_built_in_ensembles_pass_the_tree_check(models_dir: Path) -> None:
    for _, data in read_built(models_dir, sorted(EXPECTED)).values():
        formats.check_trees(formats.loads(data))  # the forests' and boosting's hundreds of trees


def test_an_array_named_many_times_counts_each_time() -> None:
    """A small file whose schema names one 16 MiB array 40 times would unpack to 640 MiB."""
    source = zipfile.ZipFile(io.BytesIO(formats.dumps(DecisionTreeClassifier().fit([[0], [1]], [0, 1]))))
    schema = json.loads(source.read("schema.json"))
    array = {"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy"}
    schema["content"]["content"]["junk"] = {
        "__class__": "list",
        "__module__": "builtins",
        "__loader__": "ListNode",
        "content": [{**array, "file": "junk.npy"} for _ in range(40)],
    }
    junk = io.BytesIO()
    np.save(junk, np.zeros(2 * 1024 * 1024), allow_pickle=False)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for item in source.infolist():
            if item.filename != "schema.json":
                dst.writestr(item.filename, source.read(item))
        dst.writestr("schema.json", json.dumps(schema))
        dst.writestr("junk.npy", junk.getvalue())
    assert len(out.getvalue()) < 100_000
    with pytest.raises(formats.UnsafeModelError, match="unpacks to more than 512 MiB"):
        formats.untrusted_types(out.getvalue())
