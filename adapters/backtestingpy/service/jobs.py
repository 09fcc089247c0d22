"""Backtest jobs of the service: the in-memory registry and the worker pool (stdlib only).

Contract (docs/engines/backtestingpy.md, "The job"):
  * A job is created ``queued`` by ``JobRegistry.submit`` and moves to ``running`` when a worker
    takes it, then to exactly one final status: ``done`` (with a result), ``failed`` (with an
    error ``{"code": "invalid_argument" | "internal", "message"}``) or ``cancelled``.
  * The work is done by a *runner*: ``runner(request, progress, is_cancelled) -> result dict``,
    where ``progress(fraction)`` reports the share of bars seen and ``is_cancelled()`` turns true
    once a cancel was requested. The runner may raise ``CancelledRun`` (-> cancelled),
    ``InvalidRun(message, field)`` (-> failed, invalid_argument) or anything else (-> failed,
    internal, message "<ExceptionType>: <text>"; the traceback goes to stderr only).
  * Cancel (``JobRegistry.cancel``): a queued job becomes ``cancelled`` at once; a running job is
    flagged and ends ``cancelled`` whatever its runner returns afterwards; a finished job is
    forgotten. A result that cannot be serialised as strict JSON fails the job (internal).
  * The registry holds at most ``capacity`` jobs (500): when full, the oldest finished job is
    evicted; when every held job is still queued or running, ``submit`` raises ``RegistryFull``.
  * Progress never decreases and is 1 once done. The request's bars are released when the job
    ends; the result is serialised once, when the job ends.
  * Everything is thread-safe (one lock per registry).
"""
from __future__ import annotations

import collections
import datetime
import json
import sys
import threading
import traceback
import uuid
from dataclasses import dataclass

FINAL = frozenset({'done', 'failed', 'cancelled'})


class CancelledRun(Exception):
    """Raised by a runner that stopped because its job was cancelled."""


class InvalidRun(Exception):
    """Raised by a runner when the request cannot be run; the job fails with invalid_argument."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class RegistryFull(Exception):
    """Every job the registry may hold is still queued or running."""


@dataclass(frozen=True)
class RunRequest:
    """A validated ``POST /backtest/run`` body.

    params: coerced catalogue parameters as given (absent ones absent); settings: every settings
    key, defaults filled; data: 'time' (array 'q', ns), 'open'/'high'/'low'/'close' (array 'd'),
    'volume' (array 'd' or None when omitted); run_key: the client's key for the run, or None.
    """
    strategy: str
    params: dict
    settings: dict
    data: dict
    run_key: str | None = None

    @property
    def bars(self) -> int:
        return len(self.data['time'])


def utc_now() -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime('%Y-%m-%dT%H:%M:%S.') + f'{now.microsecond // 1000:03d}Z'


class Job:
    """One backtest; its mutable fields are guarded by the registry's lock."""

    def __init__(self, request: RunRequest, library_version: str, service_version: str):
        self.id = uuid.uuid4().hex
        self.request = request
        self.strategy = request.strategy
        self.run_key = request.run_key
        self.bars = request.bars
        self.status = 'queued'
        self.progress = 0.0
        self.created_at = utc_now()
        self.started_at = None
        self.finished_at = None
        self.error = None
        self.result_text = None  # the result, serialised once when the job ends `done`
        self.cancel_requested = threading.Event()
        self.library_version = library_version
        self.service_version = service_version

    def summary(self) -> dict:
        """The job without its result (what history lists)."""
        return {'id': self.id, 'run_key': self.run_key, 'status': self.status,
                'progress': self.progress,
                'strategy': self.strategy, 'bars': self.bars, 'created_at': self.created_at,
                'started_at': self.started_at, 'finished_at': self.finished_at,
                'service_version': self.service_version,
                'library_version': self.library_version, 'error': self.error}

    def to_json(self) -> str:
        """The job as ``GET /backtest/results/{id}`` answers it (result only when done)."""
        text = json.dumps(self.summary(), allow_nan=False)
        if self.status == 'done' and self.result_text is not None:
            text = text[:-1] + ', "result": ' + self.result_text + '}'
        return text


