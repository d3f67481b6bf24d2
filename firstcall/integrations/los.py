"""Milestones back from the loan origination system: receive (JSON, Encompass-style notification + fetch, CSV),
keep every report, match it to a lead (loan number first, then the borrower's identity), apply it (the loan
application's milestone, funded amount and date; `loan.milestone` and `loan.funded` events, whose pipeline
subscriber moves the stage), and queue what cannot be matched surely for a person. Nothing is dropped.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from firstcall.events.outbox import emit
from firstcall.integrations import tasks
from firstcall.integrations.application import digits, e164_phone, money
from firstcall.integrations.models import LoanApplication, LosConnection, LosEvent
from firstcall.integrations.webhooks.addresses import BlockedDestination, check_destination
from firstcall.leads.models import Lead

MILESTONES = (
    "application_taken", "disclosed", "submitted_to_underwriting", "approved", "clear_to_close", "funded",
    "withdrawn", "denied",
)  # fmt: skip
# The pipeline stage each milestone means, by the default stage names (leads.stages.DEFAULT_STAGES).
STAGE_FOR_MILESTONE = {
    "application_taken": "Application",
    "disclosed": "Processing",
    "submitted_to_underwriting": "Underwriting",
    "approved": "Underwriting",
    "clear_to_close": "Clear to close",
    "funded": "Closed",
    "withdrawn": "Lost",
    "denied": "Lost",
}
LOST_REASON = {
    "withdrawn": "Withdrawn in the loan origination system",
    "denied": "Denied in the loan origination system",
}
# Milestone names as LOSs word them (Encompass's default milestones among them) -> FirstCall's. A connection's
# own `milestone_names` add to and override these.
DEFAULT_MILESTONE_NAMES = {
    "started": "application_taken", "application": "application_taken", "application taken": "application_taken",
    "processing": "disclosed", "disclosed": "disclosed", "disclosures sent": "disclosed",
    "submittal": "submitted_to_underwriting", "submitted": "submitted_to_underwriting",
    "submitted to underwriting": "submitted_to_underwriting", "underwriting": "submitted_to_underwriting",
    "cond. approval": "approved", "conditional approval": "approved", "approval": "approved", "approved": "approved",
    "clear to close": "clear_to_close", "ctc": "clear_to_close", "docs signing": "clear_to_close",
    "funding": "funded", "funded": "funded", "withdrawn": "withdrawn", "denied": "denied", "declined": "denied",
}  # fmt: skip
DEFAULT_FIELD_PATHS = {
    "loan_number": "loanNumber", "milestone": "milestone", "amount": "amount", "date": "date",
    "first_name": "borrower.firstName", "last_name": "borrower.lastName", "email": "borrower.email",
    "phone": "borrower.phone",
}  # fmt: skip
FETCH_RETRY = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]


class LosReportInvalid(ValueError):
    pass


@dataclass
class Report:
    """One milestone as the LOS told it, before matching."""

    loan_number: str = ""
    milestone: str = ""
    amount: object = None
    occurred_on: date | None = None
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""


# --- connections and authentication -------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_connection(organisation, *, name: str, fetch_url: str = "", fetch_authorization: str = "",
                      field_paths: dict | None = None, milestone_names: dict | None = None) -> tuple[LosConnection, str]:  # fmt: skip
    token = "los_" + secrets.token_urlsafe(32)
    connection = LosConnection.objects.create(
        organisation=organisation, name=name, token_hash=_hash(token), fetch_url=fetch_url,
        fetch_authorization=fetch_authorization, field_paths=field_paths or {}, milestone_names=milestone_names or {},
    )  # fmt: skip
    return connection, token


def authenticate(connection_id: int, authorization: str) -> LosConnection | None:
    """The connection whose bearer token this is; compared in constant time."""
    connection = LosConnection.objects.filter(pk=connection_id, is_active=True).first()
    token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
    if connection is None or not token:
        return None
    return connection if hmac.compare_digest(_hash(token), connection.token_hash) else None


# --- reading reports --------------------------------------------------------------------------------------


def milestone_of(raw: str, connection: LosConnection | None) -> str:
    text = " ".join(str(raw or "").split()).lower()
    names = {
        **DEFAULT_MILESTONE_NAMES,
        **{k.lower(): v for k, v in ((connection.milestone_names if connection else {}) or {}).items()},
    }
    if text.replace(" ", "_") in MILESTONES:
        return text.replace(" ", "_")
    if text in names:
        return names[text]
    raise LosReportInvalid(f"'{str(raw)[:40]}' is not a milestone FirstCall knows ({', '.join(MILESTONES)})")


def _date(raw) -> date | None:
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for pattern in ("%m/%d/%Y", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise LosReportInvalid(f"'{text[:30]}' is not a date")


def report_from(data: dict, connection: LosConnection | None, paths: dict | None = None) -> Report:
    paths = paths or {}

    def get(key):
        path = paths.get(key)
        if not path:
            return data.get(key) if key in data else (data.get("borrower") or {}).get(key)
        value = data
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    try:
        amount = money(get("amount"))
    except ValueError as error:
        raise LosReportInvalid(str(error)) from error
    report = Report(
        loan_number=str(get("loan_number") or "").strip()[:60],
        milestone=milestone_of(get("milestone"), connection),
        amount=amount,
        occurred_on=_date(get("date") or get("occurred_at")),
        first_name=str(get("first_name") or "").strip(),
        last_name=str(get("last_name") or "").strip(),
        email=str(get("email") or "").strip().lower(),
        phone=e164_phone(digits(str(get("phone") or ""))),
    )
    if not (report.loan_number or report.email or report.phone or report.last_name):
        raise LosReportInvalid("The report names no loan number and no borrower.")
    return report


# --- receiving ----------------------------------------------------------------------------------------------


def receive_json(connection: LosConnection, data: dict) -> LosEvent:
    """A plain JSON body, or an Encompass-style notification ({"eventType", "meta": {"resourceId"}}) whose loan
    is then fetched from the connection's fetch URL by the worker."""
    resource_id = str(((data.get("meta") or {}).get("resourceId")) or data.get("resourceId") or "").strip()
    if resource_id and "milestone" not in data:
        with transaction.atomic():
            event = LosEvent.objects.create(
                organisation_id=connection.organisation_id, connection=connection, shape="notification",
                payload=data, resource_id=resource_id[:120], status=LosEvent.Status.PENDING_FETCH,
                next_fetch_at=timezone.now(),
            )  # fmt: skip
            transaction.on_commit(lambda: tasks.fetch_los_loan.enqueue(event.pk))
        return event
    return _record(
        connection.organisation_id, connection, "json", data, lambda: report_from(data, connection)
    )


