"""Checks a MISMO 3.4 MESSAGE: the structural rules FirstCall can check itself, always; the XSD when supplied.

Structural rules: the root is a MISMO MESSAGE with a 3.4 reference model identifier; the required containers
exist (DEAL_SETS/DEAL_SET/DEALS/DEAL with a SubjectLoan LOAN, a SUBJECT_PROPERTY and a Borrower PARTY);
xlink labels are unique and every RELATIONSHIP's from/to names a label; enumerated elements hold a value of
their enumeration (vocabulary.ENUMERATIONS); amounts, percents, counts, indicators, dates and datetimes are
well formed. The MISMO schema itself is licensed by MISMO and not shipped: an administrator who has it sets
FIRSTCALL_MISMO_XSD to the wrapper XSD (e.g. DU_Wrapper_3.4.0_B324.xsd) and it is applied with lxml, with
network access off (imported schema files must sit beside it). Pure: no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from lxml import etree

from firstcall.integrations.mismo import vocabulary as v
from firstcall.integrations.mismo.xmlpaths import first, leaves, local, walk, xlink, xpath_of

AMOUNT = re.compile(r"^-?\d{1,15}(\.\d{1,4})?$")
PERCENT = re.compile(r"^-?\d{1,4}(\.\d{1,9})?$")
COUNT = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True)
class Problem:
    xpath: str
    message: str

    def __str__(self):
        return f"{self.xpath}: {self.message}"


def check_structure(root) -> list[Problem]:
    problems: list[Problem] = []
    if local(root) != "MESSAGE" or etree.QName(root).namespace != v.MISMO_NS:
        return [Problem("/" + local(root), f"the root must be MESSAGE in namespace {v.MISMO_NS}")]
    if not (root.get("MISMOReferenceModelIdentifier") or "").startswith("3.4"):
        problems.append(Problem("/MESSAGE/@MISMOReferenceModelIdentifier", "must name MISMO 3.4"))
    deals = walk(root, "DEAL_SETS/DEAL_SET/DEALS/DEAL")
    if not deals:
        problems.append(Problem("/MESSAGE", "DEAL_SETS/DEAL_SET/DEALS/DEAL is required"))
    for deal in deals:
        path = xpath_of(deal)
        loans = walk(deal, "LOANS/LOAN")
        if not any(loan.get("LoanRoleType") == "SubjectLoan" for loan in loans):
            problems.append(Problem(path, "LOANS/LOAN with LoanRoleType='SubjectLoan' is required"))
        if first(deal, "COLLATERALS/COLLATERAL/SUBJECT_PROPERTY") is None:
            problems.append(Problem(path, "COLLATERALS/COLLATERAL/SUBJECT_PROPERTY is required"))
        roles = [(first(role, "ROLE_DETAIL/PartyRoleType").text or "").strip()
                 for role in walk(deal, "PARTIES/PARTY/ROLES/ROLE") if first(role, "ROLE_DETAIL/PartyRoleType") is not None]  # fmt: skip
        if "Borrower" not in roles:
            problems.append(Problem(path, "PARTIES/PARTY with a Borrower ROLE is required"))
        for role in walk(deal, "PARTIES/PARTY/ROLES/ROLE"):
            if first(role, "ROLE_DETAIL/PartyRoleType") is None:
                problems.append(Problem(xpath_of(role), "ROLE_DETAIL/PartyRoleType is required"))
    problems.extend(_check_links(root))
    problems.extend(_check_values(root))
    return problems


def _check_links(root) -> list[Problem]:
    problems = []
    labels: dict[str, str] = {}
    label_attribute = f"{{{v.XLINK_NS}}}label"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        label = element.get(label_attribute)
        if label is None:
            continue
        if not re.match(r"^[A-Za-z_][\w.\-]*$", label):
            problems.append(Problem(xpath_of(element), f"xlink:label '{label[:40]}' is not an NCName"))
        if label in labels:
            problems.append(Problem(xpath_of(element), f"xlink:label '{label}' is used twice"))
        labels[label] = local(element)
    for relationship in root.iter(f"{{{v.MISMO_NS}}}RELATIONSHIP"):
        path = xpath_of(relationship)
        arcrole = xlink(relationship, "arcrole")
        if not arcrole.startswith(v.ARCROLE_PREFIX):
            problems.append(Problem(path, f"xlink:arcrole must start with {v.ARCROLE_PREFIX}"))
        for end in ("from", "to"):
            target = xlink(relationship, end)
            if not target:
                problems.append(Problem(path, f"xlink:{end} is required"))
            elif target not in labels:
                problems.append(
                    Problem(path, f"xlink:{end} '{target[:40]}' names no xlink:label in the file")
                )
        # The arcrole names the kinds it joins: ASSET_IsAssociatedWith_ROLE joins an ASSET to a ROLE.
        match = re.match(r"^(\w+?)_Is\w+?With_(\w+)$", arcrole[len(v.ARCROLE_PREFIX) :])
        if match and xlink(relationship, "from") in labels and xlink(relationship, "to") in labels:
            kinds = (labels[xlink(relationship, "from")], labels[xlink(relationship, "to")])
            if kinds != (match.group(1), match.group(2)):
                problems.append(Problem(path, f"{arcrole.rsplit('/', 1)[-1]} joins {kinds[0]} to {kinds[1]}"))
    return problems


def _check_values(root) -> list[Problem]:
    problems = []
    for element in leaves(root):
        if etree.QName(element).namespace != v.MISMO_NS:
            continue
        name, value = local(element), (element.text or "").strip()
        problem = _value_problem(name, value)
        if problem:
            problems.append(Problem(xpath_of(element), problem))
    return problems


def _value_problem(name: str, value: str) -> str | None:
    if name in v.ENUMERATIONS and value not in v.ENUMERATIONS[name]:
        return f"'{value[:40]}' is not a {name} value"
    if name.endswith("Amount") and not AMOUNT.match(value):
        return f"'{value[:40]}' is not an amount"
    if name.endswith("Percent") and not PERCENT.match(value):
        return f"'{value[:40]}' is not a percent"
    if name.endswith("Count") and not COUNT.match(value):
        return f"'{value[:40]}' is not a count"
    if name.endswith("Indicator") and value not in ("true", "false"):
        return f"'{value[:40]}' is not true or false"
    if name.endswith("Date"):
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"'{value[:40]}' is not a date (YYYY-MM-DD)"
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            return f"'{value[:40]}' is not a date (YYYY-MM-DD)"
    if name.endswith("Datetime"):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return f"'{value[:40]}' is not a date and time"
    return None


class SchemaUnavailable(ValueError):
    pass


def check_schema(root, xsd_path: str | Path) -> list[Problem]:
    """Validate against the MISMO XSD (or DU wrapper) the administrator supplied."""
    path = Path(xsd_path)
    if not path.is_file():
        raise SchemaUnavailable(f"MISMO schema {path} does not exist")
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        schema = etree.XMLSchema(etree.parse(str(path), parser))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
        raise SchemaUnavailable(f"MISMO schema {path} cannot be loaded: {error}") from error
    if schema.validate(etree.ElementTree(root)):
        return []
    return [Problem(f"line {entry.line}", entry.message) for entry in schema.error_log]
