"""Model uploads cannot run code in the bot: pickles are refused (or, where a setting allows them,
converted in a separate, limited process), and a skops file naming an untrusted type is refused."""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import logging
import os
import pickle
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import joblib
import pytest
from sklearn.ensemble import RandomForestClassifier

from bot.app import Services, build_services
from db.accounts import Passwords
from ml import formats
from ml.convert import ConversionError, convert_pickle
from ml.upload import MAX_MODEL_BYTES
from tests.bot_harness import Harness, TgUser
from tests.bot_helpers import predict_in_dialog, registered
from tests.helpers import balance_of
from tests.models_for_tests import TINY_TREE_META, tiny_tree
from tests.support import settings_for

ADMIN = TgUser(9001, "boss")
ALICE = TgUser(1001, "alice")
META = TINY_TREE_META


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


def joblib_bytes(obj: object) -> bytes:
    buf = io.BytesIO()
    joblib.dump(obj, buf)
    return buf.getvalue()


async def upload(harness: Harness, file_name: str, data: bytes, meta: dict[str, object] = META) -> str:
    await harness.send(ADMIN, "/addmodel")
    r = await harness.upload(ADMIN, file_name, data, mime="application/octet-stream")
    if "metadata as JSON" not in r.text:
        return r.text
    r = await harness.send(ADMIN, json.dumps(meta))
    if "🚀 Publish" not in r.buttons():
        return r.text
    return (await harness.press(ADMIN, "Publish")).text


async def test_a_malicious_pickle_never_runs_in_the_bot(
    harness: Harness, services: Services, tmp_path: Path
) -> None:
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
    assert "tiny_tree" not in services.registry.metas()


class ReadsInput110:
    """A model that does not say how many inputs it takes, and reads input 110."""

    def predict(self, X: list[list[float]]) -> list[int]:
        return [int(row[110]) for row in ({i: v for i, v in enumerate(r)} for r in X)]


def test_a_missing_input_is_explained_in_words() -> None:
    """Its upload once answered "KeyError: 110"; the admin now reads what is wrong."""
    from ml.schema import ModelMeta
    from ml.upload import UploadError, try_values, upload_meta

    meta: ModelMeta = upload_meta({k: v for k, v in META.items() if k != "cost"}, b"x")
    with pytest.raises(UploadError) as caught:
        try_values(meta, ReadsInput110(), [1.0, 1.0])
    assert caught.value.code == "feature_index" and caught.value.params == {"expected": 111, "declared": 2}
    from bot.i18n import I18n

    for lang, words in (
        ("en", "The file's model reads at least 111 inputs, but the metadata lists 2."),
        ("ru", "Модель из файла читает не меньше 111 входных параметров, а в описании указано 2."),
    ):
        text = I18n().get(lang, "adm_upload_feature_index", **caught.value.params)
        assert words in text and "KeyError" not in text


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


async def test_a_skops_file_naming_untrusted_types_is_refused(harness: Harness, services: Services) -> None:
    data = formats.dumps(Homemade())
    text = await upload(harness, "model.skops", data)
    assert "needs types the bot does not trust" in text and f"{__name__}.Homemade" in text
    hostile = renamed_type(data, '"Homemade"', '"system"')
    hostile = renamed_type(hostile, f'"{__name__}"', '"os"')
    assert formats.untrusted_types(hostile) == ["os.system"]
    text = await upload(harness, "model.skops", hostile)
    assert "needs types the bot does not trust" in text and "os.system" in text
    assert "tiny_tree" not in services.registry.metas()
    # a skops file of a trusted estimator is stored
    text = await upload(harness, "model.skops", formats.dumps(tiny_tree()))
    assert "added as version 1" in text


