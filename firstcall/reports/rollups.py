"""Daily rollups: one row per (day of arrival, source, loan officer, loan type, pipeline) with the funnel counts,
money and speed histograms of that day's leads. A day is rebuilt whole from its leads whenever one of them
changes (the worker marks it stale from the domain events), and `firstcall reports rebuild` rebuilds them all."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Exists, F, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from firstcall.accounts.models import Organisation, User
from firstcall.leads.models import Inquiry, Lead, Stage, TimelineEvent
from firstcall.leads.timeline import CallOutcome
from firstcall.messaging.models import Message
from firstcall.reports.engine.figures import bucket_of, conversion_index
from firstcall.reports.models import (
    CONVERSION_COLUMNS,
    HISTOGRAM_COLUMNS,
    ActivityRollup,
    DailyRollup,
    FundedLoan,
    PeriodRollup,
    ReportSettings,
    StageVisit,
    StaleDay,
)

# Which stage counts as each funnel step, by name, unless the organisation chose others (ReportSettings).
DEFAULT_STEP_STAGES = {"contacted": "Contacted", "applied": "Application", "approved": "Clear to close"}
VENDOR_COST_KEYS = ("lead_cost", "cost", "price", "bid", "cpl")


def zone_of(organisation) -> ZoneInfo:
    try:
        return ZoneInfo(organisation.time_zone or "America/New_York")
    except (KeyError, ValueError):
        return ZoneInfo("America/New_York")


def day_bounds(organisation, day: date) -> tuple[datetime, datetime]:
    zone = zone_of(organisation)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def arrival_day(organisation, moment: datetime) -> date:
    return moment.astimezone(zone_of(organisation)).date()


def mark_stale(organisation_id: int, day: date) -> None:
    StaleDay.objects.get_or_create(organisation_id=organisation_id, day=day)


def mark_lead_stale(lead_id: int) -> bool:
    lead = Lead.objects.filter(pk=lead_id).select_related("organisation").only(
        "created_at", "organisation__time_zone", "organisation_id"
    ).first()  # fmt: skip
    if lead is None:
        return False
    mark_stale(lead.organisation_id, arrival_day(lead.organisation, lead.created_at))
    return True


def _step_positions(organisation) -> dict[int, dict[str, int]]:
    """pipeline id -> {step: position of the stage that counts as reaching it}."""
    chosen = (
        ReportSettings.objects.filter(organisation=organisation)
        .values_list("funnel_stages", flat=True)
        .first()
    )
    positions: dict[int, dict[str, int]] = defaultdict(dict)
    stages = Stage.objects.filter(pipeline__organisation=organisation).values(
        "pipeline_id", "pipeline__kind", "name", "position"
    )
    for stage in stages:
        names = {**DEFAULT_STEP_STAGES, **((chosen or {}).get(stage["pipeline__kind"]) or {})}
        for step, name in names.items():
            if stage["name"].lower() == str(name).lower():
                positions[stage["pipeline_id"]][step] = stage["position"]
    return positions


def _furthest_positions(lead_ids: list[int]) -> dict[int, int]:
    """Each lead's furthest open or won stage reached, from its stage history (a lost lead keeps how far it got)."""
    reached: dict[int, set[int]] = defaultdict(set)
    for lead_id, data in TimelineEvent.objects.filter(
        lead_id__in=lead_ids, kind=TimelineEvent.Kind.STAGE_CHANGED
    ).values_list("lead_id", "data"):
        if isinstance(data, dict) and data.get("to_stage_id"):
            reached[lead_id].add(data["to_stage_id"])
    stage_ids = {stage_id for ids in reached.values() for stage_id in ids}
    position_of = dict(
        Stage.objects.filter(pk__in=stage_ids)
        .exclude(outcome=Stage.Outcome.LOST)
        .values_list("pk", "position")
    )
    return {
        lead_id: max((position_of[s] for s in ids if s in position_of), default=-1)
        for lead_id, ids in reached.items()
    }


