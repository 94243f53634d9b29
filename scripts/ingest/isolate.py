"""Bounded parsing: every submitted file is processed in a long-lived worker process that has a
memory cap (RLIMIT_AS) and a wall-clock timeout per file, so that one hostile file cannot take
the run down.

The parent starts `jobs` workers (`python -m scripts.ingest.isolate`, a fresh interpreter: no
fork of a big parent, no re-import of a Snakemake script), sends each one a file path, and waits
for the answer at most `parse_timeout_s`. A worker that overruns is killed (SIGKILL) and the file
is rejected with `read_timeout`; a worker that dies (the memory cap makes a Rust allocation abort,
or anything else) has its file rejected with `read_memory`; a `MemoryError` inside the worker is
the same. A new worker takes the dead one's place and the run goes on.

Frames on the pipes: 8-byte big-endian length + pickle. Only the parent sends requests and the
worker only answers, so the pickles read by the parent come from our own code.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import select
import selectors
import signal
import struct
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

from scripts.ingest import accounting
from scripts.ingest.pipeline import FileResult, process_file
from scripts.ingest.template_v1 import title_registry
from scripts.ingest.validate import problem

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ISOLATION = {"parse_timeout_s": 10.0, "parse_memory_mib": 512}
_HEAD = struct.Struct(">Q")
# one read of a worker's pipe (its buffer is 64 KiB); a 1 MiB request costs a large allocation
# at every answer
READ_SIZE = 1 << 16


def _write(fh, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(_HEAD.pack(len(data)) + data)
    fh.flush()


def _read(fh):
    head = fh.read(_HEAD.size)
    if len(head) < _HEAD.size:
        return None
    (size,) = _HEAD.unpack(head)
    data = fh.read(size)
    return pickle.loads(data)


# --- the worker -----------------------------------------------------------------------------


def worker_main() -> None:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the protocol
    inp = sys.stdin.buffer
    ctx = _read(inp)
    memory = int(ctx["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _write(out, (-1, "ready", 0))
    while True:
        req = _read(inp)
        if req is None:
            return
        seq, path, file = req
        try:
            res = process_file(path, file, ctx["definition"], ctx["registry"], ctx["limits"])
        except MemoryError:
            res = None
        except Exception:  # a bug must not be a silent acceptance (nor a Python message)
            res = failed(path, file, "file_unreadable", UNREADABLE_TEXT)
        if res is None:
            res = failed(path, file, "read_memory", MEMORY_TEXT.format(mib=memory >> 20))
        res.students = []  # the parent needs students_csv only (a country: 1.5 M dicts fewer)
        _write(out, (seq, res, hwm_kib(os.getpid())))


def hwm_kib(pid: int) -> int:
    """Peak resident memory (VmHWM, KiB) of the process's own address space. Unlike ru_maxrss it
    does not count the memory of the process the worker was started from (Linux carries that
    across fork and exec), so it measures what reading the files cost. 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- the parent -----------------------------------------------------------------------------

TIMEOUT_TEXT = (
    "файл не удалось прочитать за {sec:g} с — он слишком сложен, повреждён или изготовлен "
    "специально. Скопируйте данные в чистый шаблон, сохраните как .xlsx и пришлите заново"
)
MEMORY_TEXT = (
    "для чтения файла не хватило {mib} МиБ памяти — он слишком велик, повреждён или изготовлен "
    "специально. Скопируйте данные в чистый шаблон, сохраните как .xlsx и пришлите заново"
)


UNREADABLE_TEXT = (
    "файл не удалось прочитать: он повреждён или сохранён необычной программой. Откройте его в "
    "Excel или LibreOffice Calc, сохраните заново как .xlsx и пришлите ещё раз"
)


def failed(path, file: str, code: str, what: str) -> FileResult:
    try:
        digest, size = accounting.sha256_file(path)
    except OSError:
        digest, size = "", 0
    res = FileResult(file, digest, size)
    res.problems.append(problem(file, "", "", "", code, what))
    return res