def receive_invalid(connection: LosConnection, text: str) -> LosEvent:
    """A body that is not a JSON object: kept, marked failed, so the LOS's sender can be shown what it sent."""
    return LosEvent.objects.create(
        organisation_id=connection.organisation_id, connection=connection, shape="json",
        payload={"raw": text[:10000]}, status=LosEvent.Status.FAILED, error="The body is not a JSON object.",
    )  # fmt: skip


def _record(organisation_id, connection, shape, payload, read) -> LosEvent:
    with transaction.atomic():
        event = LosEvent(organisation_id=organisation_id, connection=connection, shape=shape, payload=payload)
        try:
            report = read()
        except LosReportInvalid as error:
            event.status, event.error = LosEvent.Status.FAILED, str(error)[:300]
            event.save()
            return event
        _match_and_apply(event, report)
        return event


def fetch(los_event_id: int) -> str:
    """The Encompass-style second step: read the loan the notification named, then match and apply it."""
    event = LosEvent.objects.select_related("connection").filter(pk=los_event_id).first()
    if event is None or event.status != LosEvent.Status.PENDING_FETCH:
        return "nothing to fetch"
    connection = event.connection
    if connection is None or not connection.fetch_url:
        LosEvent.objects.filter(pk=event.pk).update(status=LosEvent.Status.FAILED,
                                                    error="The connection has no fetch URL configured.")  # fmt: skip
        return "failed"
    url = connection.fetch_url.replace("{resource_id}", quote(event.resource_id, safe=""))
    try:
        destination = check_destination(url, allowed_hosts=list(settings.WEBHOOK_ALLOWED_HOSTS))
        headers = {"Authorization": connection.fetch_authorization} if connection.fetch_authorization else {}
        with httpx.Client(
            follow_redirects=False, trust_env=False, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        ) as client:
            target = httpx.URL(url)
            response = client.get(target.copy_with(host=destination.address), headers={**headers, "Host": target.netloc.decode()},
                                  extensions={"sni_hostname": destination.host} if destination.scheme == "https" else {})  # fmt: skip
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise ValueError("the fetched loan is not a JSON object")
    except (BlockedDestination, httpx.HTTPError, ValueError) as error:
        attempts = event.fetch_attempts + 1
        gave_up = attempts > len(FETCH_RETRY)
        LosEvent.objects.filter(pk=event.pk).update(
            fetch_attempts=attempts, error=f"fetch: {error}"[:300],
            status=LosEvent.Status.FAILED if gave_up else LosEvent.Status.PENDING_FETCH,
            next_fetch_at=None if gave_up else timezone.now() + FETCH_RETRY[attempts - 1],
        )  # fmt: skip
        return "failed" if gave_up else "will retry"
    paths = {**DEFAULT_FIELD_PATHS, **(connection.field_paths or {})}
    with transaction.atomic():
        event = LosEvent.objects.select_for_update().get(pk=event.pk)
        if event.status != LosEvent.Status.PENDING_FETCH:
            return "already fetched"
        event.payload = {"notification": event.payload, "loan": data}
        event.fetch_attempts += 1
        try:
            report = report_from(data, connection, paths)
        except LosReportInvalid as error:
            event.status, event.error = LosEvent.Status.FAILED, str(error)[:300]
            event.save()
            return "failed"
        _match_and_apply(event, report)
    return event.status