def _reached_and_won(lead: dict, furthest: dict, funded_lead_ids, positions: dict) -> tuple[int, bool]:
    """How far the lead got (its furthest stage position; a lost lead keeps how far it got) and whether it funded:
    a won stage, the loan system's word, or the stage the organisation chose as funded (if any)."""
    reached = max(
        furthest.get(lead["pk"], -1), lead["stage__position"] if lead["stage__outcome"] != "lost" else -1
    )
    won = (
        lead["stage__outcome"] == Stage.Outcome.WON
        or lead["pk"] in funded_lead_ids
        or reached >= positions.get("funded", 10**6)
    )
    return reached, won


def applied_and_funded(organisation, leads: list[dict]) -> dict[int, tuple[bool, bool]]:
    """Whether each lead applied and funded, by the same rules as the rollups' counts (for reports read from the
    leads themselves). Each lead is a dict with pk, pipeline_id, stage__position and stage__outcome."""
    ids = [lead["pk"] for lead in leads]
    furthest = _furthest_positions(ids)
    funded_ids = set(FundedLoan.objects.filter(lead_id__in=ids).values_list("lead_id", flat=True))
    steps = _step_positions(organisation)
    result = {}
    for lead in leads:
        positions = steps.get(lead["pipeline_id"], {})
        reached, won = _reached_and_won(lead, furthest, funded_ids, positions)
        result[lead["pk"]] = (won or reached >= positions.get("applied", 10**6), won)
    return result


def _vendor_cost(data: dict) -> Decimal | None:
    for key in VENDOR_COST_KEYS:
        value = (data or {}).get(key)
        if value not in (None, ""):
            try:
                return Decimal(str(value).replace("$", "").replace(",", "").strip())
            except InvalidOperation:
                return None
    return None


def _loan_amount(lead: dict) -> Decimal:
    if lead["purchase_price"] is not None:
        return lead["purchase_price"] - (lead["down_payment"] or 0)
    return lead["loan_balance"] or Decimal(0)


def rebuild_day(organisation: Organisation, day: date) -> int:
    return rebuild_days(organisation, day, day)


