"""Model uploads cannot run code in the bot: pickles are refused (or, where a setting allows them,
converted in a separate, limited process), and a skops file naming an untrusted type is refused."""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import resource
import zipfile
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import joblib
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from bot.app import Core, build_core
from db.accounts import Passwords
from ml import formats
from ml.convert import ConversionError, convert_pickle
from ml.upload import MAX_MODEL_BYTES
from tests.bot_fixtures import harness, registered
from tests.bot_harness import Harness, TgUser
from tests.conftest import settings_for
from tests.helpers import balance_of

__all__ = ["harness"]
ADMIN = TgUser(9001, "boss")
ALICE = TgUser(1001, "alice")
META = {
    "name": "tiny_tree",
    "title": "Tiny tree",
    "description": "A test upload",
    "task": "classification",
    "algorithm": "DecisionTree",
    "class_names": ["no", "yes"],
    "cost": 0.5,
    "features": [
        {"name": "a", "description": "A", "min": 0, "max": 1, "example": 1},
        {"name": "b", "description": "B", "min": 0, "max": 1, "example": 1},
    ],
}


class Payload:
    """Unpickling it runs `code` (statements): what a hostile .joblib does."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self) -> tuple[object, tuple[str, dict[str, object]]]:
        return exec, (self.code, {})


def marks_its_process(folder: Path) -> bytes:
    """A pickle that, when loaded, makes a folder named after the loading process's id."""
    return pickle.dumps(
        Payload(f"__import__('os').mkdir({str(folder)!r} + '/' + str(__import__('os').getpid()))")
    )


def tree(labels: tuple[int, int] = (0, 1)) -> DecisionTreeClassifier:
    return DecisionTreeClassifier(random_state=0).fit([[0, 0], [1, 1]], list(labels))


def joblib_bytes(obj: object) -> bytes:
    buf = io.BytesIO()
    joblib.dump(obj, buf)
    return buf.getvalue()


async def upload(harness: Harness, file_name: str, data: bytes, meta: dict[str, object] = META) -> str:
    await harness.send(ADMIN, "/addmodel")
    r = await harness.upload(ADMIN, file_name, data, mime="application/octet-stream")
    if "metadata as JSON" not in r.text:
        return r.text
    return (await harness.send(ADMIN, json.dumps(meta))).text