class JobRegistry:
    """The last `capacity` jobs, a FIFO queue of the queued ones, and their state changes."""

    def __init__(self, capacity: int = 500):
        self.capacity = capacity
        self._jobs: dict[str, Job] = {}  # insertion order = creation order
        self._queue: collections.deque[Job] = collections.deque()
        self._cond = threading.Condition()
        self._closed = False

    # ---- clients
    def submit(self, job: Job) -> tuple:
        """(the job, True) once queued; (the earlier job, False) when a job the registry still
        holds has the same run_key: a repeated submit never runs twice."""
        with self._cond:
            if job.run_key is not None:
                for held in self._jobs.values():
                    if held.run_key == job.run_key:
                        return held, False
            if len(self._jobs) >= self.capacity:
                self._evict_one()
            self._jobs[job.id] = job
            self._queue.append(job)
            self._cond.notify()
        return job, True

    def _evict_one(self):
        for jid, job in self._jobs.items():
            if job.status in FINAL:
                del self._jobs[jid]
                return
        raise RegistryFull(f'{len(self._jobs)} jobs are queued or running; retry later')

    def get(self, job_id: str) -> Job | None:
        with self._cond:
            return self._jobs.get(job_id)

    def render(self, job_id: str) -> str | None:
        """The job's JSON text, taken under the lock (a consistent snapshot), or None."""
        with self._cond:
            job = self._jobs.get(job_id)
            return None if job is None else job.to_json()

    def history(self, limit: int, run_key: str | None = None) -> list:
        """The newest `limit` jobs, newest first; only those with `run_key` when given."""
        with self._cond:
            jobs = [j for j in self._jobs.values() if run_key is None or j.run_key == run_key]
            return [job.summary() for job in jobs[::-1][:limit]]

    def counts(self) -> tuple:
        """(running, queued)."""
        with self._cond:
            running = sum(1 for j in self._jobs.values() if j.status == 'running')
            return running, len(self._queue)

    def cancel(self, job_id: str) -> str | None:
        """'cancelling' (queued or running), 'forgotten' (finished), None (unknown id)."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.status in FINAL:
                del self._jobs[job_id]
                return 'forgotten'
            job.cancel_requested.set()
            if job.status == 'queued':
                self._queue.remove(job)
                self._finish_locked(job, 'cancelled')
            return 'cancelling'

    # ---- workers
    def take(self) -> Job | None:
        """The next queued job, now running; blocks; None once the registry is closed."""
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            job = self._queue.popleft()
            job.status = 'running'
            job.started_at = utc_now()
            return job

    def set_progress(self, job: Job, fraction) -> None:
        try:
            fraction = min(1.0, max(0.0, float(fraction)))
        except (TypeError, ValueError):
            return
        with self._cond:
            if job.status == 'running' and fraction > job.progress:
                job.progress = fraction

    def finish(self, job: Job, status: str, result_text: str | None = None,
               error: dict | None = None) -> None:
        with self._cond:
            if job.cancel_requested.is_set():
                status, result_text, error = 'cancelled', None, None
            self._finish_locked(job, status, result_text, error)

    def _finish_locked(self, job, status, result_text=None, error=None):
        job.status = status
        job.finished_at = utc_now()
        job.error = error
        job.result_text = result_text
        job.request = None  # release the bars
        if status == 'done':
            job.progress = 1.0

    def close(self) -> None:
        """Stop handing out jobs and flag every running job for cancellation."""
        with self._cond:
            self._closed = True
            for job in self._jobs.values():
                if job.status == 'running':
                    job.cancel_requested.set()
            self._cond.notify_all()


def describe_exception(exc: BaseException) -> str:
    text = str(exc)
    return f'{type(exc).__name__}: {text}' if text else type(exc).__name__


class WorkerPool:
    """`workers` threads taking jobs from a registry and running them with `runner`."""

    def __init__(self, registry: JobRegistry, runner, workers: int):
        self.registry = registry
        self.runner = runner
        self.threads = [threading.Thread(target=self._loop, name=f'backtest-worker-{i}',
                                         daemon=True) for i in range(workers)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self, timeout: float) -> None:
        for t in self.threads:
            t.join(timeout)

    def _loop(self) -> None:
        while True:
            job = self.registry.take()
            if job is None:
                return
            self.run_one(job)

    def run_one(self, job: Job) -> None:
        registry = self.registry
        try:
            result = self.runner(job.request, lambda f: registry.set_progress(job, f),
                                 job.cancel_requested.is_set)
            if not isinstance(result, dict):
                raise TypeError(f'the runner answered {type(result).__name__}, not a result object')
            text = json.dumps(result, allow_nan=False)
        except CancelledRun:
            registry.finish(job, 'cancelled')
        except InvalidRun as exc:
            message = str(exc)
            if exc.field and not message.startswith(exc.field):
                message = f'{exc.field}: {message}'
            registry.finish(job, 'failed', error={'code': 'invalid_argument', 'message': message})
        except Exception as exc:  # noqa: BLE001 - any runner failure fails the job, not the worker
            sys.stderr.write(f'job {job.id} ({job.strategy}, {job.bars} bars) failed:\n'
                             + traceback.format_exc())
            sys.stderr.flush()
            registry.finish(job, 'failed',
                            error={'code': 'internal', 'message': describe_exception(exc)})
        else:
            registry.finish(job, 'done', result_text=text)