def rebuild_days(organisation: Organisation, first: date, last: date) -> int:
    """Rebuild the rollups of every day from `first` to `last` (inclusive) from their leads, in one pass."""
    start, _ = day_bounds(organisation, first)
    _, end = day_bounds(organisation, last)
    zone = zone_of(organisation)
    leads = list(
        Lead.objects.filter(organisation=organisation, created_at__gte=start, created_at__lt=end, is_test=False).values(
            "pk", "source_id", "owner_id", "loan_type", "pipeline_id", "pipeline__kind", "stage__position",
            "stage__outcome", "first_touch_at", "first_human_contact_at", "created_at", "purchase_price",
            "down_payment", "loan_balance", "source__cost_per_lead", "utm_campaign",
        )
    )  # fmt: skip
    ids = [lead["pk"] for lead in leads]
    furthest, funded_loans, vendor_costs = {}, {}, {}
    for chunk_start in range(0, len(ids), 5000):
        chunk = ids[chunk_start : chunk_start + 5000]
        furthest.update(_furthest_positions(chunk))
        rebuild_stage_visits(chunk)
        funded_loans.update(FundedLoan.objects.filter(lead_id__in=chunk).values_list("lead_id", "amount"))
        first_inquiry = (
            Inquiry.objects.filter(lead_id__in=chunk)
            .values("lead_id")
            .annotate(first=Min("pk"))
            .values("first")
        )
        vendor_costs.update(
            (lead_id, _vendor_cost(data))
            for lead_id, data in Inquiry.objects.filter(pk__in=first_inquiry).exclude(data={}).values_list(
                "lead_id", "data"
            )
        )  # fmt: skip
    steps = _step_positions(organisation)
    team_of = dict(
        User.teams.through.objects.filter(user_id__in={lead["owner_id"] for lead in leads if lead["owner_id"]})
        .values_list("user_id", "team_id")
    )  # fmt: skip
    rows: dict[tuple, dict] = {}

    def row_for(day, source_id, owner_id, loan_type, pipeline_kind, campaign, hour):
        key = (day, source_id, owner_id, loan_type or "", pipeline_kind or "", campaign or "", hour)
        if key not in rows:
            rows[key] = {
                **COUNTERS, "organisation_id": organisation.pk, "day": day, "source_id": source_id,
                "owner_id": owner_id, "team_id": team_of.get(owner_id), "loan_type": loan_type or "",
                "pipeline_kind": pipeline_kind or "", "campaign": campaign or "", "hour": hour, "funded_amount": Decimal(0), "lead_cost": Decimal(0),
            }  # fmt: skip
        return rows[key]

    for lead in leads:
        arrived = lead["created_at"].astimezone(zone)
        row = row_for(arrived.date(), lead["source_id"], lead["owner_id"], lead["loan_type"], lead["pipeline__kind"],
                      lead["utm_campaign"], arrived.hour)  # fmt: skip
        positions = steps.get(lead["pipeline_id"], {})
        reached, won = _reached_and_won(lead, furthest, funded_loans, positions)
        contacted = lead["first_human_contact_at"] is not None or reached >= positions.get("contacted", 10**6)
        applied = won or reached >= positions.get("applied", 10**6)
        approved = won or reached >= positions.get("approved", 10**6)
        row["leads"] += 1
        row["contacted"] += contacted
        row["applied"] += applied
        row["approved"] += approved
        row["funded"] += won
        row["lost"] += lead["stage__outcome"] == Stage.Outcome.LOST
        if won:
            row["funded_amount"] += funded_loans.get(lead["pk"]) or _loan_amount(lead)
        vendor_cost = vendor_costs.get(lead["pk"])
        row["lead_cost"] += vendor_cost if vendor_cost is not None else (lead["source__cost_per_lead"] or 0)
        row["touch_" + bucket_of(_seconds(lead["created_at"], lead["first_touch_at"]))] += 1
        contact_seconds = _seconds(lead["created_at"], lead["first_human_contact_at"])
        row["contact_" + bucket_of(contact_seconds)] += 1
        speed = conversion_index(contact_seconds)
        row[f"conversion_{speed}_leads"] += 1
        row[f"conversion_{speed}_applied"] += applied
        row[f"conversion_{speed}_funded"] += won
    # Repeat deliveries (merged into a lead that arrived on an earlier day): what a vendor should credit.
    for inquiry in Inquiry.objects.filter(
        lead__organisation=organisation, received_at__gte=start, received_at__lt=end
    ).exclude(lead__created_at__gte=start).values(
        "received_at", "source_id", "lead__owner_id", "lead__loan_type", "lead__pipeline__kind", "lead__created_at",
        "lead__utm_campaign",
    ):  # fmt: skip
        received = inquiry["received_at"].astimezone(zone)
        if inquiry["lead__created_at"].astimezone(zone).date() < received.date():
            row_for(received.date(), inquiry["source_id"], inquiry["lead__owner_id"], inquiry["lead__loan_type"],
                    inquiry["lead__pipeline__kind"], inquiry["lead__utm_campaign"], received.hour)["duplicates"] += 1  # fmt: skip
    activity = _activity_rows(organisation, first, last)
    with transaction.atomic():
        # One rebuild of an organisation's rollups at a time (several workers sweep at once).
        Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list(
            "pk", flat=True
        ).first()
        DailyRollup.objects.filter(organisation=organisation, day__gte=first, day__lte=last).delete()
        _insert(DailyRollup, list(rows.values()))
        refresh_periods(organisation, first, last)
        ActivityRollup.objects.filter(organisation=organisation, day__gte=first, day__lte=last).delete()
        ActivityRollup.objects.bulk_create(activity, batch_size=1000)
    return len(rows)