async def test_a_malicious_pickle_never_runs_in_the_bot(harness: Harness, core: Core, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    marker.mkdir()
    evil = marks_its_process(marker)
    text = await upload(harness, "model.joblib", evil)
    assert "Pickle files (.joblib, .pkl) can run any code" in text
    text = await upload(harness, "model.pkl", evil)
    assert "Pickle files (.joblib, .pkl) can run any code" in text
    text = await upload(harness, "model.skops", evil)  # renamed: still only read as a skops file
    assert "That is not a skops model file" in text
    assert list(marker.iterdir()) == []  # the payload never ran, anywhere
    assert "tiny_tree" not in core.registry.metas()


class Homemade:
    def predict(self, X: object) -> list[int]:
        return [1 for _ in X]  # type: ignore[attr-defined]


def renamed_type(data: bytes, old: str, new: str) -> bytes:
    """The skops file with one type name replaced in its schema (a hand-made hostile file)."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "schema.json":
                content = content.replace(old.encode(), new.encode())
            dst.writestr(item, content)
    return out.getvalue()


async def test_a_skops_file_naming_untrusted_types_is_refused(harness: Harness, core: Core) -> None:
    data = formats.dumps(Homemade())
    text = await upload(harness, "model.skops", data)
    assert "needs types the bot does not trust" in text and f"{__name__}.Homemade" in text
    hostile = renamed_type(data, '"Homemade"', '"system"')
    hostile = renamed_type(hostile, f'"{__name__}"', '"os"')
    assert formats.untrusted_types(hostile) == ["os.system"]
    text = await upload(harness, "model.skops", hostile)
    assert "needs types the bot does not trust" in text and "os.system" in text
    assert "tiny_tree" not in core.registry.metas()
    # a skops file of a trusted estimator is stored
    text = await upload(harness, "model.skops", formats.dumps(tree()))
    assert "added as version 1" in text


@pytest.fixture
async def pickle_core(
    db_url: str, models_dir: Path, passwords: Passwords, admin_id: int
) -> AsyncIterator[Core]:
    settings = settings_for(
        db_url,
        models_dir,
        admin_ids=frozenset({admin_id}),
        allow_pickle_uploads=True,
        pickle_convert_memory_mb=512,
        pickle_convert_seconds=30,
    )
    core = await build_core(settings, passwords)
    yield core
    await core.close()


@pytest.fixture
async def pickle_harness(pickle_core: Core) -> AsyncIterator[Harness]:
    h = Harness(pickle_core)
    yield h
    await h.close()


async def test_allowed_pickles_are_converted_in_a_separate_limited_process(
    pickle_harness: Harness, pickle_core: Core, tmp_path: Path
) -> None:
    harness, core = pickle_harness, pickle_core
    marker = tmp_path / "ran"
    marker.mkdir()
    text = await upload(harness, "model.joblib", marks_its_process(marker))
    assert "The pickle does not hold a model" in text
    [ran] = list(marker.iterdir())  # it ran, as the setting allows, but not in the bot's process
    assert int(ran.name) != os.getpid()
    hog = pickle.dumps(Payload("bytearray(4 * 1024 ** 3)"))  # 4 GiB: over the 512 MB limit
    text = await upload(harness, "model.pkl", hog)
    assert "went over its memory or time limit" in text
    assert "tiny_tree" not in core.registry.metas()
    # a real pickled model becomes a skops version, and runs
    uid = await registered(core, ALICE)
    text = await upload(harness, "model.joblib", joblib_bytes(tree()))
    assert "added as version 1" in text
    await harness.send(ALICE, "/predict")
    await harness.press(ALICE, "Tiny tree")
    await harness.press(ALICE, "Enter inputs")
    await harness.send(ALICE, "1 1")
    r = await harness.press(ALICE, "Confirm")
    assert "Prediction: <b>yes</b>" in r.texts[-1]
    assert await balance_of(core.session_factory, uid) == Decimal("9.5")


async def test_the_admin_sees_only_the_category_of_a_failed_conversion(
    pickle_harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """What the pickle's code prints is its own choice (a payload printed the bot's token there):
    the chat gets the category only, the log one bounded line."""
    leak = Payload("raise RuntimeError('first line\\nBOT_TOKEN=123:SECRET ' + 'x' * 5000)")
    with caplog.at_level(logging.WARNING, logger="bot.handlers.admin"):
        text = await upload(pickle_harness, "model.joblib", pickle.dumps(leak))
    assert "could not be converted" in text and "SECRET" not in text
    [logged] = [r.getMessage() for r in caplog.records if "pickle not converted" in r.getMessage()]
    assert "BOT_TOKEN=123:SECRET" in logged and "\n" not in logged and len(logged) < 500


def test_the_smallest_memory_limit_allowed_converts_a_model() -> None:
    forest = RandomForestClassifier(n_estimators=20, random_state=0).fit([[0, 0], [1, 1]] * 5, [0, 1] * 5)
    converted = convert_pickle(joblib_bytes(forest), memory_mb=384, seconds=60)  # the setting's minimum
    assert formats.loads(converted).predict([[1, 1]]).tolist() == [1]


async def test_output_past_the_upload_limit_stops_the_conversion(
    pickle_harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    flood = Payload("import sys\nfor _ in range(600): sys.stdout.buffer.write(b'x' * 2**20)")  # 600 MiB
    with caplog.at_level(logging.WARNING, logger="bot.handlers.admin"):
        text = await upload(pickle_harness, "model.joblib", pickle.dumps(flood))
    assert f"larger than {MAX_MODEL_BYTES // 2**20} MB" in text
    assert any(f"over {MAX_MODEL_BYTES} bytes" in r.getMessage() for r in caplog.records)


def test_the_bot_keeps_only_the_tail_of_the_childs_stderr() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB, the most this process held
    chatter = Payload("import sys\nfor _ in range(600): sys.stderr.buffer.write(b'y' * 2**20)")
    with pytest.raises(ConversionError) as failed:
        convert_pickle(pickle.dumps(chatter), memory_mb=512, seconds=30)
    assert failed.value.code == "not_a_model"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # not 600 MiB
