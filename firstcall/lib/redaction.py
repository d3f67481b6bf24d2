"""Redaction at the door: sensitive numbers never reach the database in clear.

Before a raw intake request is written down, Social Security numbers, bank account and routing numbers, dates
of birth, driver's licence numbers and payment card numbers are replaced by a marker that keeps the last four
digits at most (`[redacted SSN ending 6789]`). They are found two ways:

- by field name, in every spelling vendors use (`SSN`, `borrower.ssn`, `SocialSecurityNumber`, `DOB`,
  `dateOfBirth`, `birth_date`, `routing_number`, `DriversLicense`...), in JSON, form, XML and CSV bodies;
- by value pattern anywhere, free text included (`123-45-6789`, a 13-19 digit number that passes the Luhn
  check with a card network's prefix, "DOB: 01/02/1980", "routing 021000021", "account # 123456789").

The one value FirstCall keeps is the date of birth (the assessment of age-based programmes needs it): it is
returned separately so the caller can store it encrypted. Pure Python, no Django.

Why: the GLBA Safeguards Rule requires customer information to be encrypted at rest (16 CFR 314.4(c)(3)) and
kept no longer than needed (314.4(c)(6)); a lead form never needs an SSN or an account number.
"""

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, urlencode

SSN, ACCOUNT, ROUTING, DOB, DRIVERS_LICENCE, CARD, CARD_CODE = (
    "ssn", "account", "routing", "date_of_birth", "drivers_licence", "card", "card_code",
)  # fmt: skip
LABELS = {
    SSN: "SSN",
    ACCOUNT: "account number",
    ROUTING: "routing number",
    DOB: "date of birth",
    DRIVERS_LICENCE: "driver licence",
    CARD: "card number",
    CARD_CODE: "card security code",
}
MAX_NODES = 20_000


@dataclass
class Finding:
    kind: str
    where: str  # the field name or "text"; never the value

    def as_json(self) -> dict:
        return {"kind": self.kind, "where": self.where}


@dataclass
class Redacted:
    text: str
    findings: list[Finding] = field(default_factory=list)
    date_of_birth: str = ""  # ISO date when one was found and could be read

    @property
    def changed(self) -> bool:
        return bool(self.findings)


def marker(kind: str, value: object = "") -> str:
    digits = re.sub(r"\D", "", str(value))
    if kind in (DOB, CARD_CODE) or len(digits) < 6:
        return f"[redacted {LABELS[kind]}]"
    return f"[redacted {LABELS[kind]} ending {digits[-4:]}]"


# ------------------------------------------------------------------------------------------ field names


def loose_key(name: object) -> str:
    """The last segment of a field name, lower case, letters and digits only: borrower[SSN] -> ssn."""
    text = str(name)
    segments = [part for part in re.split(r"[.\[\]/:]", text) if part]
    last = segments[-1] if segments else text
    return re.sub(r"[^a-z0-9]", "", last.lower())


_SSN_NAMES = {"ssn", "socialsecuritynumber", "socialsecurityno", "socialsecurity", "socsec", "ssnumber",
              "taxid", "tin", "itin", "taxpayerid", "ssntin", "socialsecuritynum", "ssnnumber"}  # fmt: skip
_DOB_NAMES = {"dob", "birthdate", "dateofbirth", "birthday", "birthdt", "bday", "datebirth", "birthdatetime"}
_ACCOUNT_NAMES = {"accountnumber", "accountno", "acctnumber", "acctno", "acctnum", "accountnum", "iban",
                  "bankaccount", "bankaccountnumber", "bankacct", "checkingaccount", "savingsaccount",
                  "checkingaccountnumber", "savingsaccountnumber", "depositaccount", "ddanumber"}  # fmt: skip
_ROUTING_NAMES = {"routingnumber", "routingno", "routing", "abanumber", "aba", "abaroutingnumber", "rtn",
                  "bankrouting", "bankroutingnumber", "routingtransitnumber", "transitnumber"}  # fmt: skip
_LICENCE_NAMES = {"driverslicense", "driverlicense", "driverslicence", "driverlicence", "dlnumber", "dlno",
                  "dl", "driverslicensenumber", "driverlicensenumber", "dlnum", "driverslicenseno",
                  "licensenumber", "licencenumber", "stateid", "stateidnumber"}  # fmt: skip
_CARD_NAMES = {"cardnumber", "creditcard", "creditcardnumber", "ccnumber", "ccnum", "cc", "pan", "debitcard",
               "debitcardnumber", "cardno", "ccno"}  # fmt: skip
