"""The organisation's settings pages (/settings/), for its admins only: people and teams, lead sources, the
response clock (SLA minutes, business hours, holidays, escalation), consent and compliance text, and the
organisation itself. Routing rules, message templates and cadences have their own pages; the overview links
to them.

Every save writes an audit event (accounts.services.record_audit) saying who changed what; changes to a
person's role, teams or activation also go through accounts.audit.record_access_changes, the security log's
"permission change" entry. Anyone else gets 403 before any form is read, so a denied request changes nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from firstcall.accounts import audit
from firstcall.accounts.client import client_ip
from firstcall.accounts.models import Organisation, Team, User
from firstcall.accounts.services import record_audit
from firstcall.compliance import services as compliance
from firstcall.leads.models import Channel, LeadSource
from firstcall.leads.sources import create_source, intake_url
from firstcall.reports.services import update_report_settings
from firstcall.reports.settings_form import ReportSettingsForm
from firstcall.web.settings_forms import (
    ComplianceForm,
    LeadSourceForm,
    NewLeadSourceForm,
    OrganisationForm,
    SlaForm,
    TeamForm,
    UserForm,
)

SECTIONS = [
    ("settings_home", "Overview"),
    ("settings_users", "People and teams"),
    ("settings_sources", "Lead sources"),
    ("settings_sla", "Response time"),
    ("settings_compliance", "Consent and messages"),
    ("settings_organisation", "Organisation"),
    ("settings_branding", "Branding"),
    ("settings_reports", "Reports"),
]
USER_DETAIL_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "nmls_id",
    "licensed_states",
    "loan_types",
    "languages",
    "time_zone",
    "working_hours",
    "accepts_leads",
    "is_out_of_office",
    "daily_lead_cap",
    "open_lead_capacity",
    "routing_weight",
    "preferred_loan_officer_id",
]


def require_settings_admin(user) -> Organisation:
    """Org admins of an organisation; everyone else (platform superusers without one included) gets 403."""
    if not (user.is_authenticated and user.is_active and user.is_org_admin and user.organisation_id):
        raise PermissionDenied
    return user.organisation


def _short(value):
    """Audit detail keeps values short: settings, never borrower data, but a disclosure text can be long."""
    if isinstance(value, str) and len(value) > 200:
        return value[:197] + "..."
    return value


def _changes(before: dict, after: dict) -> dict:
    return {
        name: [_short(before.get(name)), _short(after.get(name))]
        for name in after
        if before.get(name) != after.get(name)
    }


def _snapshot(instance, fields) -> dict:
    return {name: getattr(instance, name) for name in fields}


def marketing_blockers(organisation) -> list[str]:
    """What stops this organisation's marketing, shown at the top of every settings page: CAN-SPAM needs a
    postal address in every marketing email (15 U.S.C. 7704(a)(5)(A)(iii)); the SAFE Act the company's NMLS ID
    in every marketing message (12 U.S.C. 5101 et seq.; 12 CFR 1008.105; state advertising rules)."""
    blockers = [
        compliance.marketing_email_blocker(organisation),
        compliance.marketing_nmls_blocker(organisation),
    ]
    return [blocker for blocker in blockers if blocker]


def _render(request, template: str, context: dict, *, status=200):
    organisation = context.get("organisation") or request.user.organisation
    return render(
        request,
        f"web/settings/{template}",
        {"sections": SECTIONS, "blockers": marketing_blockers(organisation), **context},
        status=status,
    )


def _url_or_blank(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


# --------------------------------------------------------------------------------------------- overview


@login_required
@require_GET
def settings_home(request):
    organisation = require_settings_admin(request.user)
    return _render(
        request,
        "home.html",
        {
            "current": "settings_home",
            "organisation": organisation,
            "user_count": User.objects.filter(organisation=organisation, is_active=True).count(),
            "source_count": LeadSource.objects.filter(organisation=organisation, is_active=True).count(),
            "links": {
                "routing": _url_or_blank("routing_rules"),
                "routing_admin": _url_or_blank("admin:routing_routingrule_changelist"),
                "templates": _url_or_blank("cadence_templates"),
                "cadences": _url_or_blank("cadence_list"),
                "do_not_contact": _url_or_blank("cadence_do_not_contact"),
                "intake": _url_or_blank("intake_list"),
                "audit": _url_or_blank("audit_log"),
            },
        },
    )


# --------------------------------------------------------------------------------------- people and teams


@login_required
@require_GET
def settings_users(request):
    organisation = require_settings_admin(request.user)
    people = (
        User.objects.filter(organisation=organisation)
        .prefetch_related("teams", "managed_teams")
        .order_by("-is_active", "first_name", "last_name", "username")
    )
    return _render(
        request,
        "users.html",
        {
            "current": "settings_users",
            "people": people,
            "teams": Team.objects.filter(organisation=organisation)
            .prefetch_related("members", "managers")
            .order_by("name"),
            "team_form": TeamForm(organisation=organisation),
        },
    )


def _save_person(request, organisation, person: User | None):
    creating = person is None
    instance = person or User(organisation=organisation)
    # Taken before validation: a ModelForm writes the posted values onto its instance while validating.
    access_before = audit.access_snapshot(instance) if not creating else {}
    details_before = _snapshot(instance, USER_DETAIL_FIELDS) if not creating else {}
    form = UserForm(request.POST or None, instance=instance, organisation=organisation, creating=creating)
    if request.method == "POST" and form.is_valid():
        is_self = person is not None and person.pk == request.user.pk
        if is_self and (form.cleaned_data["role"] != User.Role.ADMIN or not form.cleaned_data["is_active"]):
            form.add_error("role", "You cannot remove your own admin access; ask another admin.")
        else:
            with transaction.atomic():
                saved = form.save(commit=False)
                saved.organisation = organisation
                saved.working_hours = form.cleaned_data["working_hours"]
                if creating:
                    saved.set_password(form.cleaned_data["password"])
                saved.save()
                form.save_m2m()
                access_after = audit.access_snapshot(saved)
                audit.record_access_changes(
                    saved,
                    access_before,
                    access_after,
                    actor=request.user,
                    ip_address=client_ip(request),
                    created=creating,
                )
                details = _changes(details_before, _snapshot(saved, USER_DETAIL_FIELDS))
                if details and not creating:
                    record_audit(
                        organisation,
                        "settings.user.updated",
                        actor=request.user,
                        ip_address=client_ip(request),
                        detail={"user_id": saved.pk, "username": saved.username, "changes": details},
                    )
            messages.success(request, f"{'Added' if creating else 'Saved'} {saved}.")
            return redirect("settings_users")
    return _render(
        request,
        "user_form.html",
        {"current": "settings_users", "form": form, "person": person},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_user_new(request):
    organisation = require_settings_admin(request.user)
    return _save_person(request, organisation, None)


@login_required
@require_http_methods(["GET", "POST"])
def settings_user_edit(request, user_id: int):
    organisation = require_settings_admin(request.user)
    person = get_object_or_404(User, pk=user_id, organisation=organisation)
    return _save_person(request, organisation, person)


@login_required
@require_http_methods(["GET", "POST"])
def settings_team_new(request):
    return _save_team(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def settings_team_edit(request, team_id: int):
    return _save_team(request, team_id)


def _save_team(request, team_id: int | None):
    organisation = require_settings_admin(request.user)
    team = (
        get_object_or_404(Team, pk=team_id, organisation=organisation)
        if team_id
        else Team(organisation=organisation)
    )
    old_name = team.name
    form = TeamForm(request.POST or None, instance=team, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            record_audit(
                organisation,
                "settings.team.created" if team_id is None else "settings.team.renamed",
                actor=request.user,
                ip_address=client_ip(request),
                detail={"team_id": saved.pk, "name": [old_name, saved.name] if team_id else saved.name},
            )
        messages.success(request, f"Team {saved.name} saved.")
        return redirect("settings_users")
    return _render(
        request,
        "team_form.html",
        {"current": "settings_users", "form": form, "team": team},
        status=422 if request.method == "POST" else 200,
    )


# ------------------------------------------------------------------------------------------ lead sources


def _source_links(source: LeadSource) -> dict:
    links = {"mapping": _url_or_blank("source_mapping", source.pk)}
    if source.channel == Channel.WEB_FORM:
        links["share"] = _url_or_blank("web_form_share", source.pk)
    if source.channel == Channel.CSV:
        links["upload"] = _url_or_blank("csv_upload", source.pk)
    links["rejected"] = (
        (_url_or_blank("intake_list") + f"?source={source.pk}&status=rejected") if links else ""
    )
    return links


@login_required
@require_http_methods(["GET", "POST"])
def settings_sources(request):
    organisation = require_settings_admin(request.user)
    form = NewLeadSourceForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        source, secrets = create_source(
            organisation,
            channel=form.cleaned_data["channel"],
            name=form.cleaned_data["name"],
            vendor=form.cleaned_data["vendor"],
            cost_per_lead=form.cleaned_data["cost_per_lead"] or 0,
            actor=request.user,
        )
        # Shown once, on this response only: only a hash of an API key is stored.
        issued = {"source": source, **{key: value for key, value in secrets.items() if value}}
        messages.success(request, f"Source {source.name} created.")
        form = NewLeadSourceForm()
    sources = LeadSource.objects.filter(organisation=organisation).order_by("-is_active", "name")
    rows = [
        {"source": source, "intake_url": intake_url(source), **_source_links(source)} for source in sources
    ]
    return _render(
        request,
        "sources.html",
        {"current": "settings_sources", "rows": rows, "form": form, "issued": issued},
        status=422 if request.method == "POST" and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_source_edit(request, source_id: int):
    organisation = require_settings_admin(request.user)
    source = get_object_or_404(LeadSource, pk=source_id, organisation=organisation)
    fields = list(LeadSourceForm.Meta.fields)
    before = _snapshot(source, fields)
    form = LeadSourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            changes = _changes(before, _snapshot(saved, fields))
            required = form.cleaned_data["requires_consent_token"]
            if compliance.set_source_requires_consent_token(saved, required):
                changes["requires_consent_token"] = (not required, required)
            if changes:
                record_audit(
                    organisation,
                    "lead_source.updated",
                    actor=request.user,
                    ip_address=client_ip(request),
                    detail={
                        "source": saved.pk,
                        "changes": {k: [str(v[0]), str(v[1])] for k, v in changes.items()},
                    },
                )
        messages.success(request, f"Source {saved.name} saved." if changes else "Nothing changed.")
        return redirect("settings_sources")
    return _render(
        request,
        "source_form.html",
        {
            "current": "settings_sources",
            "form": form,
            "source": source,
            "intake_url": intake_url(source),
            **_source_links(source),
        },
        status=422 if request.method == "POST" else 200,
    )


# ------------------------------------------------------------------------------------ organisation forms


def _organisation_page(request, *, form_class, section: str, template: str, action: str, extra_fields=()):
    organisation = require_settings_admin(request.user)
    fields = list(form_class.Meta.fields) + list(extra_fields)
    before = _snapshot(organisation, fields)
    form = form_class(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save(commit=False)
            for name in extra_fields:
                setattr(saved, name, form.cleaned_data[name])
            saved.save()
            changes = _changes(before, _snapshot(saved, fields))
            if changes:
                record_audit(
                    organisation,
                    action,
                    actor=request.user,
                    ip_address=client_ip(request),
                    detail={"changes": changes},
                )
        messages.success(request, "Saved." if changes else "Nothing changed.")
        return redirect(section)
    return _render(
        request,
        template,
        {"current": section, "form": form, "organisation": organisation},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_sla(request):
    return _organisation_page(
        request,
        form_class=SlaForm,
        section="settings_sla",
        template="sla.html",
        action="settings.sla.updated",
        extra_fields=("business_hours", "sla_escalation"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_compliance(request):
    return _organisation_page(
        request,
        form_class=ComplianceForm,
        section="settings_compliance",
        template="compliance.html",
        action="settings.compliance.updated",
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_organisation(request):
    return _organisation_page(
        request,
        form_class=OrganisationForm,
        section="settings_organisation",
        template="organisation.html",
        action="settings.organisation.updated",
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_reports(request):
    """Revenue per funded loan, the stages each funnel step counts, sources' monthly fees, managers' digests."""
    organisation = require_settings_admin(request.user)
    month = timezone.localdate()
    form = ReportSettingsForm(organisation, month, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        changes = update_report_settings(
            organisation, form.wanted(), actor=request.user, ip_address=client_ip(request)
        )
        messages.success(request, "Saved." if changes else "Nothing changed.")
        return redirect("settings_reports")
    return _render(
        request,
        "reports.html",
        {"current": "settings_reports", "form": form, "organisation": organisation},
        status=422 if request.method == "POST" else 200,
    )
