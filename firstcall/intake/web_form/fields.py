"""What the hosted form asks, as data: the template renders it, the adapter reads the same names.

Field names are LeadSubmission's, so parsing is a plain copy and a stored body can be replayed as it is."""

from dataclasses import dataclass, field

from firstcall.leads.models import Lead

PURCHASE = ("purchase",)
REFINANCE_OR_HELOC = ("rate_term_refinance", "cash_out_refinance", "heloc")

CREDIT_BAND_CHOICES = [
    ("excellent", "Excellent (740 or higher)"),
    ("very_good", "Very good (700–739)"),
    ("good", "Good (660–699)"),
    ("fair", "Fair (620–659)"),
    ("poor", "Poor (580–619)"),
    ("bad", "Below 580"),
]
LANGUAGE_CHOICES = [
    ("en", "English"), ("es", "Español"), ("zh", "中文"), ("vi", "Tiếng Việt"), ("ko", "한국어"),
    ("tl", "Tagalog"), ("pt", "Português"),
]  # fmt: skip
YES_NO = [("yes", "Yes"), ("no", "No")]

# Form names that are not lead fields: the adapter reads them for consent and attribution, or ignores them.
TOKEN_FIELD = "form_token"
HONEYPOT_FIELD = "website"
CONSENT_FIELD = "consent"
CONSENT_TEXT_FIELD = "consent_text"
PAGE_URL_FIELD = "page_url"
EMBED_FIELD = "embed"
ATTRIBUTION_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid")
CONTROL_FIELDS = {TOKEN_FIELD, HONEYPOT_FIELD, CONSENT_FIELD, CONSENT_TEXT_FIELD, PAGE_URL_FIELD, EMBED_FIELD}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str = "text"  # text, email, tel, money, select, radio, textarea
    choices: tuple = ()
    required: bool = False
    hint: str = ""
    autocomplete: str = ""
    inputmode: str = ""
    max_length: int = 200
    blank_label: str = "Choose…"  # a select's empty first option; "" for a select that has no empty option


@dataclass(frozen=True)
class Section:
    key: str
    legend: str
    fields: tuple
    hint: str = ""
    # Shown only for these purposes when the script runs; without it every section shows and the adapter
    # ignores answers that do not apply to the chosen purpose.
    for_purposes: tuple = field(default_factory=tuple)


SECTIONS = (
    Section(
        "about",
        "About you",
        (
            FormField("first_name", "First name", required=True, autocomplete="given-name", max_length=80),
            FormField("last_name", "Last name", required=True, autocomplete="family-name", max_length=80),
            FormField(
                "phone",
                "Mobile phone",
                "tel",
                required=True,
                autocomplete="tel",
                inputmode="tel",
                hint="A loan officer will text or call this number.",
                max_length=40,
            ),
            FormField("email", "Email", "email", autocomplete="email", max_length=254),
            FormField(
                "zip",
                "ZIP code of the home",
                required=True,
                autocomplete="postal-code",
                inputmode="numeric",
                hint="5 digits, for example 33602.",
                max_length=10,
            ),
            FormField(
                "preferred_language", "Preferred language", "select", tuple(LANGUAGE_CHOICES), blank_label=""
            ),
        ),
    ),
    Section(
        "plans",
        "Your plans",
        (
            FormField(
                "purpose", "What would you like to do?", "radio", tuple(Lead.Purpose.choices), required=True
            ),
            FormField(
                "loan_type",
                "Loan type you are interested in",
                "select",
                tuple(c for c in Lead.LoanType.choices if c[0] != "not_sure"),
                blank_label="Not sure",
            ),
            FormField("property_type", "Property type", "select", tuple(Lead.PropertyType.choices)),
            FormField(
                "property_use", "How will you use the property?", "select", tuple(Lead.PropertyUse.choices)
            ),
            FormField(
                "timeframe",
                "When do you want to move forward?",
                "select",
                tuple(c for c in Lead.Timeframe.choices if c[0] != "unknown"),
                blank_label="Not sure",
            ),
        ),
    ),
    Section(
        "purchase",
        "If you are buying",
        (
            FormField(
                "purchase_price",
                "Purchase price",
                "money",
                inputmode="decimal",
                hint="An estimate is fine, for example 350,000.",
                max_length=30,
            ),
            FormField(
                "down_payment",
                "Down payment",
                "money",
                inputmode="decimal",
                hint="In dollars, for example 17,500.",
                max_length=30,
            ),
        ),
        hint="Answer only if you are buying a home.",
        for_purposes=PURCHASE,
    ),
    Section(
        "refinance",
        "If you are refinancing or want a HELOC",
        (
            FormField(
                "property_value",
                "Estimated home value",
                "money",
                inputmode="decimal",
                hint="An estimate is fine, for example 420,000.",
                max_length=30,
            ),
            FormField(
                "loan_balance",
                "Current mortgage balance",
                "money",
                inputmode="decimal",
                hint="Roughly what you still owe.",
                max_length=30,
            ),
        ),
        hint="Answer only if you are refinancing or want a home equity line.",
        for_purposes=REFINANCE_OR_HELOC,
    ),
    Section(
        "more",
        "A little more about you",
        (
            FormField("credit_band", "Credit", "select", tuple(CREDIT_BAND_CHOICES), blank_label="Not sure"),
            FormField("first_time_buyer", "Are you a first-time home buyer?", "radio", tuple(YES_NO)),
            FormField(
                "veteran",
                "Have you served in the military (veteran, active duty, or surviving spouse)?",
                "radio",
                tuple(YES_NO),
            ),
            FormField(
                "has_real_estate_agent", "Are you working with a real estate agent?", "radio", tuple(YES_NO)
            ),
            FormField("notes", "Anything else we should know?", "textarea", max_length=4000),
        ),
    ),
)

LEAD_FIELD_NAMES = tuple(form_field.name for section in SECTIONS for form_field in section.fields)
SECTION_OF_FIELD = {form_field.name: section for section in SECTIONS for form_field in section.fields}
# capture() reports some problems under a related name; show them next to the field the visitor typed into.
ERROR_FIELD_ALIASES = {"credit_score": "credit_band", "state": "zip"}
