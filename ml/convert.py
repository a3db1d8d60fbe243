"""Turn a pickled model (.joblib, .pkl) into a skops file, in a separate, confined process.

Loading a pickle runs whatever code it names, so the bot never loads one. With
ALLOW_PICKLE_UPLOADS on, `convert_pickle` runs this file as a script in a fresh interpreter
(isolated mode, an empty environment, a temporary working directory, its own process group).
That process enters new user, network and PID namespaces, then forks twice:

- PID 1 of the new PID namespace runs our code only: when it exits, the kernel kills every
  process left in the namespace, so nothing the pickle starts outlives the conversion;
- the worker imports joblib and skops, confines itself (Landlock: it may read the directories of
  Python, its packages and the system libraries, nothing else, and write, truncate or delete no
  file; seccomp: no sockets, no processes or threads), limits its memory, CPU time and open files,
  and only then reads the pickle and writes the skops bytes to stdout.

No uid is mapped into the user namespace: the worker runs as the overflow uid ("nobody") and
cannot open the bot's /proc entries (environment, working directory). That alone does not keep it
from the bot's files: the kernel checks those against the real uid, which stays the bot's (hence
Landlock). The network namespace has no interfaces. Every layer needs the kernel's support; if
one is refused, the conversion is refused unless the caller allows it without isolation
(PICKLE_CONVERT_WITHOUT_ISOLATION). The bot reads at most the upload limit from stdout and the
tail of stderr, kills the process group when the process exits or runs out of time, and loads the
skops bytes with the allow-list like any other upload. Code in a pickle still runs: in the worker
it can use its CPU and memory allowance, read the Python installation and return a wrong model
(which the allow-list and the upload checks then judge).
"""

from __future__ import annotations

import contextlib
import ctypes
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
EXIT_NO_ISOLATION = 6
STDERR_KEPT = 4096  # bytes of the worker's stderr kept: its last line goes to the log
GRACE_SECONDS = 5  # wall time past the CPU limit: the CPU limit stops a busy loop; this, a sleeping one


class ConversionError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code  # "not_a_model", "failed", "limits", "too_big", "isolation"
        self.detail = detail  # for the log only: the pickle's code can write anything here


def convert_pickle(
    data: bytes, memory_mb: int = 1024, seconds: float = 60.0, *, allow_unisolated: bool = False
) -> bytes:
    """Blocking (call in a thread): the skops bytes of the pickled estimator in `data`."""
    from ml.upload import MAX_MODEL_BYTES  # here: the child runs this file with none of our modules

    cpu_seconds = max(1, math.ceil(seconds))
    with tempfile.TemporaryDirectory(prefix="convert-") as workdir:
        upload = Path(workdir, "upload.pickle")
        upload.write_bytes(data)
        env = {"PATH": os.defpath, "HOME": workdir}
        env |= dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
        argv = [str(memory_mb), str(cpu_seconds), "1" if allow_unisolated else "0"]
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
    if code == EXIT_NO_ISOLATION:
        raise ConversionError("isolation", detail)
    if code == EXIT_LIMITS or code > 128 or code < 0:  # 128 + n: the worker died of signal n
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

CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_READ_FILE, LANDLOCK_READ_DIR = 1 << 2, 1 << 3
# seccomp: (audit architecture, syscalls refused: socket, io_uring_setup (it can open sockets
# too), clone, clone3, fork, vfork)
SECCOMP_DENY = {
    "x86_64": (0xC000003E, (41, 425, 56, 435, 57, 58)),
    "aarch64": (0xC00000B7, (198, 425, 220, 435)),
}


def _main(argv: list[str]) -> int:
    memory_mb, cpu_seconds, allow_unisolated = int(argv[0]), int(argv[1]), argv[2] == "1"
    try:
        _call("unshare", CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWPID)
    except OSError as exc:
        if not allow_unisolated:
            return _refuse(f"namespaces: {exc}")
    init = os.fork()  # PID 1 of the new PID namespace
    if init == 0:
        worker = os.fork()
        if worker == 0:
            _run_worker(memory_mb, cpu_seconds, allow_unisolated)
        os._exit(_exit_code(os.waitpid(worker, 0)[1]))  # and the kernel kills what is left
    return _exit_code(os.waitpid(init, 0)[1])


