"""The reports, read from the daily rollups only: funnel, speed to lead, money (ROI) and cadences. Each answers
with the counts and sums behind every ratio, so a reader (or a script) can check the arithmetic. Who sees what:
a loan officer their own leads, a manager their teams' (and unassigned), an admin or an API key everything."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from firstcall.accounts.models import Organisation, Team, User
from firstcall.leads.models import Inquiry, IntakeRecord, Lead, LeadSource
from firstcall.portals.models import PartnerReferral
from firstcall.reports.engine.figures import (
    CONVERSION_LABELS,
    SPEED_KEYS,
    funnel,
    histogram_percentile,
    money_figures,
    percent,
    share_within,
)
from firstcall.reports.models import (
    CONVERSION_COLUMNS,
    HISTOGRAM_COLUMNS,
    DailyRollup,
    PeriodRollup,
    ReportSettings,
    SourceMonthlyFee,
)
from firstcall.reports.rollups import PERIOD_KEYS, applied_and_funded, day_bounds, month_end

GROUPINGS = ("source", "campaign", "lo", "loan_type", "week", "team", "hour")
MEASURES = (
    "leads",
    "duplicates",
    "contacted",
    "applied",
    "approved",
    "funded",
    "lost",
    "funded_amount",
    "lead_cost",
)


class ReportRefused(PermissionError):
    pass


@dataclass
class Filters:
    organisation_id: int
    date_from: date
    date_to: date
    by: str = ""
    source_ids: list[int] = field(default_factory=list)
    owner_ids: list[int] = field(default_factory=list)
    team_ids: list[int] = field(default_factory=list)
    loan_types: list[str] = field(default_factory=list)

    def as_query(self) -> dict:
        query = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}
        if self.by:
            query["by"] = self.by
        for name, values in (("source", self.source_ids), ("lo", self.owner_ids), ("team", self.team_ids),
                             ("loan_type", self.loan_types)):  # fmt: skip
            if values:
                query[name] = ",".join(str(value) for value in values)
        return query


def scope(user: User | None, organisation_id: int, field: str = "owner_id") -> Q:
    """The rows a person may read, by the person in `field` (a lead's owner, a call's caller, a task's assignee).
    None is the organisation itself (an API key or the command line)."""
    if user is None or user.is_org_admin:
        return Q()
    if user.role == User.Role.MANAGER:
        teams = list(user.managed_teams.values_list("pk", flat=True))
        members = User.teams.through.objects.filter(team_id__in=teams).values("user_id")
        return Q(**{f"{field}__in": members}) | Q(**{f"{field}__isnull": True}) | Q(**{field: user.pk})
    if user.role == User.Role.LOAN_OFFICER:
        return Q(**{field: user.pk})
    raise ReportRefused("Reports are for loan officers, managers and admins.")


def _period_keys(filters: Filters) -> str | None:
    """The set of period rows (PeriodRollup) that answers this grouping and these filters, or None when only the
    daily rows keep every key asked for."""
    if filters.by == "hour":
        keys = PeriodRollup.Keys.HOUR
    elif filters.by == "campaign":
        keys = PeriodRollup.Keys.CAMPAIGN
    else:
        keys = PeriodRollup.Keys.MAIN
    kept = PERIOD_KEYS[keys]
    if (filters.source_ids and "source_id" not in kept) or (filters.loan_types and "loan_type" not in kept):
        return None
    return keys


def periods(date_from: date, date_to: date, *, months: bool = True) -> dict[str, list[date]]:
    """The fewest whole months, weeks (from Monday) and single days that cover `date_from` to `date_to`: a year is
    some twelve months, a few weeks and a few days. Without months (a grouping by week), weeks and days."""
    chosen: dict[str, list[date]] = {"day": [], "week": [], "month": []}
    day = date_from
    while day <= date_to:
        next_month = month_end(day) + timedelta(days=1)
        if months and day.day == 1 and month_end(day) <= date_to:
            chosen["month"].append(day)
            day = next_month
        elif (day.weekday() == 0 and day + timedelta(days=6) <= date_to
              and not (months and day + timedelta(days=6) >= next_month and month_end(next_month) <= date_to)):  # fmt: skip
            chosen["week"].append(day)
            day += timedelta(days=7)
        else:
            chosen["day"].append(day)
            day += timedelta(days=1)
    return chosen


def rollups(user: User | None, filters: Filters) -> QuerySet:
    """The rollup rows behind a report: whole months, weeks and days of the period rows when they keep every key
    the grouping and filters need, else the daily rows."""
    keys = _period_keys(filters)
    if keys is None:
        rows = DailyRollup.objects.filter(
            organisation_id=filters.organisation_id, day__gte=filters.date_from, day__lte=filters.date_to
        )
    else:
        # Each branch names the whole index (organisation, keys, grain, day), so both databases read the rows
        # asked for through it; with organisation and keys outside the OR, SQLite read every day row of the year.
        spans = Q()
        for grain, days in periods(filters.date_from, filters.date_to, months=filters.by != "week").items():
            if days:
                spans |= Q(organisation_id=filters.organisation_id, keys=keys, grain=grain, day__in=days)
        rows = PeriodRollup.objects.filter(spans)
    rows = rows.filter(scope(user, filters.organisation_id))
    if filters.source_ids:
        rows = rows.filter(source_id__in=filters.source_ids)
    if filters.owner_ids:
        rows = rows.filter(owner_id__in=filters.owner_ids)
    if filters.team_ids:
        rows = rows.filter(team_id__in=filters.team_ids)
    if filters.loan_types:
        rows = rows.filter(loan_type__in=filters.loan_types)
    return rows


def _names(filters: Filters) -> dict[str, dict]:
    organisation_id = filters.organisation_id
    return {
        "source": dict(LeadSource.objects.filter(organisation_id=organisation_id).values_list("pk", "name")),
        "lo": {user.pk: (user.get_full_name() or user.username) for user in
               User.objects.filter(organisation_id=organisation_id)},
        "team": dict(Team.objects.filter(organisation_id=organisation_id).values_list("pk", "name")),
    }  # fmt: skip


def _group_key(row: dict, by: str):
    if by == "source":
        return row["source_id"]
    if by == "lo":
        return row["owner_id"]
    if by == "team":
        return row["team_id"]
    if by == "loan_type":
        return row["loan_type"]
    if by in ("campaign", "hour"):
        return row[by]
    if by == "week":
        return row["day"] - timedelta(days=row["day"].weekday())
    return "all"


def _label(key, by: str, names: dict) -> str:
    if by == "week":
        return f"Week of {key:%b %-d, %Y}"
    if by == "hour":
        return f"{key:02d}:00\u2013{(key + 1) % 24:02d}:00"
    if key in (None, ""):
        return {
            "source": "No source",
            "lo": "Unassigned",
            "team": "No team",
            "loan_type": "Not given",
            "campaign": "No campaign",
        }.get(  # fmt: skip
            by, "All"
        )
    if by in names:
        return str(names[by].get(key, key))
    if by == "campaign":
        return str(key)
    if by == "loan_type":
        return (
            str(key).replace("_", " ").upper() if len(str(key)) <= 4 else str(key).replace("_", " ").title()
        )
    return "All leads"


def grouped(user: User | None, filters: Filters) -> list[dict]:
    """One dict per group: every measure summed by the database, with the histograms and the conversion by speed
    put back together from their counter columns, ordered by label."""
    if filters.by and filters.by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    columns = [*MEASURES, *HISTOGRAM_COLUMNS, *CONVERSION_COLUMNS]
    sums = {column: Sum(column) for column in columns}
    key_field = {"source": "source_id", "lo": "owner_id", "team": "team_id", "loan_type": "loan_type",
                 "week": "day", "campaign": "campaign", "hour": "hour"}.get(filters.by)  # fmt: skip
    rows = rollups(user, filters)
    if key_field:
        aggregated = rows.values(key_field).annotate(**sums).order_by()
    else:
        totals = rows.aggregate(**sums)
        aggregated = [totals] if totals.get("leads") else []
    groups: dict = {}
    for row in aggregated:
        key = row.get(key_field) if key_field else "all"
        if filters.by == "week":
            key = key - timedelta(days=key.weekday())
        group = groups.setdefault(key, {column: 0 for column in columns})
        for column in columns:
            group[column] += row[column] or 0
    names = _names(filters) if filters.by in ("source", "lo", "team") else {}
    result = []
    for key, values in groups.items():
        result.append({
            "key": key, "label": _label(key, filters.by, names), **{m: values[m] for m in MEASURES},
            "first_touch": {k: values[f"touch_{k}"] for k in SPEED_KEYS if values[f"touch_{k}"]},
            "first_contact": {k: values[f"contact_{k}"] for k in SPEED_KEYS if values[f"contact_{k}"]},
            "conversion_by_speed": {
                label: [values[f"conversion_{index}_{m}"] for m in ("leads", "applied", "funded")]
                for index, label in enumerate(CONVERSION_LABELS)
            },
        })  # fmt: skip
    return sorted(
        result,
        key=lambda group: (
            group["key"] if filters.by == "hour" else str(group["key"]) if filters.by == "week"
            else group["label"].lower()
        ),
    )  # fmt: skip


def funnel_report(user, filters: Filters) -> dict:
    groups = []
    for group in grouped(user, filters):
        steps = funnel([("Leads", group["leads"]), ("Contacted", group["contacted"]),
                        ("Applied", group["applied"]), ("Approved", group["approved"]),
                        ("Funded", group["funded"])])  # fmt: skip
        groups.append({"key": _jsonable(group["key"]), "label": group["label"], "steps": [
            {"name": s.name, "count": s.count, "dropped": s.dropped, "from_previous_percent": s.from_previous,
             "from_first_percent": s.from_first} for s in steps]})  # fmt: skip
    return {"report": "funnel", "filters": filters.as_query(), "groups": groups}


def speed_report(user, filters: Filters) -> dict:
    groups = []
    for group in grouped(user, filters):
        touch, contact = group["first_touch"], group["first_contact"]
        within_1, everyone = share_within(contact, 60)
        within_5, _ = share_within(contact, 300)
        touched_1, _ = share_within(touch, 60)
        conversion = []
        for label in CONVERSION_LABELS:
            leads, applied, funded = group["conversion_by_speed"].get(label, [0, 0, 0])
            conversion.append({"bucket": label, "leads": leads, "applied": applied, "funded": funded,
                               "applied_percent": percent(applied, leads), "funded_percent": percent(funded, leads)})  # fmt: skip
        groups.append({
            "key": _jsonable(group["key"]), "label": group["label"], "leads": group["leads"],
            "first_touch_median_s": histogram_percentile(touch, 0.5),
            "first_touch_p90_s": histogram_percentile(touch, 0.9),
            "first_touch_within_1_min": touched_1,
            "first_contact_median_s": histogram_percentile(contact, 0.5),
            "first_contact_p90_s": histogram_percentile(contact, 0.9),
            "contacted_within_1_min": within_1, "contacted_within_5_min": within_5,
            "contacted_within_1_min_percent": percent(within_1, everyone),
            "contacted_within_5_min_percent": percent(within_5, everyone),
            "conversion_by_speed": conversion,
        })  # fmt: skip
    return {"report": "speed", "filters": filters.as_query(), "groups": groups}


def _monthly_fees(filters: Filters, source_ids: set | None) -> dict:
    """Each source's flat monthly fees over the period, prorated by the days of each month inside it."""
    fees: dict = defaultdict(Decimal)
    rows = SourceMonthlyFee.objects.filter(
        source__organisation_id=filters.organisation_id,
        month__lte=filters.date_to,
        month__gte=filters.date_from.replace(day=1),
    )
    for fee in rows:
        next_month = (fee.month.replace(day=28) + timedelta(days=4)).replace(day=1)
        days_in_month = (next_month - fee.month).days
        start, end = max(fee.month, filters.date_from), min(next_month - timedelta(days=1), filters.date_to)
        covered = (end - start).days + 1
        if covered > 0 and (source_ids is None or fee.source_id in source_ids):
            fees[fee.source_id] += fee.amount * covered / days_in_month
    return fees


def roi_report(user, filters: Filters) -> dict:
    chosen = ReportSettings.objects.filter(organisation_id=filters.organisation_id).first()
    bps = chosen.revenue_bps if chosen else Decimal(0)
    flat = chosen.revenue_flat if chosen else Decimal(0)
    groups = []
    fees = _monthly_fees(filters, None) if filters.by in ("source", "") and user is None or (
        user is not None and user.is_org_admin and filters.by in ("source", "")) else {}  # fmt: skip
    for group in grouped(user, filters):
        fee = fees.get(group["key"], Decimal(0)) if filters.by == "source" else sum(fees.values(), Decimal(0))
        figures = money_figures(
            leads=group["leads"], applications=group["applied"], funded=group["funded"],
            lead_cost=group["lead_cost"] + fee, funded_amount=group["funded_amount"], revenue_bps=bps,
            revenue_flat=flat,
        )  # fmt: skip
        groups.append({"key": _jsonable(group["key"]), "label": group["label"], "duplicates": group["duplicates"],
                       **{name: getattr(figures, name) for name in figures.__dataclass_fields__},
                       "monthly_fees": fee.quantize(Decimal("0.01"))})  # fmt: skip
    return {"report": "roi", "filters": filters.as_query(), "revenue_bps": bps, "revenue_flat": flat,
            "groups": groups}  # fmt: skip


def cadences_report(user, filters: Filters) -> dict:
    """Cadence step results per step and template: sent, delivered, replied, opted out."""
    from firstcall.cadences.models import StepRun

    runs = StepRun.objects.filter(
        enrolment__lead__organisation_id=filters.organisation_id,
        due_at__date__gte=filters.date_from,
        due_at__date__lte=filters.date_to,
    )
    if user is not None:
        runs = runs.filter(_lead_scope(user))
    rows = defaultdict(lambda: defaultdict(int))
    for run in runs.values(
        "step__version__cadence__name", "step__position", "step__kind", "step__template__name", "status",
        "message__status", "enrolment__status", "enrolment__stop_reason",
    ):  # fmt: skip
        key = (run["step__version__cadence__name"], run["step__position"], run["step__kind"],
               run["step__template__name"] or "")  # fmt: skip
        counts = rows[key]
        counts["due"] += 1
        counts[f"step_{run['status']}"] += 1
        if run["message__status"]:
            counts["sent"] += run["message__status"] in ("sent", "delivered")
            counts["delivered"] += run["message__status"] == "delivered"
            counts["failed"] += run["message__status"] == "failed"
            counts["suppressed"] += run["message__status"] == "suppressed"
        counts["ended_by_reply"] += run["enrolment__stop_reason"] == "replied"
        counts["ended_by_opt_out"] += run["enrolment__stop_reason"] == "opted_out"
    groups = [{"cadence": cadence, "step": position + 1, "kind": kind, "template": template, **counts,
               "reply_percent": percent(counts["ended_by_reply"], counts["sent"])}
              for (cadence, position, kind, template), counts in
              sorted(rows.items(), key=lambda item: (str(item[0][0]), item[0][1]))]  # fmt: skip
    return {"report": "cadences", "filters": filters.as_query(), "groups": groups}


def _lead_scope(user) -> Q:
    rows = scope(user, user.organisation_id)
    if not rows:
        return Q()
    from firstcall.leads.access import visible_leads

    return Q(enrolment__lead__in=visible_leads(user))


def vendor_credits(user, filters: Filters, source_id: int) -> list[dict]:
    """Duplicates and rejected deliveries from one vendor over the period, in the shape vendors take for credits."""
    from firstcall.accounts.models import Organisation
    from firstcall.reports.rollups import day_bounds

    scope(user, filters.organisation_id)
    organisation = Organisation.objects.get(pk=filters.organisation_id)
    start, _ = day_bounds(organisation, filters.date_from)
    _, end = day_bounds(organisation, filters.date_to)
    rows = []
    for inquiry in Inquiry.objects.filter(
        source_id=source_id, source__organisation_id=filters.organisation_id, received_at__gte=start,
        received_at__lt=end, lead__created_at__lt=start,
    ).values("received_at", "data", "match_reason"):  # fmt: skip
        rows.append({"received_at": inquiry["received_at"].isoformat(), "vendor_lead_id": _vendor_id(inquiry["data"]),
                     "reason": "duplicate", "detail": inquiry["match_reason"]})  # fmt: skip
    for record in IntakeRecord.objects.filter(
        source_id=source_id, organisation_id=filters.organisation_id, received_at__gte=start,
        received_at__lt=end, status="rejected",
    ).values("received_at", "idempotency_key", "reasons"):  # fmt: skip
        reasons = "; ".join(str(reason) for reason in (record["reasons"] or []))
        rows.append({"received_at": record["received_at"].isoformat(), "vendor_lead_id": record["idempotency_key"],
                     "reason": "invalid", "detail": reasons})  # fmt: skip
    return sorted(rows, key=lambda row: row["received_at"])


def _vendor_id(data) -> str:
    data = data or {}
    return str(data.get("external_id") or data.get("vendor_lead_id") or data.get("lead_id") or "")


def _jsonable(key):
    return key.isoformat() if isinstance(key, date) else key


# A lead stalls when it has waited in the same open stage for longer than this (docs/reports.md, "stalled"): the
# Activity report's stalls and the weekly digest's stalled leads are both this one figure.
STALLED_AFTER = timedelta(days=14)


def waiting_stays(user, filters: Filters):
    """Each lead's current stay in an open stage (not won, not lost), as the person may see it, with the report's
    filters (source, loan officer, team, loan type). Now, whatever the period."""
    from firstcall.leads.models import Stage
    from firstcall.reports.models import StageVisit

    return StageVisit.objects.filter(
        scope(user, filters.organisation_id) & _lead_filters(filters, ""),
        organisation_id=filters.organisation_id, left_at__isnull=True, stage__outcome=Stage.Outcome.OPEN,
    )  # fmt: skip


def is_stalled(now) -> Q:
    """The condition on a waiting stay (waiting_stays) that makes its lead stalled."""
    return Q(entered_at__lte=now - STALLED_AFTER)


def stalled_stays(user, filters: Filters, now):
    """The stalled leads' current stays, longest waiting first: what the digest lists and the Activity report
    counts per stage."""
    return waiting_stays(user, filters).filter(is_stalled(now)).order_by("entered_at", "lead_id")


def _activity_scope(user, filters: Filters) -> Q:
    """Activity rows a person may read (their leads' messages, calls they or their leads had) and the filters."""
    if user is None or user.is_org_admin:
        found = Q()
    else:
        found = scope(user, filters.organisation_id) & Q(channel__in=["sms", "email"]) | scope(
            user, filters.organisation_id, "actor_id"
        ) & Q(channel="call")  # fmt: skip
    if filters.source_ids:
        found &= Q(source_id__in=filters.source_ids)
    if filters.owner_ids:
        found &= Q(owner_id__in=filters.owner_ids)
    if filters.team_ids:
        found &= Q(team_id__in=filters.team_ids)
    if filters.loan_types:
        found &= Q(loan_type__in=filters.loan_types)
    return found


def _lead_filters(filters: Filters, lead: str) -> Q:
    """The report filters (source, loan officer, team, loan type) on rows reached through `lead`."""
    found = Q()
    if filters.source_ids:
        found &= Q(**{f"{lead}source_id__in": filters.source_ids})
    if filters.owner_ids:
        found &= Q(**{f"{lead}owner_id__in": filters.owner_ids})
    if filters.team_ids:
        members = User.teams.through.objects.filter(team_id__in=filters.team_ids).values("user_id")
        found &= Q(**{f"{lead}owner_id__in": members})
    if filters.loan_types:
        found &= Q(**{f"{lead}loan_type__in": filters.loan_types})
    return found


def activity_report(user, filters: Filters, now=None) -> dict:
    """What the team did and how leads moved: replies by channel and hour of sending, calls and how they went per
    loan officer, tasks overdue, days in each stage and where open leads stall. Every figure is a grouped count
    over the period's messages, calls and stage stays (bounded by the dates), never a walk through the leads."""
    from django.db.models import Avg, Count
    from django.utils import timezone

    from firstcall.accounts.models import Organisation
    from firstcall.cadences.models import CallTask
    from firstcall.leads.models import Stage
    from firstcall.messaging.models import Message
    from firstcall.pipeline.models import Task
    from firstcall.reports.models import ActivityRollup, StageVisit
    from firstcall.reports.rollups import CALL_OUTCOMES, REPLY_WINDOW, day_bounds

    now = now or timezone.now()
    organisation = Organisation.objects.get(pk=filters.organisation_id)
    start, _ = day_bounds(organisation, filters.date_from)
    _, end = day_bounds(organisation, filters.date_to)
    names = _names(filters)["lo"]

    # Messages and calls: sums of the activity rollups (docs/reports.md defines each figure).
    activity = ActivityRollup.objects.filter(
        _activity_scope(user, filters), organisation_id=filters.organisation_id, day__gte=filters.date_from,
        day__lte=filters.date_to,
    )  # fmt: skip
    by_channel: dict = defaultdict(lambda: [0, 0])
    by_hour: dict = defaultdict(lambda: [0, 0])
    for row in activity.exclude(channel="call").values("channel", "hour").annotate(
        sent=Sum("sent"), replied=Sum("replied")
    ).order_by():  # fmt: skip
        for bucket in (by_channel[row["channel"]], by_hour[row["hour"]]):
            bucket[0] += row["sent"] or 0
            bucket[1] += row["replied"] or 0
    channel_labels = dict(Message.ChannelKind.choices)
    replies_by_channel = [
        {"channel": channel, "label": channel_labels.get(channel, channel), "sent": counts[0],
         "replied": counts[1], "reply_percent": percent(counts[1], counts[0])}
        for channel, counts in sorted(by_channel.items()) if counts[0]
    ]  # fmt: skip
    replies_by_hour = [
        {"hour": hour, "label": f"{hour:02d}:00\u2013{(hour + 1) % 24:02d}:00", "sent": counts[0],
         "replied": counts[1], "reply_percent": percent(counts[1], counts[0])}
        for hour, counts in sorted(by_hour.items()) if counts[0]
    ]  # fmt: skip

    # Calls a person logged (not the calls the rules held back or refused), by who called and how it went.
    outcomes = list(CALL_OUTCOMES)
    calls_by_lo = []
    for row in activity.filter(channel="call").values("actor_id").annotate(
        **{outcome: Sum(outcome) for outcome in outcomes}
    ).order_by():  # fmt: skip
        counts = {outcome: row[outcome] or 0 for outcome in outcomes}
        total = sum(counts.values())
        if total:
            actor = row["actor_id"]
            calls_by_lo.append({"lo": actor, "label": names.get(actor, "Unknown") if actor else "Nobody",
                                "calls": total, "outcomes": counts,
                                "connected_percent": percent(counts["connected"], total)})  # fmt: skip
    calls_by_lo.sort(key=lambda row: row["label"].lower())

    # Tasks past due and not done, now: to-dos and cadence call tasks, by the person they are for.
    overdue: dict = defaultdict(lambda: {"tasks": 0, "call_tasks": 0})
    for row in (
        Task.objects.filter(
            scope(user, filters.organisation_id, "assignee_id"), organisation_id=filters.organisation_id,
            completed_at__isnull=True, due_at__lt=now,
        ).values("assignee_id").annotate(n=Count("pk")).order_by()
    ):  # fmt: skip
        overdue[row["assignee_id"]]["tasks"] += row["n"]
    for row in (
        CallTask.objects.filter(
            scope(user, filters.organisation_id, "owner_id"), organisation_id=filters.organisation_id,
            status=CallTask.Status.OPEN, due_at__lt=now,
        ).values("owner_id").annotate(n=Count("pk")).order_by()
    ):  # fmt: skip
        overdue[row["owner_id"]]["call_tasks"] += row["n"]
    tasks_overdue = sorted(
        ({"lo": who, "label": names.get(who, "Unknown") if who else "Nobody", **counts,
          "total": counts["tasks"] + counts["call_tasks"]} for who, counts in overdue.items()),
        key=lambda row: row["label"].lower(),
    )  # fmt: skip

    # Velocity: stays that ended in the period, and where open leads wait now (stalled: no move in two weeks).
    visits = StageVisit.objects.filter(
        scope(user, filters.organisation_id) & _lead_filters(filters, ""),
        organisation_id=filters.organisation_id,
    )
    left = {
        row["stage_id"]: row
        for row in visits.filter(left_at__gte=start, left_at__lt=end)
        .values("stage_id").annotate(left=Count("pk"), average=Avg("seconds")).order_by()
    }  # fmt: skip
    waiting = {
        row["stage_id"]: row
        for row in waiting_stays(user, filters)
        .values("stage_id")
        .annotate(now_in=Count("pk"), stalled=Count("pk", filter=is_stalled(now)))
        .order_by()
    }  # fmt: skip
    stages = Stage.objects.filter(pk__in=set(left) | set(waiting)).select_related("pipeline").order_by(
        "pipeline__name", "position"
    )  # fmt: skip
    velocity = []
    for stage in stages:
        gone, here = left.get(stage.pk, {}), waiting.get(stage.pk, {})
        average = gone.get("average")
        velocity.append({
            "stage_id": stage.pk, "stage": stage.name, "pipeline": stage.pipeline.name,
            "left": gone.get("left", 0), "seconds_in_stage": None if average is None else int(average),
            "average_days": None if average is None else Decimal(average / 86400).quantize(Decimal("0.1")),
            "now_in": here.get("now_in", 0), "stalled": here.get("stalled", 0),
            "stalled_percent": percent(here.get("stalled", 0), here.get("now_in", 0)),
        })  # fmt: skip
    cadence_steps = cadences_report(user, filters)["groups"]
    return {"report": "activity", "filters": filters.as_query(), "stalled_after_days": STALLED_AFTER.days,
            "reply_window_hours": int(REPLY_WINDOW.total_seconds() // 3600),
            "replies_by_channel": replies_by_channel, "replies_by_hour": replies_by_hour,
            "calls_by_lo": calls_by_lo, "call_outcomes": outcomes, "tasks_overdue": tasks_overdue,
            "velocity": velocity, "cadence_steps": cadence_steps, "groups": velocity}  # fmt: skip


def partners_report(user, filters: Filters) -> dict:
    """Each referral partner with the borrowers attributed to them who arrived in the period (through the partner
    portal, or naming the partner as their referral partner by any channel), how many applied and funded (the
    rollups' rules, reports.rollups.applied_and_funded) and the conversion (funded of referred). For admins and
    managers (a manager: their teams' leads and unassigned ones). Counts and conversion in the order of the
    partners' names: nothing is paid, credited or ranked for a referral (RESPA section 8, 12 U.S.C. 2607(a);
    REFERENCE.md 4.7)."""
    if user is not None and not (user.is_org_admin or user.role == User.Role.MANAGER):
        raise ReportRefused("The referral partner report is for managers and admins.")
    organisation = Organisation.objects.get(pk=filters.organisation_id)
    start, _ = day_bounds(organisation, filters.date_from)
    _, end = day_bounds(organisation, filters.date_to)
    partner_users = list(
        User.objects.filter(organisation=organisation, role=User.Role.PARTNER).order_by(
            "first_name", "last_name", "pk"
        )
    )
    leads = Lead.objects.filter(
        scope(user, organisation.pk), organisation=organisation, created_at__gte=start, created_at__lt=end,
        is_test=False,
    )  # fmt: skip
    if filters.source_ids:
        leads = leads.filter(source_id__in=filters.source_ids)
    if filters.owner_ids:
        leads = leads.filter(owner_id__in=filters.owner_ids)
    if filters.team_ids:
        members = User.teams.through.objects.filter(team_id__in=filters.team_ids).values("user_id")
        leads = leads.filter(owner_id__in=members)
    if filters.loan_types:
        leads = leads.filter(loan_type__in=filters.loan_types)
    referred: dict[int, set[int]] = defaultdict(set)
    for lead_id, partner_id in leads.filter(referral_partner__isnull=False).values_list(
        "pk", "referral_partner_id"
    ):
        referred[partner_id].add(lead_id)
    for lead_id, partner_id in PartnerReferral.objects.filter(lead__in=leads).values_list(
        "lead_id", "partner_id"
    ):
        referred[partner_id].add(lead_id)
    rows = list(
        leads.filter(pk__in={lead_id for ids in referred.values() for lead_id in ids}).values(
            "pk", "pipeline_id", "stage__position", "stage__outcome"
        )
    )
    outcome = applied_and_funded(organisation, rows)
    groups = []
    for partner in partner_users:
        ids = referred.get(partner.pk, set())
        applied = sum(outcome[lead_id][0] for lead_id in ids if lead_id in outcome)
        funded = sum(outcome[lead_id][1] for lead_id in ids if lead_id in outcome)
        groups.append({
            "key": partner.pk, "label": partner.get_full_name() or partner.email, "is_active": partner.is_active,
            "referrals": len(ids), "applications": applied, "funded": funded,
            "application_percent": percent(applied, len(ids)), "conversion_percent": percent(funded, len(ids)),
        })  # fmt: skip
    return {"report": "partners", "groups": groups}


REPORTS = {"funnel": funnel_report, "speed": speed_report, "roi": roi_report, "cadences": cadences_report,
           "activity": activity_report, "partners": partners_report}  # fmt: skip


def monthly_fee_total(filters: Filters) -> Decimal:
    return sum(_monthly_fees(filters, None).values(), Decimal(0))


def leads_total(user, filters: Filters) -> int:
    return rollups(user, filters).aggregate(total=Sum("leads"))["total"] or 0
