"""Model files and model calls: joblib (pickle) against skops, and ONNX Runtime beside them.

    python -m bench.bench_models [--repeat 200] [--batch 100]

For each built-in model: the file's size, the time to load it, and the median latency of one
row and of a batch through the bot's own call (`ml.executor.predict_rows`), for the estimator
loaded from a joblib file (before) and from a skops file (now), in the same run. Where
onnxruntime and skl2onnx are installed (`pip install onnxruntime skl2onnx`; not dependencies of
the bot), the same estimator converted to ONNX is timed too, as the alternative format.
"""

from __future__ import annotations

import argparse
import functools
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from ml import formats
from ml.executor import predict_rows
from ml.registry import LoadedModel
from ml.schema import ModelMeta
from ml.train import RECIPES, build_catalogue, read_built, read_catalogue


def median_us(call: Callable[[], Any], repeat: int) -> float:
    call()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - started)
    return statistics.median(times) / 1000


def load_ms(load: Callable[[], Any], repeat: int = 5) -> float:
    return median_us(load, repeat) / 1000


def onnx_session(estimator: Any, n_features: int) -> Any | None:
    try:
        import onnxruntime as ort
        from skl2onnx import to_onnx
    except ImportError:
        return None
    options = {id(estimator): {"zipmap": False}} if hasattr(estimator, "predict_proba") else None
    model = to_onnx(estimator, np.zeros((1, n_features), dtype=np.float32), options=options)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def measure(meta: ModelMeta, skops_bytes: bytes, repeat: int, batch_size: int) -> str:
    """One line of the table for one model."""
    estimator = formats.loads(skops_bytes)
    buf = io.BytesIO()
    joblib.dump(estimator, buf, compress=3)
    joblib_bytes = buf.getvalue()
    from_joblib = LoadedModel(meta, joblib.load(io.BytesIO(joblib_bytes)))
    from_skops = LoadedModel(meta, formats.loads(skops_bytes))
    data = np.asarray(RECIPES[meta.name].load().data, dtype=np.float64)
    row, batch = data[:1].tolist(), data[:batch_size].tolist()
    if predict_rows(from_joblib, batch) != predict_rows(from_skops, batch):
        raise SystemExit(f"{meta.name}: the skops and joblib files give different results")
    both = (from_joblib, from_skops)
    one = [median_us(functools.partial(predict_rows, m, row), repeat) for m in both]
    many = [median_us(functools.partial(predict_rows, m, batch), max(20, repeat // 10)) for m in both]
    session = onnx_session(estimator, len(meta.features))
    if session is None:
        onnx = "not installed"
    else:
        feed = session.get_inputs()[0].name
        x1, xb = np.asarray(row, dtype=np.float32), np.asarray(batch, dtype=np.float32)
        onnx = (
            f"{median_us(lambda: session.run(None, {feed: x1}), repeat):.0f} / "
            f"{median_us(lambda: session.run(None, {feed: xb}), repeat):.0f}"
        )
    return (
        f"{meta.name:12} {len(joblib_bytes) / 1024:>10.0f} / {len(skops_bytes) / 1024:<8.0f}"
        f" {load_ms(lambda: joblib.load(io.BytesIO(joblib_bytes))):>10.1f} / "
        f"{load_ms(lambda: formats.loads(skops_bytes)):<8.1f}"
        f" {one[0]:>10.0f} / {one[1]:<9.0f} {many[0]:>12.0f} / {many[1]:<11.0f} {onnx:>22}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        models_dir = Path(tmp)
        (models_dir / "catalogue.toml").write_text(
            (Path("models_store") / "catalogue.toml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        build_catalogue(models_dir)
        built = read_built(models_dir, list(read_catalogue(models_dir)))
    header = (
        f"{'model':12} {'file KB joblib/skops':>21} {'load ms joblib/skops':>21} "
        f"{'1 row µs joblib/skops':>22} {f'{args.batch} rows µs joblib/skops':>26} "
        f"{'ONNX 1 row / batch µs':>22}"
    )
    print(header)
    print("-" * len(header))
    for meta, skops_bytes in built.values():
        print(measure(meta, skops_bytes, args.repeat, args.batch))
    print(
        "\nOne row and a batch go through the bot's own call (ml.executor.predict_rows) on the same"
        " estimator loaded from each file; the results are identical (checked above)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
