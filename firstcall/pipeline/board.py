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
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from firstcall.accounts.models import User
from firstcall.leads.access import visible_leads
from firstcall.leads.models import Lead
from firstcall.pipeline.models import Stage

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
        leads = leads.filter(created_at__lt=local_day_start(filters["created_to"] + timedelta(days=1), zone_name))
    if filters.get("pipeline"):
        leads = leads.filter(pipeline_id=filters["pipeline"].pk)
    if filters.get("stage"):
        leads = leads.filter(stage_id=filters["stage"].pk)
    status = filters.get("status")
    if status in (Stage.Outcome.OPEN, Stage.Outcome.WON, Stage.Outcome.LOST):
        leads = leads.filter(stage__outcome=status)
    sla = filters.get("sla")
    if sla == "waiting":
        leads = leads.filter(first_human_contact_at__isnull=True, stage__outcome=Stage.Outcome.OPEN)
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


def stage_totals(leads: QuerySet[Lead]) -> dict[int, tuple[int, Decimal]]:
    """{stage_id: (count, loan volume)} in one GROUP BY."""
    rows = leads.order_by().values("stage_id").annotate(count=Count("pk"), volume=Sum(loan_amount()))
    return {row["stage_id"]: (row["count"], row["volume"] or Decimal("0")) for row in rows}


def summary_rows(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    return leads.select_related("owner").only(*SUMMARY_FIELDS).annotate(amount=loan_amount())


def newest_cards_per_stage(leads: QuerySet[Lead], per_stage: int = CARDS_PER_STAGE) -> QuerySet[Lead]:
    """The newest `per_stage` leads of every stage, in one query (ROW_NUMBER() over each stage)."""
    ranked = summary_rows(leads).annotate(
        stage_rank=Window(
            RowNumber(), partition_by=[F("stage_id")], order_by=[F("created_at").desc(), F("id").desc()]
        )
    )
    return ranked.filter(stage_rank__lte=per_stage).order_by("stage_id", "stage_rank")


def board_columns(leads: QuerySet[Lead], stages: list[Stage], per_stage: int = CARDS_PER_STAGE) -> list[Column]:
    columns = {stage.pk: Column(stage=stage) for stage in stages}
    for stage_id, (count, volume) in stage_totals(leads).items():
        if stage_id in columns:
            columns[stage_id].count, columns[stage_id].volume = count, volume
    for lead in newest_cards_per_stage(leads, per_stage):
        column = columns.get(lead.stage_id)
        if column is not None:
            lead.stage = column.stage  # no query per card for the stage it sits in
            column.cards.append(lead)
    return [columns[stage.pk] for stage in stages]


def version_of(leads: QuerySet[Lead], *extra) -> str:
    """A short fingerprint of what the board or My day shows, for cheap live polling: it changes when a lead
    arrives, leaves, moves, is reassigned or edited (updated_at), is first contacted or breaches its SLA."""
    summary = leads.order_by().aggregate(
        count=Count("pk"),
        last_id=Max("pk"),
        last_update=Max("updated_at"),
        stage_sum=Sum("stage_id"),
        owner_sum=Sum("owner_id"),
        contacted=Max("first_human_contact_at"),
        breached=Max("sla_breached_at"),
    )
    text = repr(sorted(summary.items())) + repr(extra)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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
