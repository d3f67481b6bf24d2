"""Draft replies in the borrower's language from the lead's own facts, and the guardrails every draft passes
before anyone can send it. Pure: compliance decisions are passed in, figures come only from the facts given."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

# Replies that call for an answer; opt-outs, wrong numbers and a plain "not interested" get none from us.
INTENTS_TO_ANSWER = (
    "callback_request",
    "appointment_request",
    "interested",
    "not_now",
    "closed_elsewhere",
    "rate_question",
    "document_update",
    "question",
)
SMS_MAX_CHARACTERS = 320  # two segments: longer texts split badly on phones and cost more per send

TEMPLATES = {
    "en": {
        "callback_request": "Hi {first_name}, this is {officer}. Happy to call you{when_phrase}. Talk soon!",
        "appointment_request": "Hi {first_name}, this is {officer}. Pick any time that suits you here: "
        "{booking_link}",
        "interested": "Hi {first_name}, this is {officer}. Great to hear! {headline}When is a good time for a "
        "quick call about your {purpose}?",
        "not_now": "Thanks {first_name}, understood. I'll check back{when_phrase}. If anything changes before "
        "then, just reply here. - {officer}",
        "closed_elsewhere": "Congratulations, {first_name}! Thanks for letting me know. If I can ever help, "
        "I'm a text away. - {officer}",
        "rate_question": "Hi {first_name}, rates depend on your credit, down payment and loan type, so I'd rather "
        "give you a real quote than a guess. Can we take 5 minutes to go over it? - {officer}",
        "document_update": "Thanks {first_name}! I'll review what you sent and let you know if anything else is "
        "needed. - {officer}",
        "question": "Hi {first_name}, good question. Let me look at your details and get back to you shortly. "
        "- {officer}",
    },
    "es": {
        "callback_request": "Hola {first_name}, soy {officer}. Con gusto le llamo{when_phrase}; ¡hablamos pronto!",
        "appointment_request": "Hola {first_name}, soy {officer}. Elija la hora que le convenga aquí: "
        "{booking_link}",
        "interested": "Hola {first_name}, soy {officer}. ¡Qué bueno! {headline}¿Cuándo le queda bien una llamada "
        "breve sobre su {purpose}?",
        "not_now": "Gracias {first_name}, entendido. Le escribo de nuevo{when_phrase}. Si algo cambia antes, "
        "responda aquí. - {officer}",
        "closed_elsewhere": "¡Felicidades, {first_name}! Gracias por avisarme. Si algún día puedo ayudarle, "
        "aquí estoy. - {officer}",
        "rate_question": "Hola {first_name}, la tasa depende de su crédito, su enganche y el tipo de préstamo; "
        "prefiero darle una cotización real. ¿Hablamos 5 minutos? - {officer}",
        "document_update": "¡Gracias {first_name}! Reviso lo que envió y le aviso si falta algo. - {officer}",
        "question": "Hola {first_name}, buena pregunta. Reviso sus datos y le respondo en breve. - {officer}",
    },
}
PURPOSE_WORDS = {
    "en": {"purchase": "home purchase", "refinance": "refinance", "cash_out": "cash-out refinance",
           "heloc": "home equity line", "": "home loan"},
    "es": {"purchase": "compra de casa", "refinance": "refinanciamiento", "cash_out": "refinanciamiento con retiro",
           "heloc": "línea de crédito hipotecaria", "": "préstamo"},
}  # fmt: skip
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
}
MONTHS_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre"]  # fmt: skip


@dataclass(frozen=True)
class DraftFacts:
    """What a draft may say: the lead's and the loan officer's own facts, nothing else."""

    first_name: str
    officer_name: str
    language: str = "en"
    purpose: str = ""
    booking_link: str = ""
    assessment_headline: str = ""
    when_local: object = None  # an aware datetime in the borrower's zone, or None
    figures: tuple[str, ...] = ()  # amounts and numbers the lead or the assessment really holds
    officer_nmls: str = ""
    company_name: str = ""
    company_nmls: str = ""


def _when_phrase(facts: DraftFacts, intent: str) -> str:
    moment = facts.when_local
    if moment is None:
        return "" if intent == "callback_request" else (" soon" if facts.language == "en" else " pronto")
    if intent == "not_now":
        if facts.language == "es":
            return f" en {MONTHS_ES[moment.month - 1]}"
        return f" in {moment.strftime('%B')}"
    day = WEEKDAYS[facts.language][moment.weekday()]
    hour = moment.strftime("%I:%M").lstrip("0")
    if facts.language == "es":
        return f" el {day} a las {hour} {'a. m.' if moment.hour < 12 else 'p. m.'}"
    return f" {day} at {hour} {moment.strftime('%p')}"


def template_draft(intent: str, facts: DraftFacts) -> str:
    language = facts.language if facts.language in TEMPLATES else "en"
    template = TEMPLATES[language][intent]
    if intent == "appointment_request" and not facts.booking_link:
        template = TEMPLATES[language]["callback_request"]
    headline = f"{facts.assessment_headline.rstrip('.')}. " if facts.assessment_headline else ""
    return template.format(
        first_name=facts.first_name or ("there" if language == "en" else ""),
        officer=facts.officer_name,
        booking_link=facts.booking_link,
        purpose=PURPOSE_WORDS[language].get(facts.purpose, PURPOSE_WORDS[language][""]),
        headline=headline,
        when_phrase=_when_phrase(facts, intent),
    ).replace("Hola ,", "Hola,")


# --- guardrails ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class GuardrailResult:
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def as_list(self) -> list[dict]:
        return [check.as_dict() for check in self.checks]


PROMISES = re.compile(
    r"\b(guarantee[ds]?|guaranteed|you(?:'re| are) (?:pre-?)?approved|approval is certain|lowest rates?|"
    r"best rates? (?:in|on) the market|no credit check|100% approval|will (?:definitely )?qualify|"
    r"garantizad[oa]s?|garantizamos|est[aá] aprobad[oa]|tasa m[aá]s baja)\b",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d{1,2}:\d{2}|\$?\d[\d,]*(?:\.\d+)?%?")


def _figure_key(text: str) -> str:
    return text.replace("$", "").replace(",", "").rstrip("%").rstrip(".")


def invented_figures(text: str, facts: DraftFacts) -> list[str]:
    """Numbers in the draft that none of the facts hold (times and the link are facts too)."""
    allowed = {_figure_key(figure) for figure in facts.figures}
    for source in (facts.booking_link, facts.officer_nmls, facts.company_nmls, facts.assessment_headline):
        allowed |= {_figure_key(found) for found in _FIGURE.findall(source or "")}
    if facts.when_local is not None:
        moment = facts.when_local
        allowed |= {moment.strftime("%I:%M").lstrip("0"), str(moment.day), str(moment.hour % 12 or 12)}
    allowed.add("5")  # "5 minutes" in the rate answer is ours, not a loan figure
    strays = []
    for found in _FIGURE.findall(text):
        key = _figure_key(found)
        if key and key not in allowed:
            try:
                as_decimal = Decimal(key)
            except ArithmeticError:
                as_decimal = None
            if as_decimal is not None and any(_same_amount(as_decimal, other) for other in allowed):
                continue
            strays.append(found)
    return strays


def _same_amount(amount: Decimal, other: str) -> bool:
    try:
        return amount == Decimal(other)
    except ArithmeticError:
        return False


def check_draft(
    text: str,
    facts: DraftFacts,
    *,
    channel: str,
    gate: dict | None,
    content_findings: list[dict],
) -> GuardrailResult:
    """Every guardrail, each with its reason. `gate` is the compliance decision for sending this draft now
    ({"decision", "until", "reasons"}); `content_findings` are the advertising-content findings."""
    checks = []
    if gate is None:
        checks.append(Check("compliance_gate", False, "No compliance decision: the draft cannot be sent."))
    else:
        decision = gate.get("decision")
        reasons = "; ".join(
            reason.get("detail", "") for reason in gate.get("reasons", []) if reason.get("detail")
        )
        if decision == "allow":
            checks.append(
                Check("compliance_gate", True, "Consent, calling window and frequency caps allow it.")
            )
        elif decision == "hold":
            checks.append(
                Check("compliance_gate", True, f"Will be held until {gate.get('until')}: {reasons}")
            )
        else:
            checks.append(Check("compliance_gate", False, f"Refused: {reasons}"))
    if content_findings:
        details = "; ".join(finding["detail"] for finding in content_findings)
        checks.append(Check("advertising_content", False, details))
    else:
        checks.append(Check("advertising_content", True, "No advertising trigger terms without disclosures."))
    promise = PROMISES.search(text)
    checks.append(
        Check("no_promises", promise is None, f"Promises \u201c{promise.group(0)}\u201d." if promise else "No rate "
              "or approval promises.")
    )  # fmt: skip
    strays = invented_figures(text, facts)
    checks.append(
        Check("no_invented_figures", not strays, f"Figures not in the lead's data: {', '.join(strays)}." if strays
              else "Every figure comes from the lead's data.")
    )  # fmt: skip
    if channel == "sms":
        too_long = len(text) > SMS_MAX_CHARACTERS
        checks.append(
            Check("sms_length", not too_long, f"{len(text)} characters (at most {SMS_MAX_CHARACTERS}).")
        )
        shouting = [
            word for word in re.findall(r"\b[A-Z]{4,}\b", text) if word not in ("NMLS", "HELOC", "APR")
        ]
        exclaims = text.count("!")
        calm = not shouting and exclaims <= 2
        checks.append(
            Check(
                "sms_tone",
                calm,
                "Calm and personal." if calm else "Too much shouting or exclamation for a text.",
            )
        )
    return GuardrailResult(tuple(checks))
