"""Seeding the demo: the whole story in one transaction, chapter by chapter."""

import random

from django.db import transaction
from django.utils import timezone

from firstcall.accounts.models import Organisation, User
from firstcall.cadences.editing import start_default_cadences
from firstcall.cadences.models import Cadence, CadenceStep, Enrolment
from firstcall.cadences.services import enrol_new_lead
from firstcall.documents.demo import seed_documents
from firstcall.flows.compliance_examples import seed_compliance_examples
from firstcall.flows.reply_understood import seed_reply_examples
from firstcall.leads.models import Lead
from firstcall.leads.stages import ensure_default_pipelines
from firstcall.reports.demo import seed_report_story
from firstcall.web.demo.arrivals import PlannedArrivals
from firstcall.web.demo.capturing import Capturing, SeedSummary
from firstcall.web.demo.cast import (
    DEFAULT_LEAD_COUNT,
    DEFAULT_SEED,
    DEMO_ORG_NAME,
    DEMO_ORG_NMLS,
    DEMO_ORG_SLUG,
    FRESH_WINDOW,
    PEOPLE,
)
from firstcall.web.demo.people import PeopleAndSources
from firstcall.web.demo.pipeline_work import PipelineWork
from firstcall.web.demo.todays_work import TodaysWork


class DemoAlreadySeeded(Exception):
    pass


def seed_demo(
    *, lead_count: int = DEFAULT_LEAD_COUNT, seed: int = DEFAULT_SEED, reset: bool = False
) -> SeedSummary:
    """Create the demo organisation: people, sources and `lead_count` leads, in one transaction."""
    started = timezone.now()
    with transaction.atomic():
        existing = Organisation.objects.filter(slug=DEMO_ORG_SLUG).first()
        if existing is not None:
            if not reset:
                raise DemoAlreadySeeded(f"The organisation {DEMO_ORG_SLUG!r} already exists (use --reset).")
            _delete_demo(existing)
        taken = User.objects.filter(username__in=[person.username for person in PEOPLE]).values_list(
            "username", flat=True
        )
        if taken:
            raise DemoAlreadySeeded(f"Usernames already used outside the demo: {', '.join(sorted(taken))}")
        summary = _Seeder(random.Random(seed), lead_count).run()
    summary.seconds = (timezone.now() - started).total_seconds()
    return summary


def _start_follow_up_for(organisation, since) -> int:
    """Follow-up on, as for any new organisation, and running for the leads that arrived in the last hour."""
    start_default_cadences(organisation)
    fresh = Lead.objects.filter(
        organisation=organisation, created_at__gte=since, first_human_contact_at__isnull=True
    )
    return sum(1 for lead in fresh if enrol_new_lead(lead))


def _delete_demo(organisation: Organisation) -> None:
    # Leads protect their pipeline stages, so they go first, taking their enrolments and step runs (which
    # protect cadence versions and steps). Cadences protect their current version and steps their message
    # templates, so the steps and cadences go next; the rest (people, sources, records) cascades.
    Lead.objects.filter(organisation=organisation).delete()
    Enrolment.objects.filter(organisation=organisation).delete()
    cadences = Cadence.objects.filter(organisation=organisation)
    cadences.update(current_version=None)
    CadenceStep.objects.filter(version__cadence__organisation=organisation).delete()
    cadences.delete()
    organisation.delete()


class _Seeder(PeopleAndSources, PlannedArrivals, Capturing, PipelineWork, TodaysWork):
    def __init__(self, rng: random.Random, lead_count: int):
        # Two streams: who the borrowers are and what they asked (the same on every run), and when things
        # happened (relative to now, so they may differ with the time of day the demo is seeded).
        self.rng = rng
        self.clock = random.Random(rng.random())
        self.lead_count = lead_count
        self.now = timezone.now().replace(microsecond=0)
        self.used_emails: set[str] = set()
        self.used_phones: set[str] = set()
        self.used_names: set[tuple[str, str, str]] = set()

    # --- organisation, people, sources -------------------------------------------------------------------
    def _start_follow_up(self) -> None:
        _start_follow_up_for(self.organisation, self.now - FRESH_WINDOW)

    def run(self) -> SeedSummary:
        self.organisation = Organisation.objects.create(
            name=DEMO_ORG_NAME,
            slug=DEMO_ORG_SLUG,
            postal_address="100 Demo Plaza, Suite 400, Tampa, FL 33602",
            # The company's NMLS ID goes in every marketing message (SAFE Act); the loan officers have theirs.
            nmls_id=DEMO_ORG_NMLS,
            time_zone="America/New_York",
        )
        ensure_default_pipelines(self.organisation)
        self._create_people()
        self._create_sources()
        summary = SeedSummary(organisation=self.organisation)
        self._capture_all(self._plan_submissions(), summary)
        self._work_the_pipeline()
        self._add_the_days_work()
        self._start_follow_up()
        # Other parts of the product add their demo data here, one call each, after the leads exist.
        seed_compliance_examples(self.organisation)
        seed_documents(self.organisation)
        seed_reply_examples(self.organisation)
        seed_report_story(self.organisation)
        return summary