@pytest.fixture
async def pickle_core(
    db_url: str, models_dir: Path, passwords: Passwords, admin_id: int
) -> AsyncIterator[Services]:
    settings = settings_for(
        db_url,
        models_dir,
        admin_ids=frozenset({admin_id}),
        allow_pickle_uploads=True,
        pickle_convert_memory_mb=512,
        pickle_convert_seconds=30,
    )
    services = await build_services(settings, passwords)
    yield services
    await services.close()


@pytest.fixture
async def pickle_harness(pickle_core: Services) -> AsyncIterator[Harness]:
    h = Harness(pickle_core)
    yield h
    await h.close()


async def test_allowed_pickles_are_converted_in_a_separate_limited_process(
    pickle_harness: Harness, pickle_core: Services, caplog: pytest.LogCaptureFixture
) -> None:
    harness, services = pickle_harness, pickle_core
    # the payload cannot leave a mark on disk (the worker writes nothing); it marks the process
    # it runs in and says so in its error, which the bot logs
    ran = Payload(
        "import builtins, os\nbuiltins.payload_ran = True\nraise RuntimeError(f'ran in pid {os.getpid()}')"
    )
    with caplog.at_level(logging.WARNING, logger="bot.handlers.admin.models"):
        text = await upload(harness, "model.joblib", pickle.dumps(ran))
    assert "could not be converted" in text
    assert any("ran in pid" in r.getMessage() for r in caplog.records)  # it ran, as the setting allows,
    assert not hasattr(builtins, "payload_ran")  # but not in the bot's process
    text = await upload(harness, "model.joblib", joblib_bytes({"weights": [1, 2]}))
    assert "The pickle does not hold a model" in text
    hog = pickle.dumps(Payload("bytearray(4 * 1024 ** 3)"))  # 4 GiB: over the 512 MB limit
    text = await upload(harness, "model.pkl", hog)
    assert "went over its memory or time limit" in text
    assert "tiny_tree" not in services.registry.metas()
    # a real pickled model becomes a skops version, and runs
    uid = await registered(services, ALICE)
    text = await upload(harness, "model.joblib", joblib_bytes(tiny_tree()))
    assert "added as version 1" in text
    assert "Prediction: <b>yes</b>" in await predict_in_dialog(harness, ALICE, "Tiny tree", "1 1")
    assert await balance_of(services.session_factory, uid) == Decimal("9.5")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_metadata_with_numbers_json_does_not_have_is_refused(
    harness: Harness, services: Services, constant: str
) -> None:
    spec = json.dumps(META).replace('"max": 1, "example": 1}]', f'"max": {constant}, "example": 1}}]')
    assert constant in spec
    await harness.send(ADMIN, "/addmodel")
    await harness.upload(ADMIN, "model.skops", formats.dumps(tiny_tree()), mime="application/octet-stream")
    r = await harness.send(ADMIN, spec)
    assert "That JSON has a number the bot cannot read (too long, NaN or Infinity)." in r.text
    assert "tiny_tree" not in services.registry.metas()