def _run_worker(memory_mb: int, cpu_seconds: int, allow_unisolated: bool) -> None:
    code = EXIT_FAILED
    try:
        code = _convert(memory_mb, cpu_seconds, allow_unisolated)
    except MemoryError:
        code = EXIT_LIMITS
    except BaseException as exc:  # whatever the pickle raises (SystemExit too) must not leave this fork
        print(f"{type(exc).__name__}: {exc}"[:300], file=sys.stderr)
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _convert(memory_mb: int, cpu_seconds: int, allow_unisolated: bool) -> int:
    import io

    # imported before the limits: they take about 300 MB of address space before any pickle
    import joblib
    import skops.io as sio

    for confine in (_landlock, _seccomp):
        try:
            confine()
        except OSError as exc:
            if not allow_unisolated:
                return _refuse(f"{confine.__name__.strip('_')}: {exc}")
    _limit(memory_mb, cpu_seconds)
    data = sys.stdin.buffer.read()  # the first byte of the pickle read, confined and limited
    estimator = joblib.load(io.BytesIO(data))
    if not callable(getattr(estimator, "predict", None)):
        print(f"a {type(estimator).__name__}, with no predict()", file=sys.stderr)
        return EXIT_NOT_A_MODEL
    out = sio.dumps(estimator, compression=8, compresslevel=6)  # 8: zipfile.ZIP_DEFLATED
    sys.stdout.buffer.write(out)
    return 0


def _landlock() -> None:
    """From here on this process may read the directories Python and its libraries live in
    (imports the pickle names) and nothing else: no writes, no truncation, no exec anywhere."""
    import struct
    import sysconfig

    abi = _syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, 1)  # 1: ask for the ABI version
    if abi < 3:
        raise OSError(f"Landlock ABI {abi} cannot refuse truncating files (needs 3: Linux 6.2)")
    handled_fs = (1 << 15) - 1 | (1 << 15 if abi >= 5 else 0)  # every file access right it knows
    handled_net = 0b11 if abi >= 4 else 0  # TCP bind and connect
    scoped = 0b11 if abi >= 6 else 0  # abstract unix sockets and signals outside the sandbox
    attr = struct.pack("=QQQ", handled_fs, handled_net, scoped)
    ruleset = _syscall(SYS_LANDLOCK_CREATE_RULESET, attr, len(attr), 0)
    try:
        paths = {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
        paths |= {"/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib", "/lib64", "/etc/ld.so.cache"}
        for path in sorted(p for p in paths if p and os.path.exists(p)):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rights = LANDLOCK_READ_FILE | (LANDLOCK_READ_DIR if os.path.isdir(path) else 0)
                _syscall(SYS_LANDLOCK_ADD_RULE, ruleset, 1, struct.pack("=Qi", rights, fd), 0)
            finally:
                os.close(fd)
        _call("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        _syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0)
    finally:
        os.close(ruleset)


def _seccomp() -> None:
    """socket() and io_uring fail (no unix socket of a database or Redis on this machine), and so
    do fork and threads (a fork bomb stops at its first fork)."""
    import platform
    import struct

    if platform.machine() not in SECCOMP_DENY:
        raise OSError(f"no seccomp filter for {platform.machine()}")
    arch, denied = SECCOMP_DENY[platform.machine()]
    n = len(denied)
    # classic BPF over struct seccomp_data: [0] syscall number, [4] architecture
    program = [
        (0x20, 0, 0, 4),  # load the architecture
        (0x15, 1, 0, arch),  # ours: skip the next instruction
        (0x06, 0, 0, 0x80000000),  # another one (e.g. 32-bit calls): kill the process
        (0x20, 0, 0, 0),  # load the syscall number
        (0x35, n + 1, 0, 0x40000000),  # x32 numbers: refuse
        *((0x15, n - i, 0, nr) for i, nr in enumerate(denied)),  # a denied one: refuse
        (0x06, 0, 0, 0x7FFF0000),  # allow
        (0x06, 0, 0, 0x00050000 | 1),  # refuse: errno EPERM
    ]
    code = ctypes.create_string_buffer(b"".join(struct.pack("=HBBI", *op) for op in program))
    fprog = struct.pack("@HP", len(program), ctypes.addressof(code))  # struct sock_fprog
    _call("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    _call("prctl", PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0)


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    import resource

    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # a file can be opened, not grown
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))  # no forks, where seccomp could not refuse them


def _refuse(reason: str) -> int:
    print(f"not isolated: {reason}"[:300], file=sys.stderr)
    return EXIT_NO_ISOLATION


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code  # killed by signal n: 128 + n, as shells say


def _call(name: str, *args: object) -> int:
    """A libc function that returns -1 and sets errno on failure."""
    function = getattr(ctypes.CDLL(None, use_errno=True), name)
    result: int = function(*(ctypes.c_long(a) if isinstance(a, int) else a for a in args))
    if result == -1:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def _syscall(number: int, *args: object) -> int:
    return _call("syscall", number, *args)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
