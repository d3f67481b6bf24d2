"""The demo lender's people: who they are, their roles, passwords, licences and hours."""

from dataclasses import dataclass
from datetime import timedelta

from firstcall.accounts.models import User

DEMO_ORG_NAME = "Demo Home Loans"
DEMO_ORG_SLUG = "demo-home-loans"
DEMO_ORG_NMLS = "2010400"  # the company's NMLS ID (SAFE Act), in every marketing message
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
        nmls_id="2010450",
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
        "Referral partner (real-estate agent; lands on the partner portal)",
        phone="+18135550160",
    ),
]

# (username, password, role label) for `firstcall demo` to print.
DEMO_LOGINS = [(person.username, person.password, person.label) for person in PEOPLE]

WEEKDAY_HOURS = {day: ["08:30", "18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
OFFICER_HOURS = {**WEEKDAY_HOURS, "sat": ["10:00", "14:00"]}
