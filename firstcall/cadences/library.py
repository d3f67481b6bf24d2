# ruff: noqa: E501 - message copy reads better unbroken than wrapped at 110 columns
"""The built-in cadence library, as data. ``editing.ensure_builtin_cadences(organisation)`` seeds each entry
(turned off) with its message templates; an organisation turns one on as it is, or copies it and edits the
copy.

How they are written:
- The first text already went out on capture (messaging.first_touch), so capture cadences start after it.
- Texts are short, sound like one person, name the company (CTIA program identification) and say how to stop
  (REFERENCE.md §4.4); the outbox holds them outside calling hours (8 a.m.-9 p.m. federal, stricter states,
  REFERENCE.md §4.1/§4.3) and a reply, a STOP or an application stops the cadence.
- Emails get the loan officer's signature here and the postal address and unsubscribe link from the messaging
  core (CAN-SPAM, REFERENCE.md §4.5).
- Timing follows the usual "several attempts over two weeks, then a slower nurture" pattern; most converted
  leads answer only after several attempts, and not-ready leads close months later.
"""

APPLICATION_ONWARD = ["Application", "Processing", "Underwriting", "Clear to close"]
FIRST = '{{ borrower.first_name|default:"there" }}'
ME = '{{ officer.first_name|default:"the team" }}'
ORG = "{{ organisation.name }}"
STOP = "Reply STOP to opt out."


def text(template: str, key: str = "") -> dict:
    return {"kind": "send_sms", "template": template, "key": key}


def email(template: str, key: str = "") -> dict:
    return {"kind": "send_email", "template": template, "key": key}


def wait(amount: int, unit: str = "days", at: str | None = "10:00", key: str = "") -> dict:
    return {"kind": "wait", "wait_amount": amount, "wait_unit": unit, "at_local_time": at, "key": key}


def call(title: str, key: str = "") -> dict:
    return {"kind": "call_task", "body": title, "key": key}


def notify(note: str, key: str = "") -> dict:
    return {"kind": "notify_owner", "body": note, "key": key}


def branch(field: str, values: list[str], jump_to: str = "", *, negate: bool = False, key: str = "") -> dict:
    return {
        "kind": "branch",
        "condition_field": field,
        "condition_values": values,
        "condition_negate": negate,
        "jump_to_key": jump_to,
        "key": key,
    }