# The keys each set of period rows keeps (PeriodRollup): the rest are summed away.
PERIOD_KEYS = {
    PeriodRollup.Keys.MAIN: ("source_id", "owner_id", "team_id", "loan_type"),
    PeriodRollup.Keys.CAMPAIGN: ("campaign", "source_id", "owner_id", "team_id"),
    PeriodRollup.Keys.HOUR: ("hour", "owner_id", "team_id"),
}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def refresh_periods(organisation: Organisation, first: date, last: date) -> int:
    """Sum the daily rows again into the day, week and month rows that hold any day from `first` to `last`, each
    in one GROUP BY per set of keys (the weeks and months are summed whole, from their days' current rows)."""
    spans = {
        PeriodRollup.Grain.DAY: (first, last, F("day")),
        PeriodRollup.Grain.WEEK: (monday(first), monday(last) + timedelta(days=6), TruncWeek("day")),
        PeriodRollup.Grain.MONTH: (month_start(first), month_end(last), TruncMonth("day")),
    }
    sums = {column: Sum(column) for column in ROLLUP_MEASURES}
    rows = []
    for grain, (start, end, period) in spans.items():
        daily = DailyRollup.objects.filter(organisation=organisation, day__gte=start, day__lte=end)
        for keys, fields in PERIOD_KEYS.items():
            for row in daily.annotate(period=period).values("period", *fields).annotate(**sums).order_by():
                rows.append({
                    "organisation_id": organisation.pk, "grain": grain, "keys": keys, "day": row["period"],
                    "source_id": row.get("source_id"), "owner_id": row["owner_id"], "team_id": row["team_id"],
                    "loan_type": row.get("loan_type", ""), "campaign": row.get("campaign", ""),
                    "hour": row.get("hour", 0), **{column: row[column] or 0 for column in ROLLUP_MEASURES},
                })  # fmt: skip
        PeriodRollup.objects.filter(
            organisation=organisation, grain=grain, day__gte=start, day__lte=end
        ).delete()
    _insert(PeriodRollup, rows)
    return len(rows)


# A borrower's text or email on the same channel within this long after a message sent to them is its reply.
REPLY_WINDOW = timedelta(hours=24)
# How long a message may wait between being written and being sent (held for quiet hours, retried): the bound
# that lets the rebuild find a day's sent messages through the organisation's index by time written.
LONGEST_SEND_WAIT = timedelta(days=7)
CALL_OUTCOMES = tuple(CallOutcome.values)


def _activity_rows(organisation: Organisation, first: date, last: date) -> list[ActivityRollup]:
    """Messages sent to borrowers from `first` to `last` (by the day and hour sent), whether each was answered,
    and the calls people logged (by the day and hour logged), summed per channel, owner, caller, source and type."""
    start, _ = day_bounds(organisation, first)
    _, end = day_bounds(organisation, last)
    zone = zone_of(organisation)
    rows: dict[tuple, ActivityRollup] = {}
    team_of: dict = {}

    def row_for(moment, channel, owner_id, actor_id, source_id, loan_type):
        local = moment.astimezone(zone)
        key = (local.date(), local.hour, channel, owner_id, actor_id, source_id, loan_type or "")
        if key not in rows:
            if owner_id not in team_of:
                team_of[owner_id] = (
                    User.teams.through.objects.filter(user_id=owner_id).values_list("team_id", flat=True).first()
                    if owner_id else None
                )  # fmt: skip
            rows[key] = ActivityRollup(
                organisation=organisation, day=key[0], hour=key[1], channel=channel, owner_id=owner_id,
                team_id=team_of[owner_id], actor_id=actor_id, source_id=source_id, loan_type=key[6],
            )  # fmt: skip
        return rows[key]

    answered = Message.objects.filter(
        lead_id=OuterRef("lead_id"), channel=OuterRef("channel"), direction=Message.Direction.INBOUND,
        created_at__gt=OuterRef("sent_at"), created_at__lte=OuterRef("sent_at") + REPLY_WINDOW,
    )  # fmt: skip
    sent = (
        Message.objects.filter(
            organisation=organisation, created_at__gte=start - LONGEST_SEND_WAIT, created_at__lt=end,
            sent_at__gte=start, sent_at__lt=end, direction=Message.Direction.OUTBOUND, lead__isnull=False,
            lead__is_test=False, recipient_user__isnull=True,
            status__in=[Message.Status.SENT, Message.Status.DELIVERED],
        )
        .exclude(purpose__in=[*Message.RESPONSE_PURPOSES, Message.Purpose.ALERT])
        .annotate(replied=Exists(answered))
        .values_list("sent_at", "channel", "lead__owner_id", "lead__source_id", "lead__loan_type", "replied")
    )  # fmt: skip
    for sent_at, channel, owner_id, source_id, loan_type, replied in sent.iterator(chunk_size=5000):
        row = row_for(sent_at, channel, owner_id, None, source_id, loan_type)
        row.sent += 1
        row.replied += bool(replied)
    calls = TimelineEvent.objects.filter(
        lead__organisation=organisation, lead__is_test=False, kind=TimelineEvent.Kind.CALL, created_at__gte=start,
        created_at__lt=end, data__outcome__in=CALL_OUTCOMES,
    ).values_list("created_at", "actor_id", "lead__owner_id", "lead__source_id", "lead__loan_type", "data__outcome")  # fmt: skip
    for at, actor_id, owner_id, source_id, loan_type, outcome in calls.iterator(chunk_size=5000):
        row = row_for(at, "call", owner_id, actor_id, source_id, loan_type)
        row.calls += 1
        setattr(row, outcome, getattr(row, outcome) + 1)
    return list(rows.values())