def sweep_pending_fetches() -> int:
    """For firstcall.sweeps.SWEEPS: fetch notifications whose task was lost or whose retry is due."""
    due = list(LosEvent.objects.filter(status=LosEvent.Status.PENDING_FETCH, next_fetch_at__lte=timezone.now())
               .values_list("pk", flat=True)[:50])  # fmt: skip
    LosEvent.objects.filter(pk__in=due).update(next_fetch_at=timezone.now() + timedelta(minutes=1))
    for event_id in due:
        tasks.fetch_los_loan.enqueue(event_id)  # fetch() re-checks the status, so a repeat does nothing
    return len(due)


CSV_COLUMNS = ("loan_number", "milestone", "date", "amount", "first_name", "last_name", "email", "phone")


def import_csv(organisation, text: str) -> list[LosEvent]:
    """Rows of loan_number, milestone, date, amount, first_name, last_name, email, phone (header row required;
    other columns are kept with the row). Every row is stored, readable or not."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "milestone" not in [name.strip().lower() for name in reader.fieldnames]:
        raise LosReportInvalid("The CSV needs a header row with at least a milestone column.")
    events = []
    for row in reader:
        data = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        events.append(_record(organisation.pk, None, "csv", data, lambda data=data: report_from(data, None)))
    return events


# --- matching and applying --------------------------------------------------------------------------------


def _match_and_apply(event: LosEvent, report: Report) -> None:
    event.loan_number, event.milestone = report.loan_number, report.milestone
    event.amount, event.occurred_on = report.amount, report.occurred_on or timezone.localdate()
    lead, reason, candidates = match(event.organisation_id, report)
    event.candidates = candidates
    if lead is None:
        event.status, event.match_reason = LosEvent.Status.REVIEW, reason
        event.save()
        return
    event.lead, event.match_reason = lead, reason
    event.save()
    apply(event)


def match(organisation_id: int, report: Report) -> tuple[Lead | None, str, list[int]]:
    """(lead, why, candidate ids). The loan number is sure; a borrower identity is sure only when exactly one
    lead has that email or phone and the same last name; anything else goes to review with the candidates."""
    if report.loan_number:
        application = LoanApplication.objects.filter(organisation_id=organisation_id, loan_number=report.loan_number
                                                     ).select_related("lead").first()  # fmt: skip
        if application:
            return application.lead, f"loan number {report.loan_number}", [application.lead_id]
    identity = Q()
    if report.email:
        identity |= Q(email__iexact=report.email)
    if report.phone:
        identity |= Q(phone=report.phone)
    if not identity:
        candidates = []
        if report.last_name:
            candidates = list(Lead.objects.filter(organisation_id=organisation_id, last_name__iexact=report.last_name,
                                                  first_name__iexact=report.first_name).values_list("pk", flat=True)[:10])  # fmt: skip
        return None, "no loan number match and no email or phone to match the borrower", candidates
    found = list(Lead.objects.filter(identity, organisation_id=organisation_id).order_by("-created_at")[:10])
    if len(found) == 1 and (not report.last_name or found[0].last_name.lower() == report.last_name.lower()):
        return (
            found[0],
            "borrower email or phone" + (" and last name" if report.last_name else ""),
            [found[0].pk],
        )
    if not found:
        return None, "no lead has this loan number, email or phone", []
    why = "several leads share this email or phone" if len(found) > 1 else "the last name differs"
    return None, why, [lead.pk for lead in found]


def apply(event: LosEvent) -> None:
    """Record the milestone on the lead's loan application and tell the rest of FirstCall (in this transaction)."""
    lead = event.lead
    now = timezone.now()
    application, _ = LoanApplication.objects.get_or_create(
        lead=lead, defaults={"organisation_id": lead.organisation_id}
    )
    if event.loan_number and not application.loan_number:
        application.loan_number = event.loan_number
    repeat = (
        LosEvent.objects.filter(
            lead=lead,
            milestone=event.milestone,
            status=LosEvent.Status.APPLIED,
            occurred_on=event.occurred_on,
        )
        .exclude(pk=event.pk)
        .exists()
    )
    if repeat:
        event.status, event.match_reason = LosEvent.Status.DUPLICATE, event.match_reason + "; already applied"
        event.save(update_fields=["status", "match_reason"])
        return
    application.los_milestone, application.los_milestone_at = event.milestone, now
    if event.milestone == "funded":
        application.funded_amount = event.amount if event.amount is not None else application.funded_amount
        application.funded_on = event.occurred_on
    application.updated_at = now
    application.save()
    event.status = LosEvent.Status.APPLIED
    event.save(update_fields=["status", "lead", "match_reason", "resolved_by"])
    emit("loan.milestone", organisation_id=lead.organisation_id, lead_id=lead.pk, los_event_id=event.pk,
         milestone=event.milestone, stage_name=STAGE_FOR_MILESTONE[event.milestone],
         lost_reason=LOST_REASON.get(event.milestone, ""))  # fmt: skip
    if event.milestone == "funded":
        emit("loan.funded", organisation_id=lead.organisation_id, lead_id=lead.pk, los_event_id=event.pk,
             funded_amount=f"{event.amount:.2f}" if event.amount is not None else "",
             funded_on=event.occurred_on.isoformat())  # fmt: skip


def resolve(event: LosEvent, lead: Lead, actor) -> None:
    """A person matched a queued report to a lead: apply it as if it had matched."""
    if lead.organisation_id != event.organisation_id:
        raise LosReportInvalid("That lead belongs to another organisation.")
    with transaction.atomic():
        event = LosEvent.objects.select_for_update().get(pk=event.pk)
        if event.status != LosEvent.Status.REVIEW:
            return
        event.lead, event.resolved_by = lead, actor
        event.match_reason = f"matched by {actor.get_username()}"
        apply(event)


def dismiss(event: LosEvent, actor) -> None:
    LosEvent.objects.filter(pk=event.pk, status=LosEvent.Status.REVIEW).update(
        status=LosEvent.Status.DISMISSED,
        resolved_by=actor,
        match_reason=f"dismissed by {actor.get_username()}",
    )
