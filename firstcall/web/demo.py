"""The demo organisation: a small lender with people, sources and a few hundred believable leads.

Every lead enters through `capture()`, exactly as a real one would, so the demo exercises the same door as
production: normalisation, dedupe (some borrowers come back), idempotency (some vendors retry) and rejections
(some payloads are broken). Work that has no service of its own yet (moving leads along the pipeline) is
applied afterwards in bulk, with a timeline event for every step, so the screens tell a coherent story.

Everything is fake and deterministic (fixed random seed): names, 555-01xx phone numbers (reserved for
fiction by the North American Numbering Plan), example.* email domains (RFC 2606) and documentation IP
ranges (RFC 5737).
"""

import json
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils import timezone

from firstcall.accounts.models import Organisation, Team, User
from firstcall.flows.lead_arrives import lead_arrives as capture
from firstcall.leads.models import Channel, IdempotencyKey, IntakeRecord, Lead, LeadSource
from firstcall.leads.services import reject_intake
from firstcall.leads.sources import create_source
from firstcall.leads.submission import ConsentInput, LeadSubmission
from firstcall.lib.phones import InvalidPhone, normalise_phone
from firstcall.pipeline.models import Stage, TimelineEvent
from firstcall.pipeline.services import ensure_default_pipelines

DEMO_ORG_NAME = "Demo Home Loans"
DEMO_ORG_SLUG = "demo-home-loans"
DEFAULT_LEAD_COUNT = 300
DEFAULT_SEED = 2026
# Leads received this recently are captured with the organisation's real settings, and left as routed.
FRESH_WINDOW = timedelta(hours=1)

# Demo-only passwords: fixed and readable on purpose, printed by `firstcall demo`. Never use them elsewhere.
ADMIN_PASSWORD = "demo-admin-2026"
MANAGER_PASSWORD = "demo-manager-2026"
OFFICER_PASSWORD = "demo-officer-2026"
PROCESSOR_PASSWORD = "demo-processor-2026"
PARTNER_PASSWORD = "demo-partner-2026"


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    role: str
    password: str
    label: str
    nmls_id: str = ""
    licensed_states: tuple = ()
    languages: tuple = ("en",)
    phone: str = ""
    time_zone: str = "America/New_York"
    team: str = ""

    @property
    def email(self) -> str:
        return f"{self.username}@demo-home-loans.example.com"


PEOPLE = [
    Person(
        "admin",
        "Alex",
        "Morgan",
        User.Role.ADMIN,
        ADMIN_PASSWORD,
        "Admin (everything, intake screen)",
        phone="+18135550101",
    ),
    Person(
        "manager",
        "Maria",
        "Torres",
        User.Role.MANAGER,
        MANAGER_PASSWORD,
        "Manager (both teams)",
        phone="+18135550102",
        languages=("en", "es"),
    ),
    Person(
        "olivia",
        "Olivia",
        "Bennett",
        User.Role.LOAN_OFFICER,
        OFFICER_PASSWORD,
        "Loan officer, FL + GA",
        nmls_id="2010451",
        licensed_states=("FL", "GA"),
        phone="+18135550110",
        team="East Coast",
    ),
    Person(
        "carlos",
        "Carlos",
        "Mendoza",
        User.Role.LOAN_OFFICER,
        OFFICER_PASSWORD,
        "Loan officer, TX, habla español",
        nmls_id="2010452",
        licensed_states=("TX",),
        languages=("en", "es"),
        phone="+12145550120",
        time_zone="America/Chicago",
        team="South & West",
    ),
    Person(
        "priya",
        "Priya",
        "Raman",
        User.Role.LOAN_OFFICER,
        OFFICER_PASSWORD,
        "Loan officer, CA + AZ",
        nmls_id="2010453",
        licensed_states=("CA", "AZ"),
        phone="+14155550130",
        time_zone="America/Los_Angeles",
        team="South & West",
    ),
    Person(
        "daniel",
        "Daniel",
        "Kim",
        User.Role.LOAN_OFFICER,
        OFFICER_PASSWORD,
        "Loan officer, NY + NJ",
        nmls_id="2010454",
        licensed_states=("NY", "NJ"),
        languages=("en", "ko"),
        phone="+12125550140",
        team="East Coast",
    ),
    Person(
        "processor",
        "Pat",
        "Quinn",
        User.Role.PROCESSOR,
        PROCESSOR_PASSWORD,
        "Processor (files in processing)",
        phone="+18135550150",
    ),
    Person(
        "partner",
        "Rita",
        "Alvarez",
        User.Role.PARTNER,
        PARTNER_PASSWORD,
        "Referral partner (real-estate agent)",
        phone="+18135550160",
    ),
]

# (username, password, role label) for `firstcall demo` to print.
DEMO_LOGINS = [(person.username, person.password, person.label) for person in PEOPLE]