COUNTERS = {
    column: 0
    for column in ("leads", "duplicates", "contacted", "applied", "approved", "funded", "lost",
                   *HISTOGRAM_COLUMNS, *CONVERSION_COLUMNS)
}  # fmt: skip


ROLLUP_MEASURES = ("leads", "duplicates", "contacted", "applied", "approved", "funded", "lost", "funded_amount",
                   "lead_cost", *HISTOGRAM_COLUMNS, *CONVERSION_COLUMNS)  # fmt: skip


def _insert(model, rows: list[dict]) -> None:
    """One INSERT per batch of rows: a rollup row has some seventy columns, and the ORM's per-field preparation
    would cost more than building the rows."""
    if not rows:
        return
    columns = list(rows[0])
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608 - our own column names
                [[row[column] for column in columns] for row in rows[start : start + 1000]],
            )


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max((end - start).total_seconds(), 0.0)


def rebuild_stage_visits(lead_ids: list[int]) -> int:
    """Rebuild the stays in each stage of these leads from their stage history: the first stage from arrival to
    the first move, each later stage from the move into it to the move out (still open for the stage it is in)."""
    leads = list(
        Lead.objects.filter(pk__in=lead_ids, is_test=False).values(
            "pk", "organisation_id", "owner_id", "source_id", "loan_type", "stage_id", "created_at"
        )
    )
    moves: dict[int, list] = defaultdict(list)
    for lead_id, at, data in TimelineEvent.objects.filter(
        lead_id__in=lead_ids, kind=TimelineEvent.Kind.STAGE_CHANGED
    ).order_by("created_at", "pk").values_list("lead_id", "created_at", "data"):  # fmt: skip
        if isinstance(data, dict) and data.get("to_stage_id"):
            moves[lead_id].append((at, data.get("from_stage_id"), data["to_stage_id"]))
    known = set(Stage.objects.filter(pk__in={m[2] for ms in moves.values() for m in ms} | {
        m[1] for ms in moves.values() for m in ms if m[1]} | {lead["stage_id"] for lead in leads}
    ).values_list("pk", flat=True))  # fmt: skip
    visits = []
    for lead in leads:
        history = moves.get(lead["pk"], [])
        stage_id = (history[0][1] if history and history[0][1] else None) or (
            history[0][2] if history else lead["stage_id"]
        )
        entered = lead["created_at"]
        stays = []
        for at, _, to_stage_id in history:
            at = max(at, entered)
            if to_stage_id != stage_id:
                stays.append((stage_id, entered, at))
                stage_id, entered = to_stage_id, at
        stays.append((stage_id, entered, None))
        for stage, start, end in stays:
            if stage in known:
                visits.append(StageVisit(
                    organisation_id=lead["organisation_id"], lead_id=lead["pk"], stage_id=stage,
                    owner_id=lead["owner_id"], source_id=lead["source_id"], loan_type=lead["loan_type"] or "",
                    entered_at=start, left_at=end,
                    seconds=None if end is None else int((end - start).total_seconds()),
                ))  # fmt: skip
    with transaction.atomic():
        StageVisit.objects.filter(lead_id__in=lead_ids).delete()
        StageVisit.objects.bulk_create(visits, batch_size=1000)
    return len(visits)