# name -> {"channel", "variants": {language: (subject, body)}}
TEMPLATES: dict[str, dict] = {
    # --- FHA first-time buyer
    "FHA buyer · day 1 text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, it's {ME} from {ORG}. Buying your first home with FHA is very doable, and the "
                f"down payment can be low. Want me to run real numbers with you? Just reply with a good time. {STOP}",
            ),
            "es": (
                "",
                '{{ borrower.first_name|default:"Hola" }}, soy {{ officer.first_name|default:"el equipo" }} de '
                f"{ORG}. Comprar su primera casa con FHA es posible, y el enganche puede ser bajo. ¿Le ayudo "
                "con los números? Responda con una buena hora. Responda STOP para cancelar.",
            ),
        },
    },
    "FHA buyer · day 3 email": {
        "channel": "email",
        "variants": {
            "en": (
                "Your first home with FHA: what to expect",
                f"Hi {FIRST},\n\n"
                "I wanted to follow up on your question about buying a home. FHA loans are made for people in "
                "your shoes: a lower down payment than many loans, flexible credit guidelines, and gift funds "
                "from family are welcome.\n\n"
                "Here's how it usually goes:\n"
                "1. A 15-minute call so I understand your budget and timing.\n"
                "2. A pre-approval, so sellers take your offer seriously.\n"
                "3. House hunting with a number you're comfortable with.\n\n"
                "If you'd like, reply with a good time to talk, or call me directly at "
                '{{ officer.phone|default:"the number below" }}. No pressure and no cost to ask questions.\n\n'
                "Talk soon,",
            ),
            "es": (
                "Su primera casa con FHA: qué esperar",
                '{{ borrower.first_name|default:"Hola" }},\n\n'
                "Le escribo para seguir con su consulta sobre la compra de una casa. Los préstamos FHA están "
                "pensados para compradores como usted: un enganche más bajo que en muchos préstamos, requisitos "
                "flexibles, y se aceptan regalos de familiares para el enganche.\n\n"
                "Normalmente el proceso es así:\n"
                "1. Una llamada de 15 minutos para entender su presupuesto.\n"
                "2. Una preaprobación, para que los vendedores tomen en serio su oferta.\n"
                "3. Buscar casa con un número con el que se sienta cómodo.\n\n"
                "Si gusta, responda con una buena hora para hablar o llámeme al "
                '{{ officer.phone|default:"número de abajo" }}. Sin compromiso.\n\n'
                "Saludos,",
            ),
        },
    },
    "FHA buyer · day 5 text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, quick question: have you started looking at homes yet, or are you still figuring "
                f"out the budget? Either way I can help. {ME}, {ORG}. {STOP}",
            ),
            "es": (
                "",
                '{{ borrower.first_name|default:"Hola" }}, una pregunta rápida: ¿ya está viendo casas o todavía '
                'está definiendo su presupuesto? Puedo ayudarle en ambos casos. {{ officer.first_name|default:"" }}, '
                f"{ORG}. Responda STOP para cancelar.",
            ),
        },
    },
    "First-time buyer · day 10 email": {
        "channel": "email",
        "variants": {
            "en": (
                "Three things that help first-time buyers",
                f"Hi {FIRST},\n\n"
                "A few things I share with every first-time buyer:\n\n"
                "- Down payment help exists. Many states and cities have assistance programs, and I can check "
                "which ones fit you.\n"
                "- Your credit score today is a starting point, not a verdict. Small changes can move it quickly.\n"
                "- Pre-approval is free and doesn't commit you to anything.\n\n"
                "Whenever you're ready, reply to this email and we'll pick a time.\n\n"
                "Best,",
            ),
        },
    },
    "Buyer · day 14 check-in text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, I don't want to be a pest. Should I keep your file open, or check back in a few "
                f"months? Either answer is fine. {ME}, {ORG}. {STOP}",
            ),
            "es": (
                "",
                '{{ borrower.first_name|default:"Hola" }}, no quiero molestarle. ¿Mantengo su expediente abierto '
                "o le escribo en unos meses? Cualquier respuesta está bien. "
                f"{ORG}. Responda STOP para cancelar.",
            ),
        },
    },
    # --- Purchase (conventional and other loans)
    "Purchase · day 1 text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, it's {ME} with {ORG} following up on your home loan question. What's the best time "
                f"for a quick call this week? {STOP}",
            ),
        },
    },
    "Purchase · day 3 email": {
        "channel": "email",
        "variants": {
            "en": (
                "Next steps for {{ scenario.loan_type_phrase }}",
                f"Hi {FIRST},\n\n"
                "Thanks again for reaching out about buying a home. "
                "The quickest way to know what you can afford is a short call and a pre-approval: it's free, "
                "it doesn't commit you, and it makes your offer stronger.\n\n"
                "To get started I'll need a rough idea of your income, your savings for the down payment, and "
                "when you'd like to move. Reply here or call me at "
                '{{ officer.phone|default:"the number below" }}.\n\n'
                "Best,",
            ),
        },
    },
    "Purchase · day 5 text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, are you still thinking about buying this year? I can have a pre-approval ready in "
                f"a day if that helps. {ME}, {ORG}. {STOP}",
            ),
        },
    },
    # --- Refinance
    "Refinance · day 1 text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, {ME} from {ORG}. I can tell you in one short call whether a refinance would "
                f"actually save you money. When works for you? {STOP}",
            ),
        },
    },
    "Refinance · day 3 email": {
        "channel": "email",
        "variants": {
            "en": (
                "Is refinancing worth it for you?",
                f"Hi {FIRST},\n\n"
                "Whether a refinance makes sense comes down to three numbers: your current rate and balance, "
                "what you'd pay to refinance, and how long you plan to stay in the home. If the monthly savings "
                "pay back the costs well before you'd move, it's usually worth a look.\n\n"
                "If you send me your current balance and rate (a recent statement is perfect), I'll run a "
                "side-by-side comparison for you, with no obligation.\n\n"
                "Best,",
            ),
        },
    },
    "Refinance · day 6 text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, still happy to run your refinance numbers. If you text me your current rate and "
                f"balance I'll send back a quick comparison. {ME}, {ORG}. {STOP}",
            ),
        },
    },
    # --- VA
    "VA buyer · day 1 text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, {ME} from {ORG}. Thank you for your service. VA loans have benefits built for "
                f"veterans, like no monthly mortgage insurance. Want to walk through your options? {STOP}",
            ),
        },
    },
    "VA buyer · day 3 email": {
        "channel": "email",
        "variants": {
            "en": (
                "Making the most of your VA home loan benefit",
                f"Hi {FIRST},\n\n"
                "Your VA benefit is one of the best loans available: most buyers put nothing down, there's no "
                "monthly mortgage insurance, and the rates are competitive.\n\n"
                "The first step is your Certificate of Eligibility (COE). I can usually pull it for you in "
                "minutes with your permission, and then we can talk about a comfortable price range.\n\n"
                "Reply with a good time, or call me at {{ officer.phone|default:'the number below' }}.\n\n"
                "Thank you,",
            ),
        },
    },
    # --- Pre-approved and house-hunting
    "House hunting · weekly text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, how's the house hunt going? If you find a place you like, text me and I'll update "
                f"your pre-approval letter for the offer the same day. {ME}, {ORG}. {STOP}",
            ),
        },
    },
    "House hunting · agent text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, do you have a real estate agent yet? If not, I know a few great local ones and "
                f"happy to introduce you. {ME}, {ORG}. {STOP}",
            ),
        },
    },
    "House hunting · offer tips email": {
        "channel": "email",
        "variants": {
            "en": (
                "Making an offer that stands out",
                f"Hi {FIRST},\n\n"
                "A few things that help an offer stand out once you find the right home:\n\n"
                "- A pre-approval letter updated for that exact price (I can turn these around the same day).\n"
                "- A quick call between your agent and me, so the listing agent knows your financing is solid.\n"
                "- Knowing your cash to close ahead of time, so there are no surprises.\n\n"
                "Just let me know when you're ready to write an offer.\n\n"
                "Best,",
            ),
        },
    },
    # --- Application started but stalled
    "Application · nudge text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, I saw your application is started. Anything I can help with to finish it? Happy to "
                f"go through it together on a quick call. {ME}, {ORG}. {STOP}",
            ),
        },
    },
    "Application · checklist email": {
        "channel": "email",
        "variants": {
            "en": (
                "Finishing your application: a short checklist",
                f"Hi {FIRST},\n\n"
                "Here's what usually gets an application over the line:\n\n"
                "- Last two pay stubs and last two years of W-2s (or tax returns if self-employed)\n"
                "- Last two months of bank statements, all pages\n"
                "- A photo ID\n\n"
                "If anything on the list is a problem, tell me: there is almost always a way around it.\n\n"
                "Thanks,",
            ),
        },
    },
    # --- Long-term nurture
    "Nurture · monthly email": {
        "channel": "email",
        "variants": {
            "en": (
                "Checking in, {{ borrower.first_name|default:'friend' }}",
                f"Hi {FIRST},\n\n"
                "Just my monthly check-in. If your plans have changed, or you'd like to know where rates and "
                "prices stand for you right now, reply to this email and I'll put together a quick update. "
                "No pressure, and I'm here whenever the timing is right.\n\n"
                "Best,",
            ),
        },
    },
    "Nurture · credit tips email": {
        "channel": "email",
        "variants": {
            "en": (
                "Small steps that make a big difference before you buy",
                f"Hi {FIRST},\n\n"
                "While you're getting ready, a few habits help the most: keep card balances under about 30% of "
                "their limits, avoid opening new credit in the months before you apply, and keep saving a "
                "little every month for the down payment and closing costs.\n\n"
                "If you want, I can review your credit with you and suggest the one or two changes that would "
                "help your rate the most.\n\n"
                "Best,",
            ),
        },
    },
    "Nurture · monthly text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, {ME} from {ORG} with my monthly check-in. Any change in your plans? Happy to run "
                f"fresh numbers anytime. {STOP}",
            ),
        },
    },
    # --- Lost / not ready
    "Re-engage · 90 day text": {
        "channel": "sms",
        "variants": {
            "en": (
                "",
                f"Hi {FIRST}, it's {ME} from {ORG}. It's been a few months since we talked about your home loan. "
                f"Is it worth taking another look? {STOP}",
            ),
        },
    },
    "Re-engage · 90 day email": {
        "channel": "email",
        "variants": {
            "en": (
                "Is now a better time, {{ borrower.first_name|default:'friend' }}?",
                f"Hi {FIRST},\n\n"
                "When we last spoke the timing wasn't right, which is completely normal. A lot can change in a "
                "few months: rates, prices, your savings, your credit.\n\n"
                "If you'd like a fresh, no-obligation look at where you stand today, reply to this email or "
                "call me at {{ officer.phone|default:'the number below' }}.\n\n"
                "Best,",
            ),
        },
    },
}


