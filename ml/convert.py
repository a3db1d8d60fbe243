"""Turn a pickled model (.joblib, .pkl) into a skops file, in a separate, limited process.

Loading a pickle runs whatever code it names, so the bot never loads one. With
ALLOW_PICKLE_UPLOADS on, `convert_pickle` runs this file as a script in a fresh interpreter
(isolated mode, an empty environment: no bot token, no database address; a temporary working
directory), which first limits its own memory, CPU time and open files, then loads the pickle
and writes the skops bytes to stdout. The bot then loads those bytes with the allow-list like any
other upload. Code in a pickle still runs in that process, as the bot's user: turn the setting on
only for files you would run yourself (or run the bot as a user that can read nothing else).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

EXIT_NOT_A_MODEL = 3
EXIT_FAILED = 4


class ConversionError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code  # "not_a_model", "failed", "limits"
        self.detail = detail


def convert_pickle(data: bytes, memory_mb: int = 1024, seconds: float = 60.0) -> bytes:
    """Blocking (call in a thread): the skops bytes of the pickled estimator in `data`."""
    with tempfile.TemporaryDirectory(prefix="convert-") as workdir:
        env = {
            "PATH": os.defpath,
            "HOME": workdir,
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        try:
            done = subprocess.run(
                [sys.executable, "-I", str(Path(__file__).resolve()), str(memory_mb), str(int(seconds))],
                input=data,
                capture_output=True,
                cwd=workdir,
                env=env,
                timeout=seconds + 5,  # the CPU limit stops a busy loop; this, a sleeping one
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ConversionError("limits", f"took longer than {seconds:g}s") from None
    if done.returncode == 0 and done.stdout:
        return done.stdout
    detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    if done.returncode == EXIT_NOT_A_MODEL:
        raise ConversionError("not_a_model", detail[0][:200])
    if done.returncode < 0 or "MemoryError" in detail[0]:  # killed by a signal (CPU limit) or out of memory
        raise ConversionError("limits", f"exit {done.returncode}: {detail[0][:160]}")
    raise ConversionError("failed", detail[0][:200])


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