_CARD_CODE_NAMES = {"cvv", "cvc", "cvv2", "cvc2", "cid", "securitycode", "cardsecuritycode", "cardcode"}


def kind_for_name(name: object) -> str | None:
    key = loose_key(name)
    if not key:
        return None
    if key in _SSN_NAMES or key.endswith("ssn") or "socialsecurity" in key:
        return SSN
    if key in _DOB_NAMES or key.endswith("dob") or "dateofbirth" in key or "birthdate" in key:
        return DOB
    if key in _ROUTING_NAMES or key.endswith("routingnumber"):
        return ROUTING
    if key in _ACCOUNT_NAMES or key.endswith("accountnumber") and "loan" not in key:
        return ACCOUNT
    if key in _LICENCE_NAMES or ("driver" in key and "licen" in key):
        return DRIVERS_LICENCE
    if key in _CARD_NAMES or key.endswith("cardnumber"):
        return CARD
    if key in _CARD_CODE_NAMES:
        return CARD_CODE
    return None


def _is_identifier_name(name: object) -> bool:
    """Vendor lead ids, Meta leadgen ids, click ids: long numbers that must never be mistaken for cards."""
    key = loose_key(name)
    return key.endswith("id") or key.endswith("ids") or "time" in key or key in {"gclid", "fbclid", "token"}


# ------------------------------------------------------------------------------------------ value patterns

_SSN_SHAPE = re.compile(r"(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])")
_LABELLED = [
    (
        SSN,
        re.compile(
            r"(?i)\b(?:ssn|ss#|soc(?:ial)?\.? ?sec(?:urity)?(?: (?:number|no\.?|#))?)\s*(?:is|:|#|-)?\s*"
            r"(\d{9}|\d{3}[- .]\d{2}[- .]\d{4})(?!\d)"
        ),
    ),
    (
        DOB,
        re.compile(
            r"(?i)\b(?:dob|d\.o\.b\.?|date of birth|birth ?date|birthday|born(?: on)?)\s*(?:is|:|-)?\s*"
            r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|"
            r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4})"
        ),
    ),
    (
        ROUTING,
        re.compile(r"(?i)\b(?:routing|aba|rtn)(?: (?:number|no\.?|#))?\s*(?:is|:|#|-)?\s*(\d{9})(?!\d)"),
    ),
    (
        ACCOUNT,
        re.compile(
            r"(?i)\b(?:(?:bank |checking |savings )?account|acct\.?)(?: (?:number|no\.?|#)|#)\s*"
            r"(?:is|:|-)?\s*(\d[\d -]{4,22}\d)(?!\d)"
        ),
    ),
    (
        DRIVERS_LICENCE,
        re.compile(
            r"(?i)\b(?:driver'?s? licen[cs]e|DL)(?: (?:number|no\.?|#)|#)?\s*(?:is|:|-)?\s*"
            r"([A-Z]{0,2}\d[A-Z0-9-]{4,18})\b"
        ),
    ),
]
_CARD_CANDIDATE = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def looks_like_card(text: str) -> bool:
    """A number a card network issues: Visa, Mastercard, American Express, Discover (ISO/IEC 7812 prefixes)
    of the network's length, passing the Luhn check."""
    digits = re.sub(r"[ -]", "", text)
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    prefix2, prefix4 = int(digits[:2]), int(digits[:4])
    is_network = (
        (digits[0] == "4" and len(digits) in (13, 16, 19))
        or ((51 <= prefix2 <= 55 or 2221 <= prefix4 <= 2720) and len(digits) == 16)
        or (prefix2 in (34, 37) and len(digits) == 15)
        or ((digits.startswith("6011") or prefix2 == 65) and len(digits) in (16, 19))
    )
    return is_network and luhn_valid(digits)


