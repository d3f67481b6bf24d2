"""Application (see integrations.application) -> MISMO 3.4 MESSAGE in the ULAD shape LOSs and DU import.

MESSAGE/ABOUT_VERSIONS + DEAL_SETS/DEAL_SET/DEALS/DEAL with ASSETS, COLLATERALS/COLLATERAL/SUBJECT_PROPERTY,
LIABILITIES, LOANS/LOAN[@LoanRoleType='SubjectLoan'], PARTIES (borrowers, the loan originator with the NMLS ID
as a private-authority license, the origination company) and RELATIONSHIPS joining assets and liabilities to
borrower roles and income items to employers through xlink labels. Children are written in schema order
(MISMO containers list their children alphabetically, EXTENSION last). Pure: no Django.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from lxml import etree

from firstcall.integrations.application import LEAD_EXTRA_FIELDS, ten_digit_phone
from firstcall.integrations.mismo import vocabulary as v

NSMAP = {None: v.MISMO_NS, "xlink": v.XLINK_NS, "ULAD": v.ULAD_NS}
XLINK_LABEL = f"{{{v.XLINK_NS}}}label"


def _q(name: str) -> str:
    return f"{{{v.MISMO_NS}}}{name}"


def _add(parent, name: str, text=None, **attributes):
    element = etree.SubElement(parent, _q(name))
    for key, value in attributes.items():
        element.set(key, str(value))
    if text is not None:
        element.text = _text(text)
    return element


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _leaves(parent, name: str, pairs: list[tuple[str, object]]):
    """A container with the leaves whose value is known, or nothing when none is."""
    known = [(key, value) for key, value in pairs if value not in (None, "", [])]
    if not known:
        return None
    container = _add(parent, name)
    for key, value in sorted(known, key=lambda pair: pair[0]):
        _add(container, key, value)
    return container


def _address(parent, address: dict, name: str = "ADDRESS"):
    return _leaves(
        parent,
        name,
        [
            ("AddressLineText", address.get("street")),
            ("CityName", address.get("city")),
            ("CountyName", address.get("county")),
            ("PostalCode", address.get("zip")),
            ("StateCode", address.get("state")),
        ],
    )


def export_mismo(
    application: dict, *, created_at: datetime | None = None, include_extension: bool = True
) -> bytes:
    created_at = created_at or datetime.now(UTC)
    message = etree.Element(_q("MESSAGE"), nsmap=NSMAP)
    message.set("MISMOReferenceModelIdentifier", v.REFERENCE_MODEL_IDENTIFIER)
    about = _add(_add(message, "ABOUT_VERSIONS"), "ABOUT_VERSION")
    _add(about, "CreatedDatetime", created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    _add(about, "DataVersionIdentifier", "FirstCall 1")
    _add(about, "DataVersionName", "URLA ULAD MISMO 3.4")
    deal = _add(_add(_add(_add(message, "DEAL_SETS"), "DEAL_SET"), "DEALS"), "DEAL")

    relationships: list[tuple[str, str, str]] = []
    borrower_labels = [f"BORROWER_{index + 1}" for index in range(len(application["borrowers"]))]

    _assets(deal, application, borrower_labels, relationships)
    _collateral(deal, application)
    _liabilities(deal, application, borrower_labels, relationships)
    _loan(deal, application)
    _parties(deal, application, borrower_labels, relationships)
    if relationships:
        container = _add(deal, "RELATIONSHIPS")
        for sequence, (arcrole, source, target) in enumerate(relationships, start=1):
            relationship = _add(container, "RELATIONSHIP", SequenceNumber=sequence)
            relationship.set(f"{{{v.XLINK_NS}}}arcrole", arcrole)
            relationship.set(f"{{{v.XLINK_NS}}}from", source)
            relationship.set(f"{{{v.XLINK_NS}}}to", target)
    if include_extension:
        _extension(deal, application)
    return etree.tostring(message, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _assets(deal, application, borrower_labels, relationships):
    if not application["assets"]:
        return
    container = _add(deal, "ASSETS")
    for index, asset in enumerate(application["assets"], start=1):
        label = f"ASSET_{index}"
        element = _add(container, "ASSET", SequenceNumber=index)
        element.set(XLINK_LABEL, label)
        _leaves(
            element,
            "ASSET_DETAIL",
            [
                ("AssetAccountIdentifier", asset.get("account_number")),
                ("AssetCashOrMarketValueAmount", asset.get("value")),
                ("AssetType", asset.get("mismo_type") or v.ASSET_TYPE.get(asset.get("type") or "", "Other")),
            ],
        )
        if asset.get("institution"):
            holder = _add(element, "ASSET_HOLDER")
            _add(_add(holder, "NAME"), "FullName", asset["institution"])
        for borrower in asset.get("borrowers") or [0]:
            if borrower < len(borrower_labels):
                relationships.append((v.ASSET_TO_ROLE, label, borrower_labels[borrower]))


def _collateral(deal, application):
    prop = application["property"]
    subject = _add(_add(_add(deal, "COLLATERALS"), "COLLATERAL"), "SUBJECT_PROPERTY")
    _address(subject, prop)
    property_type = prop.get("type") or ""
    if property_type == "condo":
        _add(_add(_add(subject, "PROJECT"), "PROJECT_DETAIL"), "ProjectLegalStructureType", "Condominium")
    units = prop.get("units")
    if units is None and property_type:
        units = 2 if property_type == "multi_family" else 1
    attachment = {"single_family": "Detached", "townhouse": "Attached", "condo": "Attached"}.get(
        property_type
    )
    construction = (
        "Manufactured" if property_type == "manufactured" else ("SiteBuilt" if property_type else None)
    )
    _leaves(
        subject,
        "PROPERTY_DETAIL",
        [
            ("AttachmentType", attachment),
            ("ConstructionMethodType", construction),
            ("FinancedUnitCount", units),
            ("PropertyEstimatedValueAmount", prop.get("value")),
            ("PropertyInProjectIndicator", True if property_type == "condo" else None),
            ("PropertyStructureBuiltYear", prop.get("year_built")),
            ("PropertyUsageType", v.PROPERTY_USAGE.get(prop.get("use") or "")),
        ],
    )
    if prop.get("purchase_price") is not None:
        contract = _add(_add(subject, "SALES_CONTRACTS"), "SALES_CONTRACT")
        _add(_add(contract, "SALES_CONTRACT_DETAIL"), "SalesContractAmount", prop["purchase_price"])


def _liabilities(deal, application, borrower_labels, relationships):
    liabilities = list(application["liabilities"])
    balance = application["property"].get("existing_lien_balance")
    purpose = application["loan"].get("purpose") or ""
    if balance is not None and not any(
        item.get("type") == "mortgage" and item.get("paid_off") for item in liabilities
    ):
        # The lien a refinance pays off: a mortgage liability paid at closing (how ULAD shows it).
        liabilities.append({"type": "mortgage", "unpaid_balance": balance, "paid_off": "refinance" in purpose,
                            "subject_lien": True, "borrowers": [0]})  # fmt: skip
    if not liabilities:
        return
    container = _add(deal, "LIABILITIES")
    for index, liability in enumerate(liabilities, start=1):
        label = f"LIABILITY_{index}"
        element = _add(container, "LIABILITY", SequenceNumber=index)
        element.set(XLINK_LABEL, label)
        _leaves(
            element,
            "LIABILITY_DETAIL",
            [
                ("LiabilityAccountIdentifier", liability.get("account_number")),
                ("LiabilityMonthlyPaymentAmount", liability.get("monthly_payment")),
                ("LiabilityPayoffStatusIndicator", liability.get("paid_off")),
                ("LiabilityRemainingTermMonthsCount", liability.get("months_left")),
                ("LiabilityType", v.LIABILITY_TYPE.get(liability.get("type") or "", "Other")),
                ("LiabilityUnpaidBalanceAmount", liability.get("unpaid_balance")),
            ],
        )
        if liability.get("creditor"):
            holder = _add(element, "LIABILITY_HOLDER")
            _add(_add(holder, "NAME"), "FullName", liability["creditor"])
        for borrower in liability.get("borrowers") or [0]:
            if borrower < len(borrower_labels):
                relationships.append((v.LIABILITY_TO_ROLE, label, borrower_labels[borrower]))


def _loan(deal, application):
    loan, purpose = application["loan"], application["loan"].get("purpose") or ""
    element = _add(_add(deal, "LOANS"), "LOAN", LoanRoleType="SubjectLoan")
    element.set(XLINK_LABEL, "SUBJECT_LOAN")
    term = loan.get("term_months")
    if term or loan.get("amortization"):
        rule = _add(_add(element, "AMORTIZATION"), "AMORTIZATION_RULE")
        _add(
            rule,
            "AmortizationType",
            "AdjustableRate" if loan.get("amortization") == "adjustable" else "Fixed",
        )
        if term:
            _add(rule, "LoanAmortizationPeriodCount", term)
            _add(rule, "LoanAmortizationPeriodType", "Month")
    if application.get("down_payment") is not None:
        payment = _add(_add(element, "DOWN_PAYMENTS"), "DOWN_PAYMENT")
        _add(payment, "DownPaymentAmount", application["down_payment"])
        _add(payment, "DownPaymentType", "CheckingSavings")
    _leaves(element, "LOAN_DETAIL", [("HELOCIndicator", True if purpose == "heloc" else None)])
    identifiers = [("LenderLoan", loan.get("loan_number")), ("AgencyCase", loan.get("agency_case_number"))]
    identifiers = [(kind, value) for kind, value in identifiers if value]
    if identifiers:
        container = _add(element, "LOAN_IDENTIFIERS")
        for kind, value in identifiers:
            identifier = _add(container, "LOAN_IDENTIFIER")
            _add(identifier, "LoanIdentifier", value)
            _add(identifier, "LoanIdentifierType", kind)
    if term:
        rule = _add(_add(element, "MATURITY"), "MATURITY_RULE")
        _add(rule, "LoanMaturityPeriodCount", term)
        _add(rule, "LoanMaturityPeriodType", "Month")
    if purpose in ("rate_term_refinance", "cash_out_refinance"):
        cash_out = "CashOut" if purpose == "cash_out_refinance" else "NoCashOut"
        _add(_add(element, "REFINANCE"), "RefinanceCashOutDeterminationType", cash_out)
    purpose_type = {"purchase": "Purchase", "rate_term_refinance": "Refinance", "cash_out_refinance": "Refinance",
                    "heloc": "Other"}.get(purpose)  # fmt: skip
    _leaves(
        element,
        "TERMS_OF_LOAN",
        [
            ("BaseLoanAmount", loan.get("amount")),
            ("LoanPurposeType", purpose_type),
            ("MortgageType", v.MORTGAGE_TYPE.get(loan.get("mortgage_type") or "")),
            (
                "NoteRatePercent",
                f"{loan['interest_rate']:.4f}" if loan.get("interest_rate") is not None else None,
            ),
        ],
    )


def _parties(deal, application, borrower_labels, relationships):
    parties = _add(deal, "PARTIES")
    sequence = 0
    for index, borrower in enumerate(application["borrowers"]):
        sequence += 1
        party = _add(parties, "PARTY", SequenceNumber=sequence)
        _individual(party, borrower)
        role = _add(_add(party, "ROLES"), "ROLE", SequenceNumber=1)
        role.set(XLINK_LABEL, borrower_labels[index])
        _borrower(role, borrower, index, relationships)
        _add(_add(role, "ROLE_DETAIL"), "PartyRoleType", "Borrower")
    officer = application["loan_officer"]
    if officer.get("name") or officer.get("nmls_id"):
        sequence += 1
        party = _add(parties, "PARTY", SequenceNumber=sequence)
        first, last = officer.get("first_name", ""), officer.get("last_name", "")
        individual = _add(party, "INDIVIDUAL")
        _contact_points(individual, officer.get("phone", ""), [], officer.get("email", ""), "Work")
        _leaves(
            individual, "NAME", [("FirstName", first), ("FullName", officer.get("name")), ("LastName", last)]
        )
        role = _add(_add(party, "ROLES"), "ROLE", SequenceNumber=1)
        role.set(XLINK_LABEL, "LOAN_ORIGINATOR_1")
        if officer.get("nmls_id"):
            detail = _add(_add(_add(role, "LICENSES"), "LICENSE"), "LICENSE_DETAIL")
            # The NMLS ID is a license issued by a private authority (NMLS): ULAD/DU Spec.
            _add(detail, "LicenseAuthorityLevelType", "Private")
            _add(detail, "LicenseIdentifier", officer["nmls_id"])
        _add(_add(role, "ROLE_DETAIL"), "PartyRoleType", "LoanOriginator")
    lender = application["lender"]
    if lender.get("name"):
        sequence += 1
        party = _add(parties, "PARTY", SequenceNumber=sequence)
        _add(_add(_add(party, "LEGAL_ENTITY"), "LEGAL_ENTITY_DETAIL"), "FullName", lender["name"])
        if any(lender.get(key) for key in ("street", "city", "state", "zip")):
            _address(_add(party, "ADDRESSES"), lender)
        role = _add(_add(party, "ROLES"), "ROLE", SequenceNumber=1)
        role.set(XLINK_LABEL, "LOAN_ORIGINATION_COMPANY_1")
        if lender.get("nmls_id"):
            detail = _add(_add(_add(role, "LICENSES"), "LICENSE"), "LICENSE_DETAIL")
            _add(detail, "LicenseAuthorityLevelType", "Private")
            _add(detail, "LicenseIdentifier", lender["nmls_id"])
        _add(_add(role, "ROLE_DETAIL"), "PartyRoleType", "LoanOriginationCompany")


def _contact_points(individual, phone: str, other_phones: list, email: str, phone_role: str):
    points = []
    if phone:
        points.append(("phone", ten_digit_phone(phone), phone_role))
    for number in other_phones or []:
        points.append(("phone", ten_digit_phone(number), "Home"))
    if email:
        points.append(("email", email, None))
    if not points:
        return
    container = _add(individual, "CONTACT_POINTS")
    for sequence, (kind, value, role) in enumerate(points, start=1):
        point = _add(container, "CONTACT_POINT", SequenceNumber=sequence)
        if kind == "email":
            _add(_add(point, "CONTACT_POINT_EMAIL"), "ContactPointEmailValue", value)
        else:
            _add(_add(point, "CONTACT_POINT_TELEPHONE"), "ContactPointTelephoneValue", value)
            _add(_add(point, "CONTACT_POINT_DETAIL"), "ContactPointRoleType", role)


def _individual(party, borrower):
    individual = _add(party, "INDIVIDUAL")
    _contact_points(individual, borrower.get("phone", ""), borrower.get("other_phones"), borrower.get("email", ""),
                    "Mobile")  # fmt: skip
    _leaves(
        individual,
        "NAME",
        [
            ("FirstName", borrower.get("first_name")),
            ("LastName", borrower.get("last_name")),
            ("MiddleName", borrower.get("middle_name")),
            ("SuffixName", borrower.get("suffix")),
        ],
    )


def _borrower(role, borrower: dict, index: int, relationships):
    element = _add(role, "BORROWER")
    military_served = borrower.get("veteran") or borrower.get("military_status") in v.MILITARY_STATUS
    _leaves(
        element,
        "BORROWER_DETAIL",
        [
            ("BorrowerBirthDate", borrower.get("birth_date")),
            ("DependentCount", borrower.get("dependents")),
            ("MaritalStatusType", v.MARITAL_STATUS.get(borrower.get("marital_status") or "")),
            ("SelfDeclaredMilitaryServiceIndicator", True if military_served else (
                False if borrower.get("veteran") is False else None)),
        ],
    )  # fmt: skip
    employer_labels = [
        f"EMPLOYER_{index + 1}_{number + 1}" for number in range(len(borrower.get("employers", [])))
    ]
    incomes = borrower.get("incomes", [])
    if incomes:
        items = _add(_add(element, "CURRENT_INCOME"), "CURRENT_INCOME_ITEMS")
        for number, income in enumerate(incomes, start=1):
            label = f"CURRENT_INCOME_ITEM_{index + 1}_{number}"
            item = _add(items, "CURRENT_INCOME_ITEM", SequenceNumber=number)
            item.set(XLINK_LABEL, label)
            employer = income.get("employer")
            _leaves(
                item,
                "CURRENT_INCOME_ITEM_DETAIL",
                [
                    ("CurrentIncomeMonthlyTotalAmount", income.get("monthly_amount")),
                    ("EmploymentIncomeIndicator", employer is not None),
                    ("IncomeType", v.INCOME_TYPE.get(income.get("type") or "", "Other")),
                ],
            )
            if employer is not None and employer < len(employer_labels):
                relationships.append((v.INCOME_TO_EMPLOYER, label, employer_labels[employer]))
    declarations = borrower.get("declarations") or {}
    first_time = borrower.get("first_time_buyer")
    values = []
    for key, name in v.DECLARATION_ELEMENTS.items():
        value = declarations.get(key)
        if key == "homeowner_past_three_years" and value is None and first_time is not None:
            # A first-time homebuyer had no ownership interest in a home in the past three years (URLA 5a A).
            value = not first_time
        if name in v.YES_NO_TYPES and isinstance(value, bool):
            value = "Yes" if value else "No"
        values.append((name, value))
    values.append(("CitizenshipResidencyType", v.CITIZENSHIP.get(borrower.get("citizenship") or "")))
    if any(value is not None for _, value in values):
        _leaves(_add(element, "DECLARATION"), "DECLARATION_DETAIL", values)
    employers = borrower.get("employers", [])
    if employers:
        container = _add(element, "EMPLOYERS")
        for number, employer in enumerate(employers):
            item = _add(container, "EMPLOYER", SequenceNumber=number + 1)
            item.set(XLINK_LABEL, employer_labels[number])
            _address(item, employer)
            phone = ten_digit_phone(employer.get("phone", ""))
            if phone:
                point = _add(_add(item, "CONTACT_POINTS"), "CONTACT_POINT")
                _add(_add(point, "CONTACT_POINT_TELEPHONE"), "ContactPointTelephoneValue", phone)
            _leaves(
                item,
                "EMPLOYMENT",
                [
                    ("EmploymentBorrowerSelfEmployedIndicator", bool(employer.get("self_employed"))),
                    ("EmploymentClassificationType", "Primary" if number == 0 else "Secondary"),
                    ("EmploymentPositionDescription", employer.get("position")),
                    ("EmploymentStartDate", employer.get("start_date")),
                    ("EmploymentStatusType", "Current"),
                    ("EmploymentTimeInLineOfWorkMonthsCount",
                     employer["years_in_line_of_work"] * 12 if employer.get("years_in_line_of_work") else None),
                ],
            )  # fmt: skip
            if employer.get("name"):
                _add(_add(_add(item, "LEGAL_ENTITY"), "LEGAL_ENTITY_DETAIL"), "FullName", employer["name"])
    status = borrower.get("military_status") or ("veteran" if borrower.get("veteran") else None)
    if status in v.MILITARY_STATUS:
        service = _add(_add(element, "MILITARY_SERVICES"), "MILITARY_SERVICE")
        _add(_add(service, "MILITARY_SERVICE_DETAIL"), "MilitaryStatusType", v.MILITARY_STATUS[status])
    address = borrower.get("current_address") or {}
    if any(address.values()):
        residence = _add(_add(element, "RESIDENCES"), "RESIDENCE")
        _address(residence, address)
        _add(_add(residence, "RESIDENCE_DETAIL"), "BorrowerResidencyType", "Current")


def _extension(deal, application):
    extra = {key: value for key, value in (application.get("lead") or {}).items() if key in LEAD_EXTRA_FIELDS}
    extra = {key: value for key, value in extra.items() if value not in (None, "")}
    if not extra:
        return
    other = _add(_add(deal, "EXTENSION"), "OTHER")
    lead = etree.SubElement(other, f"{{{v.FIRSTCALL_NS}}}LEAD", nsmap={"FIRSTCALL": v.FIRSTCALL_NS})
    for key in sorted(extra):
        field = etree.SubElement(lead, f"{{{v.FIRSTCALL_NS}}}FIELD", name=key)
        field.text = _text(extra[key])