WEEKDAY_HOURS = {day: ["08:30", "18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
OFFICER_HOURS = {**WEEKDAY_HOURS, "sat": ["10:00", "14:00"]}


@dataclass(frozen=True)
class SourcePlan:
    key: str
    channel: str
    name: str
    vendor: str
    cost_per_lead: Decimal
    weight: int


SOURCES = [
    SourcePlan("website", Channel.WEB_FORM, "Website", "", Decimal("0.00"), 20),
    SourcePlan(
        "marketplace",
        Channel.API,
        "Zillow-style API",
        "Home marketplace (Zillow-style)",
        Decimal("35.00"),
        20,
    ),
    SourcePlan("google", Channel.GOOGLE_ADS, "Google Ads lead forms", "Google Ads", Decimal("28.50"), 20),
    SourcePlan("meta", Channel.META, "Facebook & Instagram lead ads", "Meta", Decimal("18.75"), 17),
    SourcePlan(
        "exchange",
        Channel.VENDOR_POST,
        "LendingTree-style",
        "Lead exchange (LendingTree-style)",
        Decimal("42.00"),
        15,
    ),
    SourcePlan("open_house", Channel.CSV, "Open house sign-ins (CSV)", "", Decimal("0.00"), 8),
]

# ZIP -> local area codes, per state the officers are licensed in. Every ZIP exists in the zipcodes data.
# fmt: off
ZIPS_BY_STATE = {
    "FL": {"33602": ["813"], "32801": ["407"], "33130": ["305", "786"], "32202": ["904"], "33301": ["954"],
           "33411": ["561"]},
    "GA": {"30303": ["404", "678"], "30062": ["770"], "31401": ["912"], "30601": ["706"]},
    "TX": {"75201": ["214", "469"], "77002": ["713", "832"], "78701": ["512"], "78205": ["210"],
           "76102": ["817"]},
    "CA": {"90012": ["213", "323"], "94103": ["415"], "92101": ["619"], "95814": ["916"], "92612": ["949"],
           "91101": ["626"]},
    "AZ": {"85004": ["602"], "85701": ["520"], "85281": ["480"]},
    "NY": {"10001": ["212", "917"], "11201": ["718", "347"], "14202": ["716"], "12207": ["518"]},
    "NJ": {"07302": ["201"], "08608": ["609"], "07102": ["973"], "07960": ["973"]},
}
STATE_WEIGHTS = {"FL": 22, "GA": 10, "TX": 20, "CA": 16, "AZ": 8, "NY": 14, "NJ": 10}
# Typical purchase price range per state, in thousands of dollars.
PRICE_RANGE = {"FL": (240, 720), "GA": (210, 560), "TX": (220, 610), "CA": (520, 1650), "AZ": (260, 640),
               "NY": (340, 1250), "NJ": (310, 860)}
SPANISH_LEANING_STATES = {"FL", "TX", "CA", "AZ"}

FIRST_NAMES = [
    "James", "Mary", "Michael", "Jennifer", "Robert", "Linda", "David", "Elizabeth", "William", "Sarah",
    "Christopher", "Jessica", "Matthew", "Ashley", "Joshua", "Emily", "Andrew", "Megan", "Ryan", "Lauren",
    "Brandon", "Rachel", "Tyler", "Hannah", "Kevin", "Nicole", "Justin", "Samantha", "Aaron", "Chloe",
    "Ethan", "Marcus", "Aisha", "Jamal", "Keisha", "Wei", "Mei", "Arjun", "Deepa", "Minh", "Linh", "Hyun",
    "Grace", "Noah", "Zoe", "Liam", "Ava", "Mason", "Abigail", "Logan", "Brianna", "Caleb", "Destiny", "Owen",
    "Tamika",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
    "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson",
    "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins",
    "Edwards", "Stewart", "Morris", "Nguyen", "Patel", "Kim", "Chen", "Singh", "O'Brien", "McDonald",
    "Washington", "Brooks", "Price",
]
HISPANIC_FIRST_NAMES = [
    "José", "María", "Juan", "Ana", "Luis", "Carmen", "Carlos", "Sofía", "Miguel", "Lucía", "Jorge",
    "Valentina", "Alejandro", "Isabel", "Diego", "Camila", "Fernando", "Gabriela", "Ricardo", "Daniela",
    "Javier", "Rosa",
]
HISPANIC_LAST_NAMES = [
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez",
    "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Reyes", "Gutiérrez", "Ortiz",
    "de la Cruz",
]
# fmt: on
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com"]
NOTES = [
    "Relocating for work; needs to close before the school year.",
    "Wants to compare FHA and conventional payments.",
    "Best time to call is after 5pm.",
    "Already pre-approved elsewhere, shopping the rate.",
    "Renting now, lease ends in three months.",
    "Looking at a condo near downtown.",
    "Wants to take cash out for a kitchen remodel.",
    "Asked about down payment assistance programs.",
    "Self-employed for 3 years, has two years of returns.",
    "Prefiero hablar en español, por favor.",
]
LOST_REASONS = [
    "Went with another lender",
    "No response after 8 attempts",
    "Credit below program minimums",
    "Decided to keep renting",
    "Debt-to-income too high for now",
    "Rate shopping only",
    "Deal fell through (inspection)",
]
# What loan officers write on a file after a call, and what borrowers text back.
FILE_NOTES = [
    "Sent the FHA vs conventional comparison; she wants to think it over with her husband.",
    "Pre-approval letter sent. Her realtor is Maria's contact from the Bayshore open house.",
    "Needs two months of bank statements and last year's W-2 before we can run AUS.",
    "Co-borrower is his sister; both on title. Asked about gift funds for closing costs.",
    "Rate lock discussed: wants to float until the appraisal is back.",
    "Credit report pulled; one collection from 2021 to explain in writing.",
    "Seller credit of 3% negotiated; updated the fee sheet.",
]
BORROWER_REPLIES = [
    "Yes! Can you call me after 5? I'm at work until then.",
    "We found a house we love, what do you need from me to get the letter?",
    "Is the rate you quoted still good for this week?",
    "Sorry I missed your call. Tomorrow morning works.",
    "Do you do VA loans? My husband is a veteran.",
    "I uploaded the bank statements, did you get them?",
]
# (title, kind, due: days from today, local hour; None = no due date, days < 0 = overdue)
OFFICER_TASKS = [
    ("Call back about the rate lock", "call", (-1, 16)),
    ("Collect the last two pay stubs", "document", (0, 9)),
    ("Send the updated fee sheet", "follow_up", (0, 17)),
    ("Rate review", "appointment", (0, 11)),
    ("Pre-approval walk-through", "appointment", (0, 15)),
    ("Check in after the showing", "follow_up", (2, 10)),
    ("Order the appraisal", "document", (6, 12)),
    ("Ask for a Zillow review", "other", None),
]
CREDIT_BAND_WORDS = ["Excellent", "Very Good", "Good", "Fair", "Poor"]
CREDIT_BAND_WEIGHTS = [30, 30, 24, 11, 5]


@dataclass
class Borrower:
    first_name: str
    last_name: str
    email: str
    phone: str
    state: str
    zip_code: str
    language: str
    is_veteran: bool


@dataclass
class PlannedSubmission:
    """One delivery to capture(): which source, when, the submission and how its raw body looked."""

    source_key: str
    received_at: datetime
    submission: LeadSubmission
    body: str
    content_type: str
    headers: dict = field(default_factory=dict)
    remote_ip: str = ""
    is_signature_valid: bool | None = True
    borrower: Borrower | None = None


@dataclass
class SeedSummary:
    organisation: Organisation
    leads: int = 0
    merged: int = 0
    duplicates: int = 0
    rejected: int = 0
    seconds: float = 0.0


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


def _delete_demo(organisation: Organisation) -> None:
    # Leads protect their pipeline stages, so they go first; the rest (people, sources, records) cascades.
    Lead.objects.filter(organisation=organisation).delete()
    organisation.delete()


class _Seeder:
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
    def run(self) -> SeedSummary:
        self.organisation = Organisation.objects.create(
            name=DEMO_ORG_NAME,
            slug=DEMO_ORG_SLUG,
            postal_address="100 Demo Plaza, Suite 400, Tampa, FL 33602",
            time_zone="America/New_York",
        )
        ensure_default_pipelines(self.organisation)
        self._create_people()
        self._create_sources()
        summary = SeedSummary(organisation=self.organisation)
        self._capture_all(self._plan_submissions(), summary)
        self._work_the_pipeline()
        self._add_the_days_work()
        return summary

    def _create_people(self) -> None:
        teams = {
            name: Team.objects.create(organisation=self.organisation, name=name)
            for name in ("East Coast", "South & West")
        }
        # Hash each distinct password once (see _demo_password_hash).
        hashed = {
            password: _demo_password_hash(password) for password in {person.password for person in PEOPLE}
        }
        self.users: dict[str, User] = {}
        for person in PEOPLE:
            is_officer = person.role == User.Role.LOAN_OFFICER
            # Officers also work Saturday mornings; the referral partner keeps no hours with us.
            hours = (
                OFFICER_HOURS if is_officer else ({} if person.role == User.Role.PARTNER else WEEKDAY_HOURS)
            )
            user = User.objects.create(
                username=person.username,
                password=hashed[person.password],
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
                organisation=self.organisation,
                role=person.role,
                is_staff=person.role == User.Role.ADMIN,
                is_superuser=person.role == User.Role.ADMIN,
                nmls_id=person.nmls_id,
                licensed_states=list(person.licensed_states),
                languages=list(person.languages),
                phone=person.phone,
                time_zone=person.time_zone,
                working_hours=hours,
                daily_lead_cap=25 if is_officer else None,
                accepts_leads=is_officer,
            )
            if person.team:
                user.teams.add(teams[person.team])
            self.users[person.username] = user
        self.users["manager"].managed_teams.add(*teams.values())
        self.officers = [user for user in self.users.values() if user.role == User.Role.LOAN_OFFICER]

    def _create_sources(self) -> None:
        self.sources: dict[str, LeadSource] = {}
        for plan in SOURCES:
            source, _issued = create_source(
                self.organisation,
                channel=plan.channel,
                name=plan.name,
                vendor=plan.vendor,
                cost_per_lead=plan.cost_per_lead,
            )
            self.sources[plan.key] = source
        self.intake_paths = {source.pk: _intake_path(source) for source in self.sources.values()}

    # --- planning the deliveries ---------------------------------------------------------------------------
    def _plan_submissions(self) -> list[PlannedSubmission]:
        rng = self.rng
        planned: list[PlannedSubmission] = []
        source_keys = [plan.key for plan in SOURCES]
        source_weights = [plan.weight for plan in SOURCES]
        for index in range(self.lead_count):
            borrower = self._new_borrower()
            # Skewed towards recent days (a growing pipeline); a handful in the last 45 minutes.
            if index < max(3, self.lead_count // 60):
                age = timedelta(minutes=self.clock.uniform(1, 45))
            else:
                age = timedelta(days=89.9 * self.clock.random() ** 1.25) + FRESH_WINDOW
            received_at = self._business_time(self.now - age, borrower)
            source_key = rng.choices(source_keys, source_weights)[0]
            planned.append(self._plan(borrower, source_key, received_at))

        # Returning borrowers: a later inquiry from another source, merged into the same lead.
        for original in rng.sample(planned, k=max(2, self.lead_count // 12)):
            later = original.received_at + timedelta(hours=self.clock.uniform(2, 24 * 12))
            borrower = original.borrower
            if rng.random() < 0.4 and borrower.email:
                # A new mobile number: matched on email, the new number kept as another phone.
                borrower = Borrower(
                    **{**borrower.__dict__, "phone": self._phone(borrower.state, borrower.zip_code)}
                )
            other_source = rng.choice([key for key in source_keys if key != original.source_key])
            returning = self._plan(borrower, other_source, min(later, self.now - timedelta(minutes=1)))
            if later < self.now:
                planned.append(returning)

        # Vendor retries: the same delivery (same vendor lead id) arriving again a minute later.
        retriable = [item for item in planned if item.source_key in ("exchange", "marketplace")]
        for original in rng.sample(retriable, k=min(len(retriable), max(1, self.lead_count // 100))):
            retried_at = original.received_at + timedelta(seconds=65)
            if retried_at < self.now:
                planned.append(PlannedSubmission(**{**original.__dict__, "received_at": retried_at}))

        for index in range(max(6, self.lead_count // 50)):  # every broken example at least once
            planned.append(self._plan_rejected(index))
        planned.sort(key=lambda item: item.received_at)
        return planned

    def _new_borrower(self) -> Borrower:
        rng = self.rng
        state = rng.choices(list(STATE_WEIGHTS), list(STATE_WEIGHTS.values()))[0]
        zip_code = rng.choice(list(ZIPS_BY_STATE[state]))
        hispanic = rng.random() < (0.35 if state in SPANISH_LEANING_STATES else 0.12)
        for _attempt in range(40):  # two different borrowers with one name in one ZIP would (rightly) merge
            if hispanic:
                first, last = rng.choice(HISPANIC_FIRST_NAMES), rng.choice(HISPANIC_LAST_NAMES)
            else:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if (first, last, zip_code) not in self.used_names:
                break
        self.used_names.add((first, last, zip_code))
        language = "es" if hispanic and rng.random() < 0.45 else "en"
        has_email = rng.random() > 0.05
        has_phone = not has_email or rng.random() > 0.06
        return Borrower(
            first_name=first,
            last_name=last,
            email=self._email(first, last) if has_email else "",
            phone=self._phone(state, zip_code) if has_phone else "",
            state=state,
            zip_code=zip_code,
            language=language,
            is_veteran=rng.random() < 0.09,
        )

    def _email(self, first: str, last: str) -> str:
        def ascii_lower(text: str) -> str:
            folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
            return "".join(char for char in folded.lower() if char.isalnum())

        first_part, last_part = ascii_lower(first), ascii_lower(last)
        patterns = [
            f"{first_part}.{last_part}",
            f"{first_part}{last_part}",
            f"{first_part[0]}{last_part}",
            f"{first_part}_{last_part}",
        ]
        local = self.rng.choice(patterns)
        while True:
            email = f"{local}@{self.rng.choice(EMAIL_DOMAINS)}"
            if email not in self.used_emails:
                self.used_emails.add(email)
                return email
            local = f"{local.rstrip('0123456789')}{self.rng.randint(1, 99)}"

    def _phone(self, state: str, zip_code: str) -> str:
        """A fictional 555-01xx number with an area code of the borrower's city, typed in varied styles."""
        area_codes = ZIPS_BY_STATE[state][zip_code]
        for _attempt in range(60):
            area_code = self.rng.choice(area_codes)
            line = f"01{self.rng.randint(0, 99):02d}"
            e164 = f"+1{area_code}555{line}"
            if e164 not in self.used_phones:
                break
        else:  # this city's fictional numbers are used up (very large --leads): any valid number will do
            while True:
                area_code = self.rng.choice(area_codes)
                line = f"{self.rng.randint(0, 9999):04d}"
                exchange = str(self.rng.randint(201, 989))
                try:
                    e164 = normalise_phone(f"+1{area_code}{exchange}{line}")
                except InvalidPhone:  # e.g. an N11 exchange
                    continue
                if e164 not in self.used_phones:
                    self.used_phones.add(e164)
                    return e164
        self.used_phones.add(e164)
        style = self.rng.randrange(4)
        return [
            f"({area_code}) 555-{line}",
            f"{area_code}-555-{line}",
            f"{area_code}555{line}",
            f"+1 {area_code} 555 {line}",
        ][style]

    def _business_time(self, moment: datetime, borrower: Borrower) -> datetime:
        """Move a moment to a plausible local hour (7am-10pm) for the borrower, never into the future."""
        zone = ZoneInfo(_zone_for_state(borrower.state))
        local = moment.astimezone(zone)
        if 7 <= local.hour < 22 or self.now - moment < timedelta(hours=3):
            return moment
        local = local.replace(hour=self.clock.randint(8, 20), minute=self.clock.randint(0, 59))
        shifted = local.astimezone(ZoneInfo("UTC"))
        while shifted >= self.now:
            shifted -= timedelta(days=1)
        return max(shifted, self.now - timedelta(days=89, hours=23))

    def _plan(self, borrower: Borrower, source_key: str, received_at: datetime) -> PlannedSubmission:
        rng = self.rng
        purpose = rng.choices(
            ["purchase", "rate_term_refinance", "cash_out_refinance", "heloc"], [60, 15, 15, 10]
        )[0]
        low, high = PRICE_RANGE[borrower.state]
        price = Decimal(rng.randrange(low, high, 5) * 1000)
        fields: dict = {
            "first_name": borrower.first_name,
            "last_name": borrower.last_name,
            "email": borrower.email,
            "phone": borrower.phone,
            "zip": borrower.zip_code,
            "purpose": purpose,
            "preferred_language": borrower.language,
            "property_type": rng.choices(
                ["single_family", "condo", "townhouse", "multi_family", "manufactured"], [64, 16, 12, 5, 3]
            )[0],
            "property_use": rng.choices(["primary", "second_home", "investment"], [85, 6, 9])[0],
            "veteran": borrower.is_veteran,
            "employment_type": rng.choices(["w2", "self_employed", "retired", "military"], [70, 18, 8, 4])[0],
        }
        if borrower.is_veteran and rng.random() < 0.3:
            fields["employment_type"] = "military"
        if purpose == "purchase":
            down_share = rng.choice(
                [Decimal("0.035"), Decimal("0.05"), Decimal("0.10"), Decimal("0.20"), Decimal("0.25")]
            )
            fields.update(
                purchase_price=price,
                down_payment=(price * down_share).quantize(Decimal("1000")),
                first_time_buyer=rng.random() < 0.42,
                has_real_estate_agent=rng.random() < 0.55,
                timeframe=rng.choices(
                    ["asap", "30_days", "90_days", "6_months", "12_months_plus"], [12, 24, 34, 20, 10]
                )[0],
            )
            loan_type = rng.choices(["conventional", "fha", "usda", "not_sure"], [50, 28, 4, 18])[0]
            if borrower.is_veteran and rng.random() < 0.7:
                loan_type = "va"
            if price - fields["down_payment"] > Decimal("832750"):  # 2026 baseline conforming limit (FHFA)
                loan_type = "jumbo"
        else:
            value = price * Decimal(rng.choice(["0.9", "1.0", "1.1", "1.25"]))
            fields.update(
                property_value=value.quantize(Decimal("1000")),
                loan_balance=(value * Decimal(rng.uniform(0.25, 0.72))).quantize(Decimal("1000")),
                timeframe=rng.choices(["asap", "30_days", "90_days", "unknown"], [30, 40, 20, 10])[0],
            )
            loan_type = (
                "conventional"
                if purpose == "heloc"
                else rng.choice(["conventional", "fha", "va", "not_sure"])
            )
            if loan_type == "va" and not borrower.is_veteran:
                loan_type = "conventional"
        fields["loan_type"] = loan_type
        if rng.random() < 0.5:
            fields["credit_band"] = rng.choices(CREDIT_BAND_WORDS, CREDIT_BAND_WEIGHTS)[0]
        else:
            fields["credit_score"] = rng.randint(585, 812)
        if rng.random() < 0.45:
            income = Decimal(rng.randrange(48, 260)) * 1000
            fields["annual_income"] = income
            fields["monthly_debts"] = Decimal(rng.randrange(150, 2400, 25))
        if rng.random() < 0.18:
            fields["notes"] = rng.choice(NOTES[:-1] if borrower.language != "es" else NOTES)
        if purpose == "purchase" and borrower.state in ("FL", "GA") and rng.random() < 0.3:
            # Rita, the demo's real-estate agent, works the Tampa Bay and Atlanta markets.
            fields["referral_partner_email"] = self.users["partner"].email

        submission, body, content_type, headers, remote_ip = self._channel_shape(
            source_key, fields, received_at
        )
        return PlannedSubmission(
            source_key, received_at, submission, body, content_type, headers, remote_ip, borrower=borrower
        )

    def _consent(self, source_key: str, received_at: datetime) -> ConsentInput | None:
        rng = self.rng
        if source_key == "open_house":
            return None  # a paper sign-in sheet carries no electronic consent
        sms = rng.random() > 0.12
        return ConsentInput(
            sms=sms,
            email=True,
            calls=sms or rng.random() > 0.5,
            text=self.organisation.consent_text(),
            ip=f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randint(1, 254)}",
            user_agent=rng.choice(
                [
                    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15",
                    "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile",
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
                ]
            ),
            page_url={
                "website": "https://www.demo-home-loans.example.com/get-started",
                "marketplace": "https://marketplace.example.com/lenders/demo-home-loans",
                "exchange": "https://exchange.example.net/compare-rates",
            }.get(source_key, ""),
            trusted_form_url=(
                f"https://cert.trustedform.com/{rng.getrandbits(160):040x}"
                if source_key in ("exchange", "marketplace")
                else ""
            ),
            leadid_token=(f"{rng.getrandbits(128):032x}" if source_key == "exchange" else ""),
        )

    def _channel_shape(self, source_key: str, fields: dict, received_at: datetime):
        """The submission plus what the raw request of that channel would have looked like."""
        rng = self.rng
        consent = self._consent(source_key, received_at)
        utm: dict = {}
        external_id = ""
        gclid = ""
        plain = {key: (str(value) if isinstance(value, Decimal) else value) for key, value in fields.items()}
        state = _state_of(fields["zip"])
        if source_key == "website":
            utm = rng.choice([{"source": "organic"}, {"source": "newsletter", "medium": "email"}, {}])
            body = urlencode({**plain, "consent": "on" if consent and consent.sms else ""})
            content_type, headers = "application/x-www-form-urlencoded", {"user-agent": consent.user_agent}
            remote_ip = consent.ip
        elif source_key == "marketplace":
            external_id = f"ZM-{rng.randint(10**8, 10**9 - 1)}"
            body = json.dumps({**plain, "external_id": external_id, "consent": consent.__dict__})
            content_type = "application/json"
            headers = {"x-api-key": "[redacted]", "user-agent": "marketplace-delivery/3.2"}
            remote_ip = f"198.51.100.{rng.randint(10, 40)}"
        elif source_key == "google":
            external_id = f"{rng.getrandbits(64):x}"
            gclid = f"Cj0KCQiA{rng.getrandbits(96):024x}"
            utm = {
                "source": "google",
                "medium": "cpc",
                "campaign": f"{fields['purpose'].replace('_', '-')}-{state.lower()}",
            }
            columns = [
                ("FIRST_NAME", fields["first_name"]),
                ("LAST_NAME", fields["last_name"]),
                ("EMAIL", fields["email"]),
                ("PHONE_NUMBER", fields["phone"]),
                ("POSTAL_CODE", fields["zip"]),
            ]
            body = json.dumps(
                {
                    "lead_id": external_id,
                    "api_version": "1.0",
                    "form_id": 40217,
                    "campaign_id": 21133700,
                    "adgroup_id": 15520001,
                    "creative_id": 68881,
                    "gcl_id": gclid,
                    "google_key": "[redacted]",
                    "is_test": False,
                    "user_column_data": [
                        {"column_id": column, "string_value": value} for column, value in columns if value
                    ],
                }
            )
            content_type, headers = "application/json", {"user-agent": "Google-Ads-Lead-Forms"}
            remote_ip = f"203.0.113.{rng.randint(10, 40)}"
        elif source_key == "meta":
            external_id = str(rng.randint(10**15, 10**16 - 1))
            utm = {
                "source": rng.choice(["facebook", "instagram"]),
                "medium": "paid_social",
                "campaign": f"first-home-{state.lower()}",
            }
            epoch = int(received_at.timestamp())
            body = json.dumps(
                {
                    "object": "page",
                    "entry": [
                        {
                            "id": "104729",
                            "time": epoch,
                            "changes": [
                                {
                                    "field": "leadgen",
                                    "value": {
                                        "leadgen_id": external_id,
                                        "page_id": "104729",
                                        "form_id": "88231",
                                        "created_time": epoch,
                                    },
                                }
                            ],
                        }
                    ],
                }
            )
            content_type = "application/json"
            headers = {"x-hub-signature-256": "sha256=…", "user-agent": "facebookexternalua"}
            remote_ip = f"203.0.113.{rng.randint(41, 80)}"
        elif source_key == "exchange":
            external_id = f"LT-{rng.randint(10**7, 10**8 - 1)}"
            vendor_fields = {
                "LeadID": external_id,
                "FirstName": fields["first_name"],
                "LastName": fields["last_name"],
                "EmailAddress": fields["email"],
                "HomePhone": fields["phone"],
                "PropertyZip": fields["zip"],
                "LoanPurpose": fields["purpose"],
                "CreditRating": fields.get("credit_band", fields.get("credit_score")),
                "PurchasePrice": plain.get("purchase_price", ""),
                "PropertyValue": plain.get("property_value", ""),
                "TCPAConsent": "Y" if consent.sms else "N",
                "TrustedFormCertURL": consent.trusted_form_url,
                "LeadiD": consent.leadid_token,
            }
            body = urlencode(vendor_fields)
            content_type, headers = "application/x-www-form-urlencoded", {"user-agent": "exchange-poster/1.9"}
            remote_ip = f"198.51.100.{rng.randint(41, 80)}"
        else:  # open house CSV
            columns = ["first_name", "last_name", "email", "phone", "zip", "purpose", "notes"]
            body = ",".join(columns) + "\n" + ",".join(f'"{plain.get(column, "")}"' for column in columns)
            content_type, headers, remote_ip = "text/csv", {}, ""
        submission = LeadSubmission(
            **fields,
            external_id=external_id or None,
            utm=utm,
            gclid=gclid or None,
            consent=consent,
        )
        return submission, body, content_type, headers, remote_ip

    def _plan_rejected(self, index: int) -> PlannedSubmission:
        """Broken deliveries an admin would see on the intake screen, each kept with its reasons."""
        rng = self.rng
        examples = [
            {"first_name": "Maria", "last_name": "Gomez", "email": "maria.gomez@@example", "zip": "3360"},
            {"first_name": "Terrence", "last_name": "Hall", "purpose": "purchase", "zip": "75201"},
            {
                "first_name": "Quinn",
                "last_name": "Foster",
                "phone": "555-1234",
                "purpose": "lease",
                "zip": "10001",
            },
            {
                "first_name": "Hannah",
                "last_name": "Reed",
                # Unreachable (no valid phone or email): refused; the odd score and price alone would only be
                # kept as sent with warnings.
                "email": "hreed@example",
                "credit_score": "912",
                "purchase_price": "about 300k",
                "zip": "33602",
            },
            {"first_name": "", "last_name": "", "email": "no-name@example.org", "zip": "85004"},
        ]
        if index % (len(examples) + 1) == len(examples):
            # A delivery with a wrong API key: kept and flagged, never a lead.
            payload = {
                "first_name": "Kyle",
                "last_name": "Ward",
                "email": "kyle.ward@example.net",
                "zip": "78701",
            }
            return PlannedSubmission(
                "marketplace",
                self.now - timedelta(days=self.clock.uniform(0, 30)),
                LeadSubmission(**payload),
                json.dumps(payload),
                "application/json",
                {"x-api-key": "[redacted]"},
                "198.51.100.99",
                is_signature_valid=False,
            )
        payload = examples[index % len(examples)]
        return PlannedSubmission(
            "marketplace",
            self.now - timedelta(days=self.clock.uniform(0, 30)),
            LeadSubmission(**payload),
            json.dumps(payload),
            "application/json",
            {"x-api-key": "[redacted]", "user-agent": "marketplace-delivery/3.2"},
            f"198.51.100.{rng.randint(10, 40)}",
        )

    # --- capture -------------------------------------------------------------------------------------------
    def _capture_all(self, planned: list[PlannedSubmission], summary: SeedSummary) -> None:
        fresh_since = self.now - FRESH_WINDOW
        self._replaying_history(True)
        for item in planned:
            is_history = item.received_at < fresh_since
            if not is_history and self.in_history:
                self._replaying_history(False)
            source = self.sources[item.source_key]
            record = IntakeRecord.objects.create(
                organisation=self.organisation,
                source=source,
                channel=source.channel,
                received_at=item.received_at,
                method="POST",
                path=self.intake_paths[source.pk],
                content_type=item.content_type,
                headers={"content-type": item.content_type, **item.headers},
                body=item.body,
                body_size=len(item.body.encode()),
                remote_ip=item.remote_ip or None,
                is_signature_valid=item.is_signature_valid if source.channel != Channel.CSV else None,
            )
            if item.is_signature_valid is False:
                reject_intake(
                    record, reasons=["Missing or unknown API key (send it in the X-Api-Key header)."]
                )
                summary.rejected += 1
                continue
            capture_started = timezone.now()
            result = capture(
                item.submission, organisation=self.organisation, intake_record=record, source=source
            )
            if not result.is_accepted:
                summary.rejected += 1
                continue
            if result.is_replay:
                summary.duplicates += 1
                continue
            if result.outcome == "merged":
                summary.merged += 1
                Lead.objects.filter(pk=result.lead.pk).update(
                    last_inquiry_at=item.received_at, updated_at=item.received_at
                )
            else:
                summary.leads += 1
            if is_history:
                _backdate(result.lead, since=capture_started, to=item.received_at, read=True)
            else:
                _backdate(result.lead, since=capture_started, to=item.received_at, read=False)
        if self.in_history:
            self._replaying_history(False)
        # Processing took a fraction of a second after arrival, as it does for a live lead.
        for record in IntakeRecord.objects.filter(organisation=self.organisation).only("pk", "received_at"):
            IntakeRecord.objects.filter(pk=record.pk).update(
                processed_at=record.received_at + timedelta(milliseconds=self.clock.randint(40, 400))
            )
        for key in IdempotencyKey.objects.filter(organisation=self.organisation).select_related(
            "first_intake_record"
        ):
            IdempotencyKey.objects.filter(pk=key.pk).update(created_at=key.first_intake_record.received_at)
        self._forget_historical_alerts(fresh_since)

    def _replaying_history(self, on: bool) -> None:
        """While old leads are replayed, routing sees every officer available with no daily cap (those days
        are long over) and no first touch is sent (it was sent at the time). The last hour runs with the
        real settings, so the newest leads get routed, alerted and first-touched exactly as live ones are."""
        self.in_history = on
        officer_ids = [officer.pk for officer in self.officers]
        if on:
            User.objects.filter(pk__in=officer_ids).update(working_hours={}, daily_lead_cap=None)
        else:
            User.objects.filter(pk__in=officer_ids).update(working_hours=OFFICER_HOURS, daily_lead_cap=25)
        if hasattr(self.organisation, "first_touch_enabled"):
            self.organisation.first_touch_enabled = not on
            self.organisation.save(update_fields=["first_touch_enabled"])

    def _forget_historical_alerts(self, fresh_since: datetime) -> None:
        """Staff alert texts and emails for weeks-old leads would all go out now; they were handled then."""
        try:
            message_model = apps.get_model("messaging", "Message")
        except LookupError:
            return
        message_model.objects.filter(
            organisation=self.organisation, purpose="alert", lead__created_at__lt=fresh_since
        ).delete()

    # --- work: owners, first contact, stages, processors ---------------------------------------------------
    def _work_the_pipeline(self) -> None:
        from firstcall.routing.services import assign_lead, record_human_contact

        rng = self.rng
        stages_by_pipeline: dict[int, list[Stage]] = {}
        for stage in Stage.objects.filter(pipeline__organisation=self.organisation).order_by("position"):
            stages_by_pipeline.setdefault(stage.pipeline_id, []).append(stage)
        processor = self.users["processor"]
        events: list[TimelineEvent] = []
        leads = list(
            Lead.objects.filter(organisation=self.organisation)
            .select_related("stage", "owner")
            .order_by("created_at")
        )
        for lead in leads:
            age_days = (self.now - lead.created_at).total_seconds() / 86400
            if age_days * 86400 < FRESH_WINDOW.total_seconds():
                continue  # the newest leads stay exactly as routing and first touch left them
            owner = lead.owner
            if owner is None:
                # Routing could not place it back then (e.g. an offer nobody claimed): a manager assigned it.
                owner = self._owner_for(lead)
                if owner is None:
                    continue
                started = timezone.now()
                assigned_at = lead.created_at + timedelta(minutes=rng.randint(8, 50))
                assign_lead(
                    lead,
                    owner,
                    reason=f"assigned by a manager (licensed in {lead.state})",
                    now=assigned_at,
                    actor=self.users["manager"],
                    via="manager",
                    alert=False,
                )
                _backdate(lead, since=started, to=assigned_at, read=True)
            stages = stages_by_pipeline[lead.pipeline_id]
            open_stages = [stage for stage in stages if not stage.is_closed]
            won = next(stage for stage in stages if stage.outcome == Stage.Outcome.WON)
            lost = next(stage for stage in stages if stage.outcome == Stage.Outcome.LOST)
            # Older leads are further along; a few recent ones are still waiting for a first call.
            reach = min(len(open_stages) - 1, int(age_days / 60 * len(open_stages) * rng.uniform(0.4, 1.4)))
            if age_days > 1 or rng.random() < 0.85:
                reach = max(reach, 1)
            steps = open_stages[1 : reach + 1]
            target = open_stages[reach]
            roll = rng.random()
            lost_chance = min(0.32, age_days / 90 * 0.4)
            won_chance = 0.0 if age_days < 24 else min(0.35, (age_days - 24) / 66 * 0.45)
            if roll < lost_chance and age_days > 2:
                steps.append(lost)
                target = lost
            elif roll < lost_chance + won_chance:
                steps = open_stages[1:] + [won]
                target = won
            if steps:
                # Most first calls land within the five-minute SLA; some do not (the reports show which).
                delay = rng.choices(
                    [rng.uniform(0.5, 4.5), rng.uniform(6, 40), rng.uniform(60, 360)], [72, 20, 8]
                )[0]
                contacted_at = lead.created_at + timedelta(minutes=delay)
                started = timezone.now()
                record_human_contact(lead, at=contacted_at, actor=owner, how="call connected")
                _backdate(lead, since=started, to=contacted_at, read=True)
            else:
                contacted_at = lead.created_at
            lead.stage = target
            if target.outcome == Stage.Outcome.LOST:
                lead.lost_reason = rng.choice(LOST_REASONS)
            if target.position >= 5 and target.outcome != Stage.Outcome.LOST:
                lead.processor = processor
            # Spread the stage moves between the first call and (for finished files) the closing date.
            span_end = min(
                self.now, lead.created_at + timedelta(days=max(age_days * rng.uniform(0.6, 0.95), 0.02))
            )
            previous = open_stages[0]
            for number, stage in enumerate(steps):
                # "Contacted" is the first call itself; later steps spread out towards the end of the file.
                moved_at = contacted_at + (span_end - contacted_at) * (number / max(len(steps) - 1, 1))
                summary = f"Stage: {previous.name} → {stage.name}"
                if stage.outcome == Stage.Outcome.LOST:
                    summary += f" ({lead.lost_reason})"
                events.append(
                    TimelineEvent(
                        lead=lead,
                        kind=TimelineEvent.Kind.STAGE_CHANGED,
                        actor=owner,
                        created_at=moved_at,
                        summary=summary,
                        data={"from": previous.name, "to": stage.name},
                    )
                )
                previous = stage
                lead.updated_at = moved_at
            if target.is_closed:
                lead.closed_at = lead.updated_at
        Lead.objects.bulk_update(
            leads, ["stage", "lost_reason", "processor", "closed_at", "updated_at"], batch_size=200
        )
        TimelineEvent.objects.bulk_create(events, batch_size=500)

    # --- the day's work: calls, notes, replies waiting, tasks and appointments ----------------------------
    def _add_the_days_work(self) -> None:
        """What a working team leaves behind: logged calls and notes on the files, borrowers' texts waiting
        for an answer, follow-ups (one overdue) and today's appointments, so each officer's My day, the tasks
        page and the lead timelines show a real day rather than empty sections."""
        from firstcall.messaging.models import Message
        from firstcall.pipeline.models import Note, Task

        rng = self.rng
        worked = (
            Lead.objects.filter(
                organisation=self.organisation,
                stage__outcome=Stage.Outcome.OPEN,
                first_human_contact_at__isnull=False,
                owner__isnull=False,
            )
            .select_related("owner")
            .order_by("-updated_at", "-pk")
        )
        by_owner: dict[int, list[Lead]] = {}
        for lead in worked:
            by_owner.setdefault(lead.owner_id, []).append(lead)
        events: list[TimelineEvent] = []
        tasks: list[Task] = []
        for officer in self.officers:
            leads = by_owner.get(officer.pk, [])
            if not leads:
                continue
            for lead in leads:
                called_at = lead.first_human_contact_at
                events.append(
                    TimelineEvent(lead=lead, kind=TimelineEvent.Kind.CALL, actor=officer, created_at=called_at,
                                  summary="Call: talked to the borrower",
                                  data={"outcome": "connected", "notes": "", "phone": lead.phone,
                                        "at": called_at.isoformat()}))  # fmt: skip
                if rng.random() < 0.5:
                    written_at = min(self.now, called_at + timedelta(minutes=rng.randint(5, 90)))
                    body = rng.choice(FILE_NOTES)
                    note = Note.objects.create(lead=lead, author=officer, body=body, created_at=written_at)
                    events.append(
                        TimelineEvent(lead=lead, kind=TimelineEvent.Kind.NOTE, actor=officer, created_at=written_at,
                                      summary=f"Note: {body[:200]}", data={"note_id": note.pk, "mentions": []})
                    )  # fmt: skip
            # The two files most recently worked have a text from the borrower nobody has answered yet.
            for lead, text in zip(leads[:2], rng.sample(BORROWER_REPLIES, 2), strict=False):
                received_at = self.now - timedelta(minutes=rng.randint(12, 240))
                message = Message.objects.create(
                    organisation=self.organisation, lead=lead, channel="sms",
                    direction=Message.Direction.INBOUND, purpose=Message.Purpose.REPLY,
                    to_address=self.organisation.sms_from_number or "", from_address=lead.phone, body=text,
                    status=Message.Status.RECEIVED, idempotency_key=f"demo-reply-{lead.pk}",
                    created_at=received_at, updated_at=received_at,
                )  # fmt: skip
                events.append(
                    TimelineEvent(lead=lead, kind=TimelineEvent.Kind.MESSAGE, created_at=received_at,
                                  summary="Text received from the borrower",
                                  data={"message_id": message.pk, "direction": "inbound", "channel": "sms",
                                        "keyword": ""})
                )  # fmt: skip
            today = self.now.astimezone(ZoneInfo(officer.time_zone)).replace(hour=0, minute=0, second=0)
            for index, (title, kind, due) in enumerate(OFFICER_TASKS):
                due_at = None if due is None else today + timedelta(days=due[0], hours=due[1])
                tasks.append(
                    Task(organisation=self.organisation, lead=leads[(index + 2) % len(leads)], title=title,
                         kind=kind, assignee=officer, created_by=officer, due_at=due_at,
                         created_at=self.now - timedelta(days=rng.randint(1, 5)))
                )  # fmt: skip
        TimelineEvent.objects.bulk_create(events, batch_size=500)
        Task.objects.bulk_create(tasks)

    def _owner_for(self, lead: Lead) -> User | None:
        licensed = [officer for officer in self.officers if lead.state in officer.licensed_states]
        if lead.preferred_language != "en":
            speakers = [officer for officer in licensed if lead.preferred_language in officer.languages]
            licensed = speakers or licensed
        return self.rng.choice(licensed) if licensed else None


# What capture() and the services it calls write with "now", moved to when it happened: (app, model, lead
# field, time field). Models that do not exist in this build are skipped.
_BACKDATED = [
    ("pipeline", "TimelineEvent", "lead", "created_at"),
    ("routing", "RoutingDecisionLog", "lead", "decided_at"),
    ("leads", "LeadScore", "lead", "computed_at"),
    ("accounts", "Notification", "lead", "created_at"),
]


def _backdate(lead: Lead, *, since: datetime, to: datetime, read: bool) -> None:
    """Move what was just written for `lead` (at or after `since`) to the moment it happened in the story.
    Messages are left alone: their times drive delivery, and historical alerts are removed instead."""
    for app_label, model_name, lead_field, time_field in _BACKDATED:
        try:
            model = apps.get_model(app_label, model_name)
            model._meta.get_field(time_field)
        except (LookupError, FieldDoesNotExist):
            continue
        changes = {time_field: to}
        if model_name == "Notification" and read:
            changes["read_at"] = to + timedelta(minutes=2)
        model.objects.filter(**{lead_field: lead, f"{time_field}__gte": since}).update(**changes)
    Lead.objects.filter(pk=lead.pk, assigned_at__gte=since).update(assigned_at=to + timedelta(seconds=25))


def _zone_for_state(state: str) -> str:
    return {"TX": "America/Chicago", "CA": "America/Los_Angeles", "AZ": "America/Phoenix"}.get(
        state, "America/New_York"
    )


def _state_of(zip_code: str) -> str:
    for state, zips in ZIPS_BY_STATE.items():
        if zip_code in zips:
            return state
    return ""


def _demo_password_hash(password: str) -> str:
    """The demo passwords are published, so a slow hash protects nothing here and costs the seed seconds.
    Django upgrades the hash to its full work factor at the first sign-in (check_password rehashes)."""
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt(), iterations=20_000)


def _intake_path(source: LeadSource) -> str:
    from django.urls import NoReverseMatch

    from firstcall.leads.sources import intake_url

    try:
        return intake_url(source)
    except NoReverseMatch:  # the CSV screen's URL may not be wired in this build
        return f"/sources/{source.pk}/import/"