def redact_free_text(text: str, *, where: str = "text", cards: bool = True) -> Redacted:
    """Find sensitive values by their shape or their label inside text."""
    findings: list[Finding] = []
    birth_dates: list[str] = []

    def labelled(kind):
        def replace(match):
            value = match.group(1)
            findings.append(Finding(kind, where))
            if kind == DOB:
                birth_dates.append(value)
            start, end = match.span(1)
            whole = match.group(0)
            offset = match.start(0)
            return whole[: start - offset] + marker(kind, value) + whole[end - offset :]

        return replace

    for kind, pattern in _LABELLED:
        text = pattern.sub(labelled(kind), text)

    def ssn(match):
        area = match.group(1)
        if area in ("000", "666") or area.startswith("9"):
            return match.group(0)  # never issued (SSA), so not an SSN: leave it
        findings.append(Finding(SSN, where))
        return marker(SSN, match.group(0))

    text = _SSN_SHAPE.sub(ssn, text)
    if cards:

        def card(match):
            if not looks_like_card(match.group(0)):
                return match.group(0)
            findings.append(Finding(CARD, where))
            return marker(CARD, match.group(0))

        text = _CARD_CANDIDATE.sub(card, text)
    birth = next((parsed for parsed in map(parse_birth_date, birth_dates) if parsed), "")
    return Redacted(text, findings, birth)


# ------------------------------------------------------------------------------------------ dates of birth

_MONTHS = {name: number for number, name in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}  # fmt: skip


def parse_birth_date(value: object, *, today: date | None = None) -> str:
    """An ISO date from the shapes vendors send (1980-01-02, 01/02/1980, 19800102, Jan 2, 1980), or ""."""
    text = str(value or "").strip()[:40]
    parts: tuple | None = None
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", text):
        parts = (match.group(1), match.group(2), match.group(3))
    elif match := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text):
        parts = (match.group(3), match.group(1), match.group(2))  # US order: month/day/year
    elif match := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text):
        parts = match.groups()
    elif match := re.fullmatch(r"(?i)([a-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})", text):
        month = _MONTHS.get(match.group(1).lower())
        parts = (match.group(3), month, match.group(2)) if month else None
    if not parts:
        return ""
    try:
        found = date(int(parts[0]), int(parts[1]), int(parts[2]))
    except (TypeError, ValueError):
        return ""
    today = today or date.today()
    if not (date(1900, 1, 1) <= found <= today):
        return ""
    return found.isoformat()


# ------------------------------------------------------------------------------------------ structures


class _Walk:
    def __init__(self):
        self.findings: list[Finding] = []
        self.birth_dates: list[str] = []
        self.visited = 0

    def value(self, name: object, value):
        """Redact one value found under `name` (a dict key, form field, XML element or CSV column)."""
        self.visited += 1
        if self.visited > MAX_NODES:
            return value
        kind = kind_for_name(name) if name is not None else None
        if kind is None and isinstance(value, dict):
            kind = self._named_pair_kind(value)
            if kind:
                value_key = next(key for key in value if loose_key(key) in ("value", "val", "answer"))
                return {
                    **value,
                    value_key: self._replace(kind, str(value.get("name") or name), value[value_key]),
                }
        if kind is not None and value not in (None, "", [], {}):
            return self._replace(kind, str(name), value)
        if isinstance(value, dict):
            return {key: self.value(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(name, item) for item in value]
        if isinstance(value, str):
            result = redact_free_text(
                value, where=str(name or "text")[:100], cards=not _is_identifier_name(name or "")
            )
            self.findings.extend(result.findings)
            if result.date_of_birth:
                self.birth_dates.append(result.date_of_birth)
            return result.text
        return value

    @staticmethod
    def _named_pair_kind(value: dict) -> str | None:
        """Vendors that send fields as {"name": "SSN", "value": "..."} pairs (Meta's field_data shape)."""
        label = next((value[key] for key in value if loose_key(key) in ("name", "field", "fieldname", "key",
                                                                       "label", "question")), None)  # fmt: skip
        if not isinstance(label, str) or not any(
            loose_key(key) in ("value", "val", "answer") for key in value
        ):
            return None
        return kind_for_name(label)

    def _replace(self, kind: str, where: str, value):
        self.findings.append(Finding(kind, where[:100]))
        if kind == DOB:
            first = value[0] if isinstance(value, list) and value else value
            if isinstance(first, str | int):
                self.birth_dates.append(parse_birth_date(first))
        if isinstance(value, list):
            return [marker(kind, item if isinstance(item, str | int) else "") for item in value]
        return marker(kind, value if isinstance(value, str | int) else "")

    def result(self, text: str) -> Redacted:
        birth = next((found for found in self.birth_dates if found), "")
        return Redacted(text, self.findings, birth)


def redact_data(data):
    """Redact a parsed structure (dicts, lists, strings); returns (redacted copy, Redacted with no text)."""
    walk = _Walk()
    redacted = walk.value(None, data)
    return redacted, walk.result("")


def redact_json(text: str) -> Redacted:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return _redact_unparsed_pairs(text)
    walk = _Walk()
    redacted = walk.value(None, data)
    if not walk.findings:
        return Redacted(text)
    return walk.result(json.dumps(redacted, ensure_ascii=False))


def redact_form(text: str) -> Redacted:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=5_000)
    except ValueError:
        return redact_free_text(text)
    walk = _Walk()
    redacted = [(name, walk.value(name, value)) for name, value in pairs]
    if not walk.findings:
        return Redacted(text)
    return walk.result(urlencode(redacted))


