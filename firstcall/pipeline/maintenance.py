"""Keeping SQLite's query planner informed, so the workspace pages stay fast as leads accumulate.

Without statistics, SQLite assumes every index is selective. On a lead table that belongs to one organisation
(the usual SQLite install) it then reads all leads through the (organisation, ...) indexes, one row lookup
each, instead of reading the table: bench/workspace.py measured the board, search and My day 1.5-3x slower
at 50,000 leads. ANALYZE records how selective each index really is (https://sqlite.org/lang_analyze.html,
https://sqlite.org/queryplanner-ng.html#howtofix). PostgreSQL's autovacuum keeps its own statistics, so this
does nothing there.

`refresh_planner_statistics` is a sweep (add "firstcall.pipeline.maintenance.refresh_planner_statistics" to
firstcall/sweeps.py SWEEPS): at most every CHECK_SECONDS per process it compares the lead count with the count
ANALYZE last saw, and runs ANALYZE when there were no statistics or the table has grown or shrunk by a quarter.
"""

import logging

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

CHECK_SECONDS = 600
GROWTH_THAT_NEEDS_ANALYZE = 0.25
SMALL_TABLE_ROWS = 1000
LEAD_TABLE = "leads_lead"


def planner_statistics_are_stale() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(LEAD_TABLE)}")  # noqa: S608 - constant
        current_rows = cursor.fetchone()[0]
        if current_rows < SMALL_TABLE_ROWS:
            return False  # small tables plan well either way
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return True
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [LEAD_TABLE])
        row = cursor.fetchone()
    if row is None:
        return True
    analysed_rows = int(str(row[0]).split()[0])
    return abs(current_rows - analysed_rows) > GROWTH_THAT_NEEDS_ANALYZE * max(analysed_rows, 1)


def refresh_planner_statistics(*, force: bool = False) -> int:
    """Run ANALYZE on SQLite when the statistics are missing or stale; returns 1 when it ran."""
    if connection.vendor != "sqlite":
        return 0
    if not force and not cache.add("firstcall:planner-statistics-checked", True, CHECK_SECONDS):
        return 0
    if not force and not planner_statistics_are_stale():
        return 0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    logger.info("Refreshed SQLite query planner statistics (ANALYZE)")
    return 1
