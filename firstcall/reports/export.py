"""Reports as CSV rows: every chart's numbers, flattened the same way for the page, the API and the command."""

import csv
import io


def flat_rows(report: dict) -> list[dict]:
    rows = []
    if report["report"] == "activity":
        for table in ("replies_by_channel", "replies_by_hour", "calls_by_lo", "tasks_overdue", "velocity",
                      "cadence_steps"):  # fmt: skip
            for row in report[table]:
                flat = {key: value for key, value in row.items() if key != "outcomes"}
                flat.update({f"calls_{name}": count for name, count in (row.get("outcomes") or {}).items()})
                rows.append({"table": table, **flat})
        return rows
    for group in report["groups"]:
        if report["report"] == "funnel":
            for step in group["steps"]:
                rows.append({"group": group["label"], **step})
        elif report["report"] == "speed":
            base = {key: value for key, value in group.items() if key not in ("conversion_by_speed", "key")}
            rows.append(base)
        else:
            rows.append({key: value for key, value in group.items() if key != "key"})
    return rows


def to_csv(report: dict) -> str:
    rows = flat_rows(report)
    out = io.StringIO()
    if not rows:
        out.write("no data\n")
        return out.getvalue()
    columns = list(dict.fromkeys(column for row in rows for column in row))
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return out.getvalue()