_XML_ELEMENT = re.compile(r"<([A-Za-z_][\w.:-]*)((?:\s[^<>]*?)?)>([^<]*)</\1\s*>")
_XML_TAG = re.compile(r"<[A-Za-z_][^<>]*>")
_XML_ATTRIBUTE = re.compile(r"""([A-Za-z_][\w.:-]*)(\s*=\s*)(["'])([^"'<>]*)\3""")
_XML_NAME_ATTRIBUTE = re.compile(r"""\b(?:name|id|key|field|label)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def redact_xml(text: str) -> Redacted:
    """Elements and attributes named like a sensitive field, <field name="SSN">...</field> pairs, and any
    value of a sensitive shape in text nodes. Works on the text itself, so the rest of the document is kept
    byte for byte (and a malformed document is still redacted)."""
    walk = _Walk()

    def element(match):
        name, attributes, content = match.group(1), match.group(2), match.group(3)
        named = _XML_NAME_ATTRIBUTE.search(attributes or "")
        kind = kind_for_name(name) or (kind_for_name(named.group(1)) if named else None)
        if kind and content.strip():
            content = walk._replace(
                kind, named.group(1) if named and not kind_for_name(name) else name, content
            )
        return f"<{name}{attributes}>{content}</{name}>"

    def attribute(match):
        name, equals, quote, value = match.groups()
        kind = kind_for_name(name)
        if kind and value.strip():
            value = walk._replace(kind, name, value)
        return f"{name}{equals}{quote}{value}{quote}"

    redacted = _XML_TAG.sub(lambda match: _XML_ATTRIBUTE.sub(attribute, match.group(0)), text)
    redacted = _XML_ELEMENT.sub(element, redacted)
    free = redact_free_text(redacted)
    walk.findings.extend(free.findings)
    if free.date_of_birth:
        walk.birth_dates.append(free.date_of_birth)
    return walk.result(free.text)


def redact_csv(text: str, delimiter: str = ",") -> Redacted:
    """A spreadsheet: columns named like a sensitive field are redacted in every row; every cell is checked
    for sensitive shapes. Birth dates are not collected here: a file holds many borrowers, and the CSV import
    reads each row's before redacting (firstcall/intake/csv_import/services.py)."""
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        return redact_free_text(text)
    if not rows:
        return Redacted(text)
    header = rows[0]
    walk = _Walk()
    out = [header]
    for row in rows[1:]:
        out.append([walk.value(header[index] if index < len(header) else None, cell)
                    for index, cell in enumerate(row)])  # fmt: skip
    if not walk.findings:
        return Redacted(text)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(out)
    return Redacted(buffer.getvalue(), walk.findings)


_JSONISH_PAIR = re.compile(r'"([^"\\]{1,100})"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)')


def _redact_unparsed_pairs(text: str) -> Redacted:
    """Malformed JSON is kept for the admin to read: redact "name": "value" pairs by name, then shapes."""
    walk = _Walk()

    def pair(match):
        name, value = match.group(1), match.group(2)
        kind = kind_for_name(name)
        if not kind:
            return match.group(0)
        return match.group(0).replace(value, json.dumps(walk._replace(kind, name, value.strip('"'))), 1)

    text = _JSONISH_PAIR.sub(pair, text)
    free = redact_free_text(text)
    walk.findings.extend(free.findings)
    return walk.result(free.text)


def redact_body(text: str, content_type: str = "") -> Redacted:
    """Redact a request body of any kind, chosen by content type and then by its look."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    stripped = text.lstrip()
    if "json" in media_type or (not media_type and stripped.startswith(("{", "["))):
        return redact_json(text)
    if media_type == "application/x-www-form-urlencoded":
        return redact_form(text)
    if "xml" in media_type or stripped.startswith("<"):
        return redact_xml(text)
    if media_type in ("text/csv", "application/csv"):
        return redact_csv(text)
    if stripped.startswith(("{", "[")):
        return redact_json(text)
    return redact_free_text(text)
