"""The queries behind the workspace pages (My day, board, list, team).

Each page runs a constant number of queries whatever the number of leads: aggregates are one GROUP BY, the
cards of every column come from one windowed query, related rows are joined (select_related) and the
columns a page shows are named (`only`), so encrypted fields (income, debts) are not loaded or decrypted
for pages that never show them. Everything starts from leads.access.visible_leads(user).
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from firstcall.accounts.models import User
from firstcall.leads.access import visible_leads
from firstcall.leads.models import Lead, Stage

CARDS_PER_STAGE = 25
SCORE_TIERS = [("hot", "Hot"), ("warm", "Warm"), ("cold", "Cold")]
MONEY = DecimalField(max_digits=14, decimal_places=2)

# What a card, a list row or a My day entry shows. Naming them keeps wide and encrypted columns out.
SUMMARY_FIELDS = [
    "id",
    "organisation_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "state",
    "purpose",
    "loan_type",
    "purchase_price",
    "down_payment",
    "loan_balance",
    "score",
    "score_tier",
    "owner_id",
    "pipeline_id",
    "stage_id",
    "source_id",
    "respond_by",
    "first_human_contact_at",
    "sla_status",
    "created_at",
    "updated_at",
    "is_test",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
]


# --------------------------------------------------------------------------------------------- scope


def scoped(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """visible_leads() joins shared_with for some roles and so needs DISTINCT. DISTINCT breaks GROUP BY counts
    (a lead both owned and shared would count twice) and is slow on wide rows; `pk IN (...)` keeps one row
    per lead and lets the outer query use its own indexes."""
    if leads.query.distinct:
        return Lead.objects.filter(pk__in=leads.values("pk"))
    return leads


def workspace_leads(user: User) -> QuerySet[Lead]:
    return scoped(visible_leads(user))


def loan_amount() -> Case:
    """Purchase: price less the down payment; refinance and HELOC: the balance owed. Decimal, never float."""
    return Case(
        When(
            purchase_price__isnull=False,
            then=F("purchase_price") - Coalesce(F("down_payment"), Value(Decimal("0")), output_field=MONEY),
        ),
        default=F("loan_balance"),
        output_field=MONEY,
    )


# ------------------------------------------------------------------------------------------- filters


def in_outcome(outcome: str) -> Q:
    """Leads whose stage is open, won or lost, as `stage_id IN (subquery)` rather than a join on the stage:
    SQLite then reads the lead table once instead of walking the (organisation, stage) index with a row
    lookup per lead (2-3x slower on 50k leads). PostgreSQL plans both alike."""
    return Q(stage_id__in=Stage.objects.filter(outcome=outcome).values("pk"))


def local_day_start(day: date, zone_name: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone_name or "UTC"))


def team_members(team_id: int):
    return User.teams.through.objects.filter(team_id=team_id).values("user_id")


def apply_filters(leads: QuerySet[Lead], filters: dict, *, zone_name: str = "UTC") -> QuerySet[Lead]:
    """Filters from a cleaned LeadFilterForm. Owner "none" means unassigned; dates are the person's days."""
    owner = filters.get("owner")
    if owner == "none":
        leads = leads.filter(owner__isnull=True)
    elif owner:
        leads = leads.filter(owner_id=owner.pk)
    if filters.get("team"):
        leads = leads.filter(owner_id__in=team_members(filters["team"].pk))
    if filters.get("source"):
        leads = leads.filter(source_id=filters["source"].pk)
    if filters.get("loan_type"):
        leads = leads.filter(loan_type=filters["loan_type"])
    if filters.get("score_tier"):
        leads = leads.filter(score_tier=filters["score_tier"])
    if filters.get("created_from"):
        leads = leads.filter(created_at__gte=local_day_start(filters["created_from"], zone_name))
    if filters.get("created_to"):
        leads = leads.filter(
            created_at__lt=local_day_start(filters["created_to"] + timedelta(days=1), zone_name)
        )
    if filters.get("pipeline"):
        leads = leads.filter(pipeline_id=filters["pipeline"].pk)
    if filters.get("stage"):
        leads = leads.filter(stage_id=filters["stage"].pk)
    status = filters.get("status")
    if status in (Stage.Outcome.OPEN, Stage.Outcome.WON, Stage.Outcome.LOST):
        leads = leads.filter(in_outcome(status))
    sla = filters.get("sla")
    if sla == "waiting":
        leads = leads.filter(in_outcome(Stage.Outcome.OPEN), first_human_contact_at__isnull=True)
    elif sla in ("pending", "met", "breached"):
        leads = leads.filter(sla_status=sla)
    if filters.get("q"):
        leads = search_leads(leads, filters["q"])
    return leads


def search_leads(leads: QuerySet[Lead], text: str) -> QuerySet[Lead]:
    """Every word must match the first name, last name, email or (by its digits) the phone number.

    icontains is a LIKE '%word%' scan of the person's visible leads: no index helps a leading wildcard, on
    SQLite or PostgreSQL, but the scan reads only the organisation's rows and is measured by
    bench/workspace.py (50k leads). A prefix-only search could use expression indexes (Lower(...) with
    text_pattern_ops on PostgreSQL) if that ever stops being fast enough; trigram indexes are not needed."""
    for word in text.split()[:6]:
        condition = Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 3:
            condition |= Q(phone__contains=digits)
        leads = leads.filter(condition)
    return leads


# --------------------------------------------------------------------------------------------- board


