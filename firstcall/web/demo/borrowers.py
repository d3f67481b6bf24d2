"""Who the demo's borrowers are: places, names, notes, replies and tasks, and the shapes of a planned delivery."""

from dataclasses import dataclass, field
from datetime import datetime

from firstcall.leads.submission import LeadSubmission

ZIPS_BY_STATE = {
    "FL": {
        "33602": ["813"],
        "32801": ["407"],
        "33130": ["305", "786"],
        "32202": ["904"],
        "33301": ["954"],
        "33411": ["561"],
    },
    "GA": {"30303": ["404", "678"], "30062": ["770"], "31401": ["912"], "30601": ["706"]},
    "TX": {
        "75201": ["214", "469"],
        "77002": ["713", "832"],
        "78701": ["512"],
        "78205": ["210"],
        "76102": ["817"],
    },
    "CA": {
        "90012": ["213", "323"],
        "94103": ["415"],
        "92101": ["619"],
        "95814": ["916"],
        "92612": ["949"],
        "91101": ["626"],
    },
    "AZ": {"85004": ["602"], "85701": ["520"], "85281": ["480"]},
    "NY": {"10001": ["212", "917"], "11201": ["718", "347"], "14202": ["716"], "12207": ["518"]},
    "NJ": {"07302": ["201"], "08608": ["609"], "07102": ["973"], "07960": ["973"]},
}
STATE_WEIGHTS = {"FL": 22, "GA": 10, "TX": 20, "CA": 16, "AZ": 8, "NY": 14, "NJ": 10}
# Typical purchase price range per state, in thousands of dollars.
PRICE_RANGE = {
    "FL": (240, 720),
    "GA": (210, 560),
    "TX": (220, 610),
    "CA": (520, 1650),
    "AZ": (260, 640),
    "NY": (340, 1250),
    "NJ": (310, 860),
}
SPANISH_LEANING_STATES = {"FL", "TX", "CA", "AZ"}

FIRST_NAMES = [
    "James",
    "Mary",
    "Michael",
    "Jennifer",
    "Robert",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Sarah",
    "Christopher",
    "Jessica",
    "Matthew",
    "Ashley",
    "Joshua",
    "Emily",
    "Andrew",
    "Megan",
    "Ryan",
    "Lauren",
    "Brandon",
    "Rachel",
    "Tyler",
    "Hannah",
    "Kevin",
    "Nicole",
    "Justin",
    "Samantha",
    "Aaron",
    "Chloe",
    "Ethan",
    "Marcus",
    "Aisha",
    "Jamal",
    "Keisha",
    "Wei",
    "Mei",
    "Arjun",
    "Deepa",
    "Minh",
    "Linh",
    "Hyun",
    "Grace",
    "Noah",
    "Zoe",
    "Liam",
    "Ava",
    "Mason",
    "Abigail",
    "Logan",
    "Brianna",
    "Caleb",
    "Destiny",
    "Owen",
    "Tamika",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Parker",
    "Collins",
    "Edwards",
    "Stewart",
    "Morris",
    "Nguyen",
    "Patel",
    "Kim",
    "Chen",
    "Singh",
    "O'Brien",
    "McDonald",
    "Washington",
    "Brooks",
    "Price",
]
HISPANIC_FIRST_NAMES = [
    "José",
    "María",
    "Juan",
    "Ana",
    "Luis",
    "Carmen",
    "Carlos",
    "Sofía",
    "Miguel",
    "Lucía",
    "Jorge",
    "Valentina",
    "Alejandro",
    "Isabel",
    "Diego",
    "Camila",
    "Fernando",
    "Gabriela",
    "Ricardo",
    "Daniela",
    "Javier",
    "Rosa",
]
HISPANIC_LAST_NAMES = [
    "García",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Cruz",
    "Morales",
    "Reyes",
    "Gutiérrez",
    "Ortiz",
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


def _zone_for_state(state: str) -> str:
    return {"TX": "America/Chicago", "CA": "America/Los_Angeles", "AZ": "America/Phoenix"}.get(
        state, "America/New_York"
    )


def _state_of(zip_code: str) -> str:
    for state, zips in ZIPS_BY_STATE.items():
        if zip_code in zips:
            return state
    return ""
