"""Speed-to-lead figures: pure functions over plain rows, so the maths is tested without a database."""

import math
from dataclasses import dataclass
from datetime import datetime


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p50 = median of an odd list); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class SpeedRow:
    group: str
    leads: int
    touched: int
    first_touch_p50_s: float | None
    first_touch_p90_s: float | None
    contacted: int
    human_p50_min: float | None
    human_p90_min: float | None
    sla_met: int
    sla_breached: int

    @property
    def sla_met_percent(self) -> float | None:
        judged = self.sla_met + self.sla_breached
        return round(100 * self.sla_met / judged, 1) if judged else None


def speed_rows(leads: list[dict], key: str, names: dict) -> list[SpeedRow]:
    """leads: dicts with created_at, first_touch_at, first_human_contact_at, sla_status and the grouping key."""
    groups: dict = {}
    for lead in leads:
        groups.setdefault(lead.get(key), []).append(lead)
    rows = []
    for group_key, members in groups.items():
        touch = [_seconds(m["created_at"], m["first_touch_at"]) for m in members if m["first_touch_at"]]
        human = [_seconds(m["created_at"], m["first_human_contact_at"]) / 60 for m in members
                 if m["first_human_contact_at"]]  # fmt: skip
        rows.append(
            SpeedRow(
                group=names.get(group_key, "Unassigned" if group_key is None else str(group_key)),
                leads=len(members),
                touched=len(touch),
                first_touch_p50_s=_round(percentile(touch, 0.5)),
                first_touch_p90_s=_round(percentile(touch, 0.9)),
                contacted=len(human),
                human_p50_min=_round(percentile(human, 0.5)),
                human_p90_min=_round(percentile(human, 0.9)),
                sla_met=sum(1 for m in members if m["sla_status"] == "met"),
                sla_breached=sum(1 for m in members if m["sla_status"] == "breached"),
            )
        )
    return sorted(rows, key=lambda row: row.group.lower())


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def bar_chart(rows: list[SpeedRow], attribute: str, *, width: int = 560, bar_height: int = 22) -> dict:
    """Geometry for an inline SVG bar chart (no JavaScript): one bar per row."""
    values = [getattr(row, attribute) or 0 for row in rows]
    largest = max(values) if values and max(values) > 0 else 1
    label_width = 170
    bars = []
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        length = (width - label_width - 60) * value / largest
        bars.append({"label": row.group, "value": value, "y": index * (bar_height + 8), "length": round(length, 1),
                     "text_x": round(label_width + length + 6, 1)})  # fmt: skip
    return {"bars": bars, "height": len(bars) * (bar_height + 8), "width": width, "label_width": label_width,
            "bar_height": bar_height}  # fmt: skip
