"""The planner-statistics sweep: ANALYZE on SQLite when the lead table's statistics are missing or stale."""

import pytest
from django.core.cache import cache
from django.db import connection
from workspace_helpers import make_lead

from firstcall.pipeline import maintenance

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner statistics")


def lead_statistics() -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return []
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'leads_lead'")
        return [row[0] for row in cursor.fetchall()]


def forget_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone()[0]:
            cursor.execute("DELETE FROM sqlite_stat1")


@sqlite_only
def test_a_small_lead_table_needs_no_statistics(organisation):
    make_lead(organisation)
    forget_statistics()

    assert maintenance.refresh_planner_statistics() == 0
    assert lead_statistics() == []


@sqlite_only
def test_missing_then_stale_statistics_are_gathered_and_fresh_ones_left_alone(organisation, monkeypatch):
    monkeypatch.setattr(maintenance, "SMALL_TABLE_ROWS", 1)
    for _ in range(4):
        make_lead(organisation)
    forget_statistics()

    assert maintenance.refresh_planner_statistics() == 1
    assert lead_statistics()[0].split()[0] == "4"
    assert maintenance.refresh_planner_statistics() == 0  # checked at most every CHECK_SECONDS

    cache.clear()
    assert maintenance.refresh_planner_statistics() == 0  # still fresh

    for _ in range(2):
        make_lead(organisation)  # grew by half
    cache.clear()
    assert maintenance.refresh_planner_statistics() == 1
    assert lead_statistics()[0].split()[0] == "6"


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL keeps its own statistics")
def test_postgresql_needs_nothing(db):
    assert maintenance.refresh_planner_statistics(force=True) == 0