async def test_the_admin_sees_only_the_category_of_a_failed_conversion(
    pickle_harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """What the pickle's code prints is its own choice (a payload printed the bot's token there):
    the chat gets the category only, the log one bounded line."""
    leak = Payload("raise RuntimeError('first line\\nBOT_TOKEN=123:SECRET ' + 'x' * 5000)")
    with caplog.at_level(logging.WARNING, logger="bot.handlers.admin.models"):
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
    with caplog.at_level(logging.WARNING, logger="bot.handlers.admin.models"):
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


def test_a_pickle_reaches_none_of_the_bots_secrets_files_network_or_processes(tmp_path: Path) -> None:
    """What a payload did to a bot: read its environment and .env, truncated its files; and
    what it could have done: write files, call its database, signal it."""
    bot = os.getpid()  # the test runs the bot's code: this process is "the bot"
    secret, victim = tmp_path / ".env", tmp_path / "victim"
    for path in (secret, victim):
        path.write_text("BOT_TOKEN=123:SECRET\n")
        path.chmod(0o600)
    with socket.create_server(("127.0.0.1", 0)) as tcp, socket.socket(socket.AF_UNIX) as unix:
        unix.bind(str(tmp_path / "db.sock"))
        unix.listen()
        tries = {
            "environ": f"open('/proc/{bot}/environ', 'rb').read()",
            "cwd": f"os.listdir('/proc/{bot}/cwd')",
            "read": f"open({str(secret)!r}).read()",
            "truncate": f"os.truncate({str(victim)!r}, 0)",
            "unlink": f"os.unlink({str(victim)!r})",
            "mkdir": f"os.mkdir({str(tmp_path / 'made')!r})",
            "tcp": f"socket.create_connection(('127.0.0.1', {tcp.getsockname()[1]}), 2)",
            "unix": f"socket.socket(socket.AF_UNIX).connect({str(tmp_path / 'db.sock')!r})",
            "signal": f"os.kill({bot}, 0)",
        }
        code = "import errno, os, socket\nresults = []\n"
        for name, call in tries.items():
            code += f"try:\n    {call}\n    results.append('{name}=done')\n"
            code += f"except OSError as exc:\n    results.append('{name}=' + errno.errorcode[exc.errno])\n"
        code += "raise RuntimeError(' '.join(results))"
        with pytest.raises(ConversionError) as failed:
            convert_pickle(pickle.dumps(Payload(code)), memory_mb=512, seconds=30)
    results = dict(item.split("=") for item in failed.value.detail.split(": ", 2)[-1].split())
    assert results.keys() == tries.keys()
    assert "done" not in results.values(), results
    assert "SECRET" not in failed.value.detail
    assert victim.read_text() == "BOT_TOKEN=123:SECRET\n" and not (tmp_path / "made").exists()


def test_nothing_the_pickle_starts_outlives_the_conversion() -> None:
    name = "gc" + secrets.token_hex(6)  # the process name the payload's grandchild takes
    code = f"""
import ctypes, os, time
ready, done = os.pipe()
if os.fork() == 0:
    os.setsid()  # out of the process group
    ctypes.CDLL(None).prctl(15, b"{name}", 0, 0, 0)  # PR_SET_NAME
    os.write(done, b"1")
    for fd in (0, 1, 2):
        os.close(fd)
    time.sleep(600)
    os._exit(0)
os.read(ready, 1)
raise RuntimeError("forked")
"""
    with pytest.raises(ConversionError):
        convert_pickle(pickle.dumps(Payload(code)), memory_mb=512, seconds=30)
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/comm") as comm:
            if comm.read().strip() == name:
                alive.append(int(pid))
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert alive == []


def test_where_the_kernel_refuses_isolation_conversions_are_refused_unless_allowed(tmp_path: Path) -> None:
    """In a user namespace allowed no nested ones (as where user namespaces are turned off), the
    conversion is refused, or, with the setting on, runs with what isolation remains."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-Ur", "true"], check=False).returncode:
        pytest.skip("needs util-linux unshare and unprivileged user namespaces")
    (tmp_path / "model.joblib").write_bytes(joblib_bytes(tiny_tree()))
    convert = (
        "import sys; from ml.convert import ConversionError, convert_pickle\n"
        "try:\n"
        "    convert_pickle(open(sys.argv[1], 'rb').read(), 512, 30, allow_unisolated=sys.argv[2] == 'yes')\n"
        "    print('converted')\n"
        "except ConversionError as exc:\n"
        "    print(exc.code, exc.detail)\n"
    )
    results = []
    for allow in ("no", "yes"):
        shell = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" -c "$1" "$2" "$3"'
        argv = [sys.executable, convert, str(tmp_path / "model.joblib"), allow]
        done = subprocess.run(
            ["unshare", "-Ur", "sh", "-c", shell, *argv], capture_output=True, text=True, check=True
        )
        results.append(done.stdout.strip())
    refused, allowed = results
    assert refused.startswith("isolation not isolated: namespaces:"), refused
    assert allowed == "converted"