def rebuild(organisation: Organisation, since: date | None = None) -> int:
    """Rebuild every day from the organisation's first lead (or `since`) to today, a month at a time; returns
    the number of days rebuilt."""
    first = Lead.objects.filter(organisation=organisation).aggregate(first=Min("created_at"))["first"]
    if first is None:
        DailyRollup.objects.filter(organisation=organisation).delete()
        PeriodRollup.objects.filter(organisation=organisation).delete()
        ReportSettings.objects.update_or_create(
            organisation=organisation, defaults={"rollups_version": ROLLUPS_VERSION}
        )
        return 0
    day = max(arrival_day(organisation, first), since) if since else arrival_day(organisation, first)
    last = arrival_day(organisation, datetime.now(tz=zone_of(organisation)))
    DailyRollup.objects.filter(organisation=organisation, day__lt=day).delete()
    PeriodRollup.objects.filter(organisation=organisation, day__lt=month_start(day)).delete()
    rebuilt = 0
    while day <= last:
        chunk_end = min(day + timedelta(days=30), last)
        rebuild_days(organisation, day, chunk_end)
        rebuilt += (chunk_end - day).days + 1
        day = chunk_end + timedelta(days=1)
    ReportSettings.objects.update_or_create(
        organisation=organisation, defaults={"rollups_version": ROLLUPS_VERSION}
    )
    return rebuilt


RECENT_REFRESH_EVERY = timedelta(minutes=5)


def refresh_recent_days(now: datetime | None = None) -> int:
    """Mark today and yesterday stale for each organisation that had leads or messages since, at most every five minutes
    (claimed by updating the organisation's refresh time, so one worker does it)."""
    now = now or datetime.now(tz=ZoneInfo("UTC"))
    marked = 0
    since = now - timedelta(days=2)
    recent = set(
        Lead.objects.filter(created_at__gte=since).values_list("organisation_id", flat=True).distinct()
    )
    # Messages too: an organisation whose older leads are being texted and answered has activity to roll up.
    recent |= set(
        Message.objects.filter(created_at__gte=since).values_list("organisation_id", flat=True).distinct()
    )
    for organisation in Organisation.objects.filter(pk__in=recent):
        settings_row, _ = ReportSettings.objects.get_or_create(organisation=organisation)
        claimed = ReportSettings.objects.filter(pk=settings_row.pk).filter(
            Q(recent_refreshed_at__isnull=True) | Q(recent_refreshed_at__lte=now - RECENT_REFRESH_EVERY)
        ).update(recent_refreshed_at=now)  # fmt: skip
        if claimed:
            today = arrival_day(organisation, now)
            mark_stale(organisation.pk, today)
            mark_stale(organisation.pk, today - timedelta(days=1))
            marked += 2
    return marked


# The shape of the rollups: raised whenever a change of their tables or of what they count needs every
# organisation's rollups built again (2: campaign, hour and activity rollups; 3: the period rollups). The sweep
# rebuilds each organisation whose rollups are older once, so a deployment needs no `firstcall report rebuild`.
ROLLUPS_VERSION = 3


def rebuild_outdated_organisation() -> int:
    """For the worker's sweep: rebuild the rollups of one organisation built for an older shape (or never), claimed
    by raising its version first so two workers never rebuild it together; put back if the rebuild fails, for the
    next sweep to try again. Returns the days rebuilt (0 when every organisation is current)."""
    current = ReportSettings.objects.filter(rollups_version__gte=ROLLUPS_VERSION).values("organisation_id")
    organisation = Organisation.objects.exclude(pk__in=current).order_by("pk").first()
    if organisation is None:
        return 0
    settings_row, _ = ReportSettings.objects.get_or_create(organisation=organisation)
    before = settings_row.rollups_version
    claimed = ReportSettings.objects.filter(pk=settings_row.pk, rollups_version=before).update(
        rollups_version=ROLLUPS_VERSION
    )
    if not claimed:
        return 0
    try:
        return rebuild(organisation)
    except Exception:
        ReportSettings.objects.filter(pk=settings_row.pk).update(rollups_version=before)
        raise


def rebuild_stale(limit: int = 50) -> int:
    """For the worker's sweep: build the rollups of an organisation whose rollups are of an older shape, refresh
    the recent days, then rebuild the days marked stale, oldest mark first."""
    done = rebuild_outdated_organisation()
    refresh_recent_days()
    for stale in StaleDay.objects.select_related("organisation").order_by("marked_at")[:limit]:
        # Claimed by deleting the mark: a change during the rebuild marks the day again, to be rebuilt again.
        claimed, _ = StaleDay.objects.filter(pk=stale.pk).delete()
        if claimed:
            rebuild_day(stale.organisation, stale.day)
            done += 1
    return done