def _standard_new_lead_steps(prefix_text: str, prefix_email: str, day5_text: str) -> list[dict]:
    return [
        wait(2, "hours", at=None),
        call("Second call attempt: {{ borrower.full_name }} (new lead, first text already sent)"),
        wait(1, "days"),
        text(prefix_text),
        wait(2, "days"),
        email(prefix_email),
        wait(2, "days"),
        text(day5_text),
        wait(2, "business_days"),
        call("Day 7 call: {{ borrower.full_name }} has not replied yet"),
        wait(7, "days"),
        text("Buyer · day 14 check-in text"),
    ]


CADENCES: list[dict] = [
    {
        "key": "new_purchase_fha",
        "name": "New purchase lead: FHA first-time buyer",
        "description": "Two weeks of follow-up for a new FHA purchase lead: a second call the same day, texts on "
        "days 1, 5 and 14, emails on days 3 and 10, and a call task on day 7 if nobody has replied.",
        "pipeline_kind": "purchase",
        "trigger": "capture",
        "purposes": ["purchase"],
        "loan_types": ["fha"],
        "priority": 10,
        "steps": [
            wait(2, "hours", at=None),
            call("Second call attempt: {{ borrower.full_name }} (new FHA lead, first text already sent)"),
            wait(1, "days"),
            text("FHA buyer · day 1 text"),
            wait(2, "days"),
            email("FHA buyer · day 3 email"),
            wait(2, "days"),
            text("FHA buyer · day 5 text"),
            wait(2, "business_days"),
            call("Day 7 call: {{ borrower.full_name }} (FHA first-time buyer) has not replied yet"),
            wait(3, "days"),
            email("First-time buyer · day 10 email"),
            wait(4, "days"),
            text("Buyer · day 14 check-in text"),
        ],
    },
    {
        "key": "new_purchase_conventional",
        "name": "New purchase lead: conventional",
        "description": "Two weeks of follow-up for a new purchase lead with a conventional (or not yet chosen) "
        "loan: text day 1, email day 3, text day 5, call task day 7 if no reply, check-in text day 14.",
        "pipeline_kind": "purchase",
        "trigger": "capture",
        "purposes": ["purchase"],
        "loan_types": ["conventional", "jumbo", "usda", "not_sure"],
        "priority": 20,
        "steps": _standard_new_lead_steps(
            "Purchase · day 1 text", "Purchase · day 3 email", "Purchase · day 5 text"
        ),
    },
    {
        "key": "refinance",
        "name": "Refinance",
        "description": "Follow-up for a new refinance or home equity lead: text day 1, email day 3, text day 6, "
        "call task two business days later, and a last check-in.",
        "pipeline_kind": "",
        "trigger": "capture",
        "purposes": ["rate_term_refinance", "cash_out_refinance", "heloc"],
        "priority": 20,
        "steps": [
            wait(2, "hours", at=None),
            call("Second call attempt: {{ borrower.full_name }} (refinance lead)"),
            wait(1, "days"),
            text("Refinance · day 1 text"),
            wait(2, "days"),
            email("Refinance · day 3 email"),
            wait(3, "days"),
            text("Refinance · day 6 text"),
            wait(2, "business_days"),
            call("Refinance follow-up call: {{ borrower.full_name }} has not replied yet"),
            wait(6, "days"),
            text("Buyer · day 14 check-in text"),
        ],
    },
    {
        "key": "va_buyer",
        "name": "VA buyer",
        "description": "Follow-up for a veteran or service member buying with a VA loan: COE-first messaging, "
        "text day 1, email day 3, call task day 7 if no reply.",
        "pipeline_kind": "purchase",
        "trigger": "capture",
        "purposes": ["purchase"],
        "loan_types": ["va"],
        "priority": 10,
        "steps": _standard_new_lead_steps(
            "VA buyer · day 1 text", "VA buyer · day 3 email", "Purchase · day 5 text"
        ),
    },
    {
        "key": "pre_approved_house_hunting",
        "name": "Pre-approved and house-hunting",
        "description": "Weekly check-ins for six weeks while a pre-approved borrower looks at homes; offers an "
        "agent introduction only when no agent is on file. Stops when the lead leaves Pre-approved.",
        "pipeline_kind": "purchase",
        "trigger": "stage",
        "stages": ["Pre-approved"],
        "stop_when_leaving_stages": True,
        "priority": 30,
        "steps": [
            wait(2, "business_days"),
            branch("has_agent", [], jump_to="offer_tips", key="agent_check"),
            text("House hunting · agent text"),
            wait(3, "days", key="before_tips"),
            email("House hunting · offer tips email", key="offer_tips"),
            wait(7, "days"),
            text("House hunting · weekly text"),
            wait(7, "days"),
            text("House hunting · weekly text"),
            wait(7, "days"),
            call("House-hunting check-in call: {{ borrower.full_name }}"),
            wait(7, "days"),
            text("House hunting · weekly text"),
            wait(7, "days"),
            notify("{{ borrower.full_name }} has been pre-approved for six weeks: time for a personal call?"),
        ],
    },
    {
        "key": "application_stalled",
        "name": "Application started but stalled",
        "description": "When an application sits in the Application stage: a nudge after two business days, a "
        "call task, a document checklist, then an alert to the loan officer. Stops as soon as the file moves on.",
        "pipeline_kind": "",
        "trigger": "stage",
        "stages": ["Application"],
        "stop_on_stages": ["Processing", "Underwriting", "Clear to close"],
        "stop_when_leaving_stages": True,
        "priority": 30,
        "steps": [
            wait(2, "business_days"),
            text("Application · nudge text"),
            wait(2, "business_days"),
            call("Application stalled: call {{ borrower.full_name }} to help finish it"),
            wait(1, "business_days"),
            email("Application · checklist email"),
            wait(5, "business_days"),
            notify(
                "{{ borrower.full_name }}'s application has been stalled for two weeks", key="stalled_alert"
            ),
        ],
    },
    {
        "key": "long_term_nurture",
        "name": "Long-term nurture: monthly check-in for 12 months",
        "description": "For borrowers who are months away: one friendly touch a month for a year, alternating "
        "email and text, with a call task every quarter. Enrol by hand or in bulk.",
        "pipeline_kind": "",
        "trigger": "manual",
        "priority": 50,
        "steps": [
            step
            for month in range(1, 13)
            for step in (
                wait(30, "days"),
                (
                    email("Nurture · credit tips email")
                    if month % 4 == 2
                    else email("Nurture · monthly email")
                    if month % 2 == 1
                    else text("Nurture · monthly text")
                ),
                *([call("Quarterly check-in call: {{ borrower.full_name }}")] if month % 3 == 0 else []),
            )
        ]
        + [notify("{{ borrower.full_name }} finished the 12-month nurture with no reply")],
    },
    {
        "key": "lost_reengagement",
        "name": "Lost or not ready: re-engagement at 90 days",
        "description": "Ninety days after a lead is marked lost: a text, an email three days later and a call "
        "task. Stops if the lead is reopened.",
        "pipeline_kind": "",
        "trigger": "stage",
        "stages": ["Lost"],
        "stop_when_closed": False,
        "stop_when_leaving_stages": True,
        "priority": 40,
        "steps": [
            wait(90, "days"),
            text("Re-engage · 90 day text"),
            wait(3, "days"),
            email("Re-engage · 90 day email"),
            wait(4, "business_days"),
            call("Re-engagement call: {{ borrower.full_name }} (lost 90+ days ago)"),
        ],
    },
]
