"""The SQLite writer queue (firstcall/db/sqlite/base.py): writers take turns promptly, the queue is always
released when a transaction ends, and a stuck holder can never make others wait longer than the busy timeout."""

import threading

import pytest
from django.db import connection, connections, transaction

from firstcall.accounts.models import AuditEvent
from firstcall.db.sqlite.base import WriterQueue

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the writer queue is part of the SQLite backend only"
)


def test_a_second_writer_waits_for_the_first_and_then_gets_the_queue(tmp_path):
    lock_path = str(tmp_path / "db.sqlite3.writers")
    first, second = WriterQueue(lock_path, timeout_seconds=5), WriterQueue(lock_path, timeout_seconds=5)
    first.acquire()
    got_it = threading.Event()

    def wait_for_turn():
        second.acquire()
        got_it.set()

    waiter = threading.Thread(target=wait_for_turn)
    waiter.start()
    assert not got_it.wait(0.05)  # still held by the first writer
    first.release()
    waiter.join(timeout=5)
    assert got_it.is_set() and second.is_held
    second.close()
    first.close()


def test_a_stuck_holder_costs_at_most_the_timeout_and_then_sqlite_takes_over(tmp_path):
    lock_path = str(tmp_path / "db.sqlite3.writers")
    stuck, waiting = WriterQueue(lock_path, timeout_seconds=5), WriterQueue(lock_path, timeout_seconds=0.02)
    stuck.acquire()
    other_process_like = threading.Thread(target=waiting.acquire)  # another thread: no re-entry shortcut
    other_process_like.start()
    other_process_like.join(timeout=5)
    assert not other_process_like.is_alive()  # gave up after its timeout instead of hanging
    assert stuck.is_held and not waiting.is_held
    waiting.release()  # releasing what it never got is harmless
    assert stuck.is_held
    stuck.close()
    waiting.close()


@pytest.mark.django_db(transaction=True)
def test_the_queue_is_held_for_exactly_the_length_of_a_transaction():
    connection.ensure_connection()
    queue = connection.writer_queue
    assert queue is not None and not queue.is_held
    with transaction.atomic():
        AuditEvent.objects.create(action="test.queue", detail={})
        assert queue.is_held
    assert not queue.is_held
    with pytest.raises(RuntimeError), transaction.atomic():
        AuditEvent.objects.create(action="test.queue", detail={})
        raise RuntimeError("rolled back")
    assert not queue.is_held
    AuditEvent.objects.create(action="test.queue.autocommit", detail={})  # a lone write takes and frees it
    assert not queue.is_held
    assert AuditEvent.objects.filter(action__startswith="test.queue").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_nothing_and_never_see_database_is_locked():
    threads, writes_each = 6, 15
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def writer(index: int) -> None:
        try:
            start.wait()
            for number in range(writes_each):
                with transaction.atomic():
                    AuditEvent.objects.create(action="test.concurrent", detail={"thread": index, "n": number})
                    AuditEvent.objects.filter(
                        action="test.concurrent"
                    ).count()  # a read inside, as capture does
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    assert AuditEvent.objects.filter(action="test.concurrent").count() == threads * writes_each
