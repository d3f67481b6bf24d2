"""Small pure helpers of the workspace: the speed-to-lead clock text, money, and spreadsheet-safe CSV cells."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from firstcall.pipeline.board import humanize_seconds, money_full, sla_state
from firstcall.web.workspace.views import _cell

NOW = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)


def lead(**fields):
    values = {"first_human_contact_at": None, "respond_by": None, "sla_status": ""}
    values.update(fields)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    ("fields", "kind", "label"),
    [
        ({"respond_by": NOW + timedelta(minutes=4, seconds=30)}, "due", "4 min left"),
        ({"respond_by": NOW + timedelta(seconds=40)}, "due", "40 s left"),
        ({"respond_by": NOW - timedelta(hours=2, minutes=5)}, "overdue", "Overdue by 2 h 5 min"),
        ({"respond_by": NOW - timedelta(days=3)}, "overdue", "Overdue by 3 d"),
        ({"respond_by": NOW, "first_human_contact_at": NOW, "sla_status": "met"}, "met", "Contacted"),
        (
            {"respond_by": NOW, "first_human_contact_at": NOW, "sla_status": "breached"},
            "late",
            "Contacted late",
        ),
        ({}, "", ""),
    ],
)
def test_the_speed_to_lead_clock_says_what_is_left_or_how_late(fields, kind, label):
    state = sla_state(lead(**fields), NOW)
    assert (state.kind, state.label) == (kind, label)


def test_durations_read_like_a_person_would_say_them():
    assert [humanize_seconds(s) for s in (5, 59, 60, 3599, 3600, 5400, 47 * 3600, 49 * 3600)] == [
        "5 s", "59 s", "1 min", "59 min", "1 h", "1 h 30 min", "47 h", "2 d",
    ]  # fmt: skip


def test_money_is_rounded_half_up_to_whole_dollars():
    assert money_full(Decimal("337750.50")) == "$337,751"
    assert money_full(Decimal("0.49")) == "$0"
    assert money_full(None) == ""


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("@cmd", "'@cmd"),
        ("-2+3", "'-2+3"),
        ("+18135550199", "+18135550199"),
        ("-12.5", "-12.5"),
        ("Ana", "Ana"),
        (None, ""),
        (Decimal("100.00"), "100.00"),
    ],
)
def test_csv_cells_never_become_spreadsheet_formulas(value, cell):
    assert _cell(value) == cell