@dataclass
class Column:
    stage: Stage
    count: int = 0
    volume: Decimal = Decimal("0")
    cards: list = field(default_factory=list)

    @property
    def hidden_count(self) -> int:
        return max(0, self.count - len(self.cards))


# What changes when a lead arrives, leaves, moves, is reassigned or edited (updated_at), is first contacted or
# breaches its SLA: per stage, these fingerprint the board for live polling at no extra cost.
FINGERPRINT = {
    "last_id": Max("pk"),
    "last_update": Max("updated_at"),
    "owner_sum": Sum("owner_id"),
    "contacted": Max("first_human_contact_at"),
    "breached": Max("sla_breached_at"),
}


# Grouping by `stage_id + 0` rather than the column: with the column, SQLite walks the (organisation, stage)
# index to avoid sorting and looks up every lead's row one by one, three times slower than reading the table
# (measured by bench/workspace.py: ~115 ms against ~40 ms for 30k leads). PostgreSQL plans both the same.
STAGE_KEY = ExpressionWrapper(F("stage_id") + Value(0), output_field=IntegerField())
OWNER_KEY = ExpressionWrapper(F("owner_id") + Value(0), output_field=IntegerField())


def stage_totals(leads: QuerySet[Lead]) -> list[dict]:
    """Per stage: count, loan volume and the fingerprint columns, in one GROUP BY over the filtered leads."""
    rows = (
        leads.order_by()
        .annotate(stage_key=STAGE_KEY)
        .values("stage_key")
        .annotate(count=Count("pk"), volume=Sum(loan_amount()), **FINGERPRINT)
    )
    return sorted(
        ({"stage_id": row.pop("stage_key"), **row} for row in rows), key=lambda row: row["stage_id"]
    )


def fingerprint(rows, *extra) -> str:
    text = repr([sorted(row.items()) for row in rows]) + repr(extra)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def version_of(leads: QuerySet[Lead], *extra) -> str:
    """A short fingerprint of a set of leads (see FINGERPRINT), for cheap live polling: one aggregate."""
    return fingerprint([leads.order_by().aggregate(count=Count("pk"), **FINGERPRINT)], *extra)


def cents(amount) -> Decimal:
    """Computed money back from the database, to the cent. (SQLite hands sums of expressions back through a
    float with 15 significant digits, plenty for a pipeline's volume; PostgreSQL's numeric is exact.)"""
    if amount is None:
        return Decimal("0.00")
    return Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def summary_rows(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    return leads.select_related("owner").only(*SUMMARY_FIELDS).annotate(amount=loan_amount())


def newest_cards(leads: QuerySet[Lead], stage: Stage, per_stage: int = CARDS_PER_STAGE) -> list[Lead]:
    """The newest cards of one stage: the last added to FirstCall first. One query per stage (the pipeline's
    7-10, never per lead), each a walk down the (organisation, stage) index that stops after `per_stage` rows;
    ordering by created_at instead would sort every lead of the stage (and a single ROW_NUMBER() over all
    stages sorted the whole pipeline: 1 s at 50k leads)."""
    return list(summary_rows(leads.filter(stage_id=stage.pk)).order_by("-id")[:per_stage])


def board_columns(
    leads: QuerySet[Lead],
    stages: list[Stage],
    per_stage: int = CARDS_PER_STAGE,
    totals: list[dict] | None = None,
) -> list[Column]:
    """The columns of a board; `totals` (from stage_totals) when the caller already has them."""
    columns = {stage.pk: Column(stage=stage) for stage in stages}
    for row in stage_totals(leads) if totals is None else totals:
        column = columns.get(row["stage_id"])
        if column is not None:
            column.count, column.volume = row["count"], cents(row["volume"])
    for column in columns.values():
        column.cards = newest_cards(leads, column.stage, per_stage)
        for card in column.cards:
            card.stage = column.stage  # no query per card for the stage it sits in
    return [columns[stage.pk] for stage in stages]


# ------------------------------------------------------------------------------------------- SLA text


@dataclass(frozen=True)
class SlaState:
    kind: str  # "due", "overdue", "met", "late", "" (no clock)
    label: str
    deadline: datetime | None = None


def humanize_seconds(seconds: float) -> str:
    seconds = int(abs(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} d"


def sla_state(lead: Lead, now: datetime) -> SlaState:
    if lead.first_human_contact_at:
        if lead.sla_status == "breached":
            return SlaState("late", "Contacted late")
        return SlaState("met", "Contacted")
    if lead.respond_by is None:
        return SlaState("", "")
    remaining = (lead.respond_by - now).total_seconds()
    if remaining > 0:
        return SlaState("due", f"{humanize_seconds(remaining)} left", lead.respond_by)
    return SlaState("overdue", f"Overdue by {humanize_seconds(remaining)}", lead.respond_by)


def money_compact(amount: Decimal | None) -> str:
    """$950, $12.4k, $3.2M: column totals that fit a phone. Rounds half up on a Decimal, never a float."""
    if not amount:
        return "$0"
    amount = Decimal(amount)
    for divisor, suffix in ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if abs(amount) >= divisor:
            scaled = (amount / divisor).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            text = f"{scaled:f}".removesuffix(".0")
            return f"${text}{suffix}"
    return f"${amount.quantize(Decimal('1'), rounding=ROUND_HALF_UP):f}"


def money_full(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return f"${Decimal(amount).quantize(Decimal('1'), rounding=ROUND_HALF_UP):,f}"