class _Worker:
    """One worker process and the files sent to it. Up to `DEPTH` requests are in flight, so
    the worker starts the next file while the parent unpacks the last answer (no ping-pong);
    it reads them one after another, so the first unanswered one is the file it is reading,
    and that file's clock starts when the answer before it arrived."""

    def __init__(self, ctx: dict):
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        env["RUST_BACKTRACE"] = "0"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scripts.ingest.isolate"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=str(ROOT),
        )
        _write(self.proc.stdin, ctx)
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.buf = bytearray()
        self.inflight: deque = deque()  # (index, path, file), in the order sent
        self.started = 0.0  # when the worker began the first of `inflight`

    def wait_ready(self, limit: float = 60.0) -> None:
        """Block until the worker has started (imports, limits): the per-file clock starts after."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
            frames, dead = self.feed()
            if dead:
                raise RuntimeError("рабочий процесс чтения файлов не запустился")
            if frames:
                return
        raise RuntimeError("рабочий процесс чтения файлов не запустился за 60 с")

    def send(self, job) -> None:
        _write(self.proc.stdin, job)
        if not self.inflight:
            self.started = time.monotonic()
        self.inflight.append(job)

    def feed(self) -> tuple[list, bool]:
        """What is there: the complete answers [(result, peak KiB)] and whether the worker is gone."""
        try:
            chunk = os.read(self.fd, READ_SIZE)
        except BlockingIOError:
            return [], False
        if not chunk:
            return [], True
        self.buf += chunk
        frames = []
        while len(self.buf) >= _HEAD.size:
            (size,) = _HEAD.unpack_from(self.buf)
            end = _HEAD.size + size
            if len(self.buf) < end:
                break
            _seq, res, peak = pickle.loads(self.buf[_HEAD.size : end])
            del self.buf[:end]
            frames.append((res, peak))
        return frames, False

    def kill(self) -> int:
        """Kill and reap; the peak RSS (KiB) read just before the kill."""
        peak = hwm_kib(self.proc.pid)
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.reap()
        return peak

    def reap(self) -> int:
        """Reap a dead worker. Its peak is unknown (0): the memory cap (RLIMIT_AS) bounded it."""
        try:
            _pid, status, _usage = os.wait4(self.proc.pid, 0)
            self.proc.returncode = status
            return 0
        except ChildProcessError:  # pragma: no cover
            return 0
        finally:
            for fh in (self.proc.stdin, self.proc.stdout):
                with contextlib.suppress(OSError):
                    fh.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


DEPTH = 2  # requests in flight per worker: one being read, one waiting


def _new(ctx: dict) -> _Worker:
    w = _Worker(ctx)
    w.wait_ready()
    return w


def process_isolated(
    items: list[tuple[str, str]],
    definition: dict,
    registry: dict,
    limits: dict,
    jobs: int = 1,
    progress=None,
) -> list[FileResult]:
    """Every (path, file) in a worker with the limits of `limits` (see DEFAULT_ISOLATION)."""
    if not items:
        return []
    timeout = float(limits.get("parse_timeout_s", DEFAULT_ISOLATION["parse_timeout_s"]))
    memory = int(float(limits.get("parse_memory_mib", DEFAULT_ISOLATION["parse_memory_mib"])))
    ctx = {
        "definition": definition,
        "registry": title_registry(registry),  # a country's 40 000 rows: only what is checked
        "limits": limits,
        "memory_bytes": memory << 20,
    }
    results: list[FileResult | None] = [None] * len(items)
    pending = deque((i, os.path.abspath(p), f) for i, (p, f) in enumerate(items))
    sel = selectors.DefaultSelector()
    workers = [_Worker(ctx) for _ in range(max(1, min(jobs, len(items))))]
    for w in workers:  # started together, awaited one by one
        w.wait_ready()
        sel.register(w.fd, selectors.EVENT_READ, w)
    done_count = 0
    tick = progress(range(len(items))) if progress else None
    ticker = iter(tick) if tick is not None else None

    def finish(w: _Worker, res: FileResult, peak_kib: int) -> None:
        nonlocal done_count
        index, _path, _file = w.inflight.popleft()
        now = time.monotonic()
        res.parse_seconds = now - w.started
        res.worker_peak_mib = peak_kib / 1024
        w.started = now  # the worker goes on with the next one sent
        results[index] = res
        done_count += 1
        if ticker is not None:
            next(ticker, None)

    def fill(w: _Worker) -> None:
        while pending and len(w.inflight) < DEPTH:
            job = pending.popleft()
            try:
                w.send(job)
            except OSError:  # the worker is gone: its end of the pipe reports it
                pending.appendleft(job)
                return

    def replace(k: int, w: _Worker, code: str, what: str, peak: int) -> None:
        """The worker died or was killed reading its first file in flight: that file is
        rejected, the others go back to the queue for a new worker."""
        sel.unregister(w.fd)
        if w.inflight:
            _index, path, file = w.inflight[0]
            finish(w, failed(path, file, code, what), peak)
        pending.extendleft(reversed(w.inflight))
        w.inflight.clear()
        workers[k] = nw = _new(ctx)
        sel.register(nw.fd, selectors.EVENT_READ, nw)
        fill(nw)

    try:
        for w in workers:
            fill(w)
        while done_count < len(items):
            now = time.monotonic()
            busy = [w for w in workers if w.inflight]
            wait = min((w.started + timeout - now for w in busy), default=timeout)
            for key, _ev in sel.select(timeout=max(0.0, wait)):
                w = key.data
                frames, dead = w.feed()
                for res, peak in frames:
                    finish(w, res, peak)
                if dead:
                    peak = w.reap()
                    replace(workers.index(w), w, "read_memory",
                            MEMORY_TEXT.format(mib=memory), peak)  # fmt: skip
                else:
                    fill(w)
            now = time.monotonic()
            for k, w in enumerate(workers):
                if w.inflight and now - w.started > timeout:
                    peak = w.kill()
                    replace(k, w, "read_timeout", TIMEOUT_TEXT.format(sec=timeout), peak)
    finally:
        for w in workers:
            if w.inflight:  # pragma: no cover - only on an exception in the parent
                w.kill()
            else:
                w.close()
        sel.close()
    return results  # type: ignore[return-value]


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
    worker_main()
