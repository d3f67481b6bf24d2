"""SQLite with a prompt queue for writers.

SQLite allows one writer at a time. A connection that finds the write lock taken waits in SQLite's busy
handler, which sleeps in growing steps (up to 100 ms) and retries; under steady concurrent writes (the web
server's threads and processes capturing leads while task workers send messages) a waiting writer can sleep
through many releases of the lock and lose the race each time, so a few requests wait seconds while the
database sits idle between sleeps.

This backend puts writers in a short queue first: an exclusive `flock` on a lock file beside the database,
held from `BEGIN IMMEDIATE` to `COMMIT`/`ROLLBACK` (and around single writes outside a transaction), so writers
hand the lock to each other within about a millisecond instead of after the busy handler's next sleep. The
queue is polled in short steps and gives up after the busy timeout, after which SQLite's own busy handling
applies unchanged, so a stuck process can never make another one wait longer than before. Readers never take
it (WAL lets them read beside the writer). In-memory databases are left alone.
"""

import fcntl
import os
import threading
import time

from django.db.backends.sqlite3 import base

WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
POLL_STEPS_SECONDS = (0.0002, 0.0005, 0.001)  # then every millisecond until the timeout


class WriterQueue:
    """One per connection (each opens its own file description, so threads of one process queue too)."""

    # Threads holding a queue through some connection: such a thread never waits for another of its own
    # connections (that could only deadlock); SQLite's busy handling applies there, as without the queue.
    _holders: dict[int, int] = {}
    _holders_lock = threading.Lock()

    def __init__(self, lock_path: str, timeout_seconds: float):
        self.lock_path = lock_path
        self.timeout_seconds = timeout_seconds
        self.fd: int | None = None
        self.holder: int | None = None

    @property
    def is_held(self) -> bool:
        return self.holder is not None

    def acquire(self) -> None:
        thread = threading.get_ident()
        if self.is_held or self._holders.get(thread):
            return
        if self.fd is None:
            self.fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout_seconds
        step = 0
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # fall back to SQLite's busy timeout, as without the queue
                time.sleep(POLL_STEPS_SECONDS[min(step, len(POLL_STEPS_SECONDS) - 1)])
                step += 1
        self.holder = thread
        with self._holders_lock:
            self._holders[thread] = self._holders.get(thread, 0) + 1

    def release(self) -> None:
        if self.holder is None:
            return
        with self._holders_lock:
            remaining = self._holders.get(self.holder, 1) - 1
            if remaining:
                self._holders[self.holder] = remaining
            else:
                self._holders.pop(self.holder, None)
        self.holder = None
        fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.release()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class QueuedCursorWrapper(base.SQLiteCursorWrapper):
    writer_queue: WriterQueue | None = None

    def execute(self, query, params=None):
        if self._is_lone_write(query):
            self.writer_queue.acquire()
            try:
                return super().execute(query, params)
            finally:
                self.writer_queue.release()
        return super().execute(query, params)

    def executemany(self, query, param_list):
        if self._is_lone_write(query):
            self.writer_queue.acquire()
            try:
                return super().executemany(query, param_list)
            finally:
                self.writer_queue.release()
        return super().executemany(query, param_list)

    def _is_lone_write(self, query) -> bool:
        """A write outside any transaction (autocommit): it takes SQLite's write lock for itself."""
        return (
            self.writer_queue is not None
            and not self.connection.in_transaction
            and query.lstrip()[:7].upper().startswith(WRITE_STATEMENTS)
        )


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.writer_queue: WriterQueue | None = None

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        name = str(self.settings_dict["NAME"])
        if self.writer_queue is None and not self.is_in_memory_db():
            timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
            self.writer_queue = WriterQueue(f"{name}.writers", timeout)
        return connection

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=QueuedCursorWrapper)
        cursor.writer_queue = self.writer_queue
        return cursor

    def _start_transaction_under_autocommit(self):
        if self.writer_queue is not None:
            self.writer_queue.acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_queue()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_writer_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_writer_queue()

    def close(self):
        try:
            super().close()
        finally:
            if self.writer_queue is not None:
                self.writer_queue.close()

    def _release_writer_queue(self) -> None:
        if self.writer_queue is not None:
            self.writer_queue.release()
