"""Turn a pickled model (.joblib, .pkl) into a skops file, in a separate, limited process.

Loading a pickle runs whatever code it names, so the bot never loads one. With
ALLOW_PICKLE_UPLOADS on, `convert_pickle` runs this file as a script in a fresh interpreter
(isolated mode, an empty environment: no bot token, no database address; a temporary working
directory; its own process group), which first limits its own memory, CPU time and open files,
then loads the pickle and writes the skops bytes to stdout. The bot reads at most the upload
limit from stdout and the tail of stderr, kills the process group when the process exits or runs
out of time, then loads the skops bytes with the allow-list like any other upload. Code in a
pickle still runs in that process, as the bot's user: turn the setting on only for files you
would run yourself (or run the bot as a user that can read nothing else).
"""

from __future__ import annotations

import contextlib
import math
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXIT_NOT_A_MODEL = 3
EXIT_FAILED = 4
EXIT_LIMITS = 5
STDERR_KEPT = 4096  # bytes of the child's stderr kept: its last line goes to the log
GRACE_SECONDS = 5  # wall time past the CPU limit: the CPU limit stops a busy loop; this, a sleeping one


class ConversionError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code  # "not_a_model", "failed", "limits", "too_big"
        self.detail = detail  # for the log only: the pickle's code can write anything here


def convert_pickle(data: bytes, memory_mb: int = 1024, seconds: float = 60.0) -> bytes:
    """Blocking (call in a thread): the skops bytes of the pickled estimator in `data`."""
    from ml.upload import MAX_MODEL_BYTES  # here: the child runs this file with none of our modules

    cpu_seconds = max(1, math.ceil(seconds))
    with tempfile.TemporaryDirectory(prefix="convert-") as workdir:
        upload = Path(workdir, "upload.pickle")
        upload.write_bytes(data)
        env = {"PATH": os.defpath, "HOME": workdir}
        env |= dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
        argv = [str(memory_mb), str(cpu_seconds)]
        with upload.open("rb") as stdin:
            child = subprocess.Popen(
                [sys.executable, "-I", str(Path(__file__).resolve()), *argv],
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=workdir,
                env=env,
                start_new_session=True,  # its own process group, killed as a whole below
            )
        try:
            out, err, stopped = _read(child, MAX_MODEL_BYTES, time.monotonic() + cpu_seconds + GRACE_SECONDS)
            if stopped is None:
                # both pipes closed: the child is exiting. Wait without reaping it, so that its
                # pid, the group's id, cannot be reused before the group is killed
                os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    lines = err.decode("utf-8", "replace").strip().splitlines()
    detail = lines[-1][:300] if lines else ""
    if stopped == "too_big":
        raise ConversionError("too_big", f"output over {MAX_MODEL_BYTES} bytes")
    if stopped == "limits":
        raise ConversionError("limits", f"took longer than {cpu_seconds + GRACE_SECONDS}s")
    code = child.returncode
    if code == 0 and out:
        return bytes(out)
    if code == EXIT_NOT_A_MODEL:
        raise ConversionError("not_a_model", detail)
    if code == EXIT_LIMITS or code < 0:  # killed by a signal (the CPU limit)
        raise ConversionError("limits", f"exit {code}: {detail}")
    raise ConversionError("failed", f"exit {code}: {detail}")


def _read(
    child: subprocess.Popen[bytes], max_out: int, deadline: float
) -> tuple[bytearray, bytearray, str | None]:
    """stdout (stopping past `max_out` bytes), the tail of stderr, and why reading stopped early."""
    out, err = bytearray(), bytearray()
    assert child.stdout is not None and child.stderr is not None
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ, out)
        selector.register(child.stderr, selectors.EVENT_READ, err)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return out, err, "limits"
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fileobj)
                key.data.extend(chunk)
            if len(out) > max_out:
                return out, err, "too_big"
            del err[:-STDERR_KEPT]
    return out, err, None


# -- the child: this file run as a script ------------------------------------------------------


def _limit(memory_mb: int, seconds: int) -> None:
    import resource

    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # writes no files (stdout is a pipe)


def _main(argv: list[str]) -> int:
    _limit(int(argv[0]), int(argv[1]))  # before a single byte of the pickle is read
    data = sys.stdin.buffer.read()
    import io

    import joblib
    import skops.io as sio

    try:
        estimator = joblib.load(io.BytesIO(data))
    except MemoryError:
        return EXIT_LIMITS
    except Exception as exc:
        print(f"{type(exc).__name__}: {exc}"[:300], file=sys.stderr)
        return EXIT_FAILED
    if not callable(getattr(estimator, "predict", None)):
        print(f"a {type(estimator).__name__}, with no predict()", file=sys.stderr)
        return EXIT_NOT_A_MODEL
    try:
        out = sio.dumps(estimator, compression=8, compresslevel=6)  # 8: zipfile.ZIP_DEFLATED
    except Exception as exc:
        print(f"{type(exc).__name__}: {exc}"[:300], file=sys.stderr)
        return EXIT_FAILED
    sys.stdout.buffer.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
