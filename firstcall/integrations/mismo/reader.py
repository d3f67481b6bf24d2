"""MISMO 3.4 MESSAGE -> application (see integrations.application), listing every data element it did not place.

Reads DU/LPA/LOS style ULAD files: several borrowers (each a PARTY with a Borrower ROLE), VA and FHA loans,
refinances (the lien paid off is a MortgageLoan LIABILITY), assets and liabilities joined to borrowers through
RELATIONSHIPS, income items joined to employers, the loan originator's NMLS ID. Every leaf element with data that
was not read into the application is returned by XPath in `unplaced`, so nothing is dropped silently.
Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from firstcall.integrations.application import (
    LEAD_EXTRA_BOOLEANS,
    LEAD_EXTRA_FIELDS,
    LEAD_EXTRA_INTEGERS,
    LEAD_EXTRA_MONEY,
    e164_phone,
    empty_application,
    empty_borrower,
    money,
    total_monthly_debts,
    total_monthly_income,
)
from firstcall.integrations.mismo import vocabulary as v
from firstcall.integrations.mismo.xmlpaths import child, first, leaves, local, walk, xlink, xpath_of
from firstcall.integrations.safe_xml import parse_untrusted


class NotMismo(ValueError):
    """Well-formed XML that is not a MISMO 3.x MESSAGE with a DEAL."""


@dataclass
class MismoImport:
    application: dict
    unplaced: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    root: object = None


def read_mismo(data: bytes) -> MismoImport:
    root = parse_untrusted(data)
    return _Reader(root).read()


class _Reader:
    def __init__(self, root):
        self.root = root
        self.placed: set = set()
        self.problems: list[str] = []

    # -- leaf access that remembers what was placed -------------------------------------------------------

    def text(self, element, path: str) -> str:
        found = first(element, path) if element is not None else None
        if found is None:
            return ""
        value = (found.text or "").strip()
        if value:
            self.placed.add(found)
        return value

    def amount(self, element, path: str) -> Decimal | None:
        raw = self.text(element, path)
        if not raw:
            return None
        try:
            return money(raw)
        except ValueError:
            self._unplace(element, path, f"{path} '{raw[:30]}' is not an amount")
            return None

    def integer(self, element, path: str) -> int | None:
        raw = self.text(element, path)
        if not raw:
            return None
        try:
            return int(Decimal(raw))
        except (InvalidOperation, ValueError):
            self._unplace(element, path, f"{path} '{raw[:30]}' is not a number")
            return None

    def boolean(self, element, path: str) -> bool | None:
        raw = self.text(element, path).lower()
        if not raw:
            return None
        if raw in ("true", "1"):
            return True
        if raw in ("false", "0"):
            return False
        self._unplace(element, path, f"{path} '{raw[:30]}' is not true or false")
        return None

    def day(self, element, path: str) -> date | None:
        raw = self.text(element, path)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            self._unplace(element, path, f"{path} '{raw[:30]}' is not a date (YYYY-MM-DD)")
            return None

    def choice(self, element, path: str, table: dict) -> str:
        raw = self.text(element, path)
        if not raw:
            return ""
        reverse = v.reverse(table)
        if raw in reverse:
            return reverse[raw]
        self._unplace(element, path, f"{path} '{raw[:40]}' has no FirstCall equivalent")
        return ""

    def _unplace(self, element, path, problem):
        found = first(element, path)
        self.placed.discard(found)
        self.problems.append(problem)

    # -- the document ------------------------------------------------------------------------------------

    def read(self) -> MismoImport:
        if local(self.root) != "MESSAGE" or etree.QName(self.root).namespace not in (v.MISMO_NS, None):
            raise NotMismo(f"The root element is <{local(self.root)}>, not a MISMO <MESSAGE>.")
        deals = walk(self.root, "DEAL_SETS/DEAL_SET/DEALS/DEAL")
        if not deals:
            raise NotMismo("The MESSAGE has no DEAL_SETS/DEAL_SET/DEALS/DEAL.")
        version = self.root.get("MISMOReferenceModelIdentifier", "")
        if version and not version.startswith("3."):
            raise NotMismo(f"MISMO reference model {version} is not 3.x.")
        deal = deals[0]
        if len(deals) > 1:
            self.problems.append(f"The file holds {len(deals)} deals; the first was read.")
        application = empty_application()
        for path in ("ABOUT_VERSIONS/ABOUT_VERSION/CreatedDatetime", "ABOUT_VERSIONS/ABOUT_VERSION/DataVersionIdentifier",
                     "ABOUT_VERSIONS/ABOUT_VERSION/DataVersionName"):  # fmt: skip
            self.text(self.root, path)  # envelope facts about the file, not the loan
        labels = self._parties(deal, application)
        self._loan(deal, application)
        self._property(deal, application)
        asset_labels = self._assets(deal, application)
        liability_labels = self._liabilities(deal, application)
        self._relationships(deal, application, labels, asset_labels, liability_labels)
        self._existing_lien(application)
        self._extension(deal, application)
        self._derive_lead_fields(application)
        unplaced = [xpath_of(element) for element in leaves(self.root) if element not in self.placed]
        return MismoImport(application=application, unplaced=unplaced, problems=self.problems, root=self.root)

    def _parties(self, deal, application) -> dict:
        """Borrowers, the loan originator and the origination company. Returns xlink label -> owner."""
        labels: dict[str, tuple] = {}
        for party in walk(deal, "PARTIES/PARTY"):
            for role in walk(party, "ROLES/ROLE"):
                role_type = self.text(role, "ROLE_DETAIL/PartyRoleType")
                if role_type == "Borrower":
                    index = len(application["borrowers"])
                    application["borrowers"].append(self._borrower(party, role, index, labels))
                    if xlink(role, "label"):
                        labels[xlink(role, "label")] = ("borrower", index)
                elif role_type == "LoanOriginator":
                    officer = application["loan_officer"]
                    officer["first_name"] = self.text(party, "INDIVIDUAL/NAME/FirstName")
                    officer["last_name"] = self.text(party, "INDIVIDUAL/NAME/LastName")
                    officer["name"] = self.text(party, "INDIVIDUAL/NAME/FullName") or " ".join(
                        part for part in (officer["first_name"], officer["last_name"]) if part
                    )
                    officer["nmls_id"] = self._license(role)
                    phones, emails = self._contact_points(party)
                    officer["phone"] = phones[0][0] if phones else ""
                    officer["email"] = emails[0] if emails else ""
                elif role_type == "LoanOriginationCompany":
                    lender = application["lender"]
                    lender["name"] = self.text(party, "LEGAL_ENTITY/LEGAL_ENTITY_DETAIL/FullName")
                    lender["nmls_id"] = self._license(role)
                    address = first(party, "ADDRESSES/ADDRESS")
                    lender.update(self._address(address))
                elif role_type:
                    # A role FirstCall does not keep (appraiser, title company, ...): its data is reported unplaced.
                    self.placed.discard(first(role, "ROLE_DETAIL/PartyRoleType"))
        return labels

    def _license(self, role) -> str:
        for detail in walk(role, "LICENSES/LICENSE/LICENSE_DETAIL"):
            if self.text(detail, "LicenseAuthorityLevelType") in ("Private", ""):
                self.text(detail, "IdentifierOwnerURI")
                return self.text(detail, "LicenseIdentifier")
        for identifier in walk(role, "PARTY_ROLE_IDENTIFIERS/PARTY_ROLE_IDENTIFIER"):
            return self.text(identifier, "PartyRoleIdentifier")
        return ""

    def _contact_points(self, holder) -> tuple[list[tuple[str, str]], list[str]]:
        phones, emails = [], []
        for point in walk(holder, "INDIVIDUAL/CONTACT_POINTS/CONTACT_POINT") + walk(
            holder, "CONTACT_POINTS/CONTACT_POINT"
        ):
            number = self.text(point, "CONTACT_POINT_TELEPHONE/ContactPointTelephoneValue")
            if number:
                phone = e164_phone(number)
                if phone:
                    phones.append((phone, self.text(point, "CONTACT_POINT_DETAIL/ContactPointRoleType")))
                else:
                    self._unplace(point, "CONTACT_POINT_TELEPHONE/ContactPointTelephoneValue",
                                  f"'{number[:20]}' is not a US phone number")  # fmt: skip
            email = self.text(point, "CONTACT_POINT_EMAIL/ContactPointEmailValue")
            if email:
                emails.append(email)
        return phones, emails

    def _address(self, address) -> dict:
        if address is None:
            return {}
        result = {
            "street": self.text(address, "AddressLineText"),
            "city": self.text(address, "CityName"),
            "county": self.text(address, "CountyName"),
            "state": self.text(address, "StateCode"),
            "zip": self.text(address, "PostalCode")[:5],
        }
        unit = self.text(address, "AddressUnitIdentifier")
        if unit:
            result["street"] = f"{result['street']} Unit {unit}".strip()
        return {key: value for key, value in result.items() if value}

    def _borrower(self, party, role, index, labels) -> dict:
        borrower = empty_borrower()
        name = first(party, "INDIVIDUAL/NAME")
        borrower["first_name"] = self.text(name, "FirstName")
        borrower["middle_name"] = self.text(name, "MiddleName")
        borrower["last_name"] = self.text(name, "LastName")
        borrower["suffix"] = self.text(name, "SuffixName")
        phones, emails = self._contact_points(party)
        mobile = [number for number, kind in phones if kind == "Mobile"]
        ordered = mobile[:1] + [number for number, _ in phones if number not in mobile[:1]]
        borrower["phone"] = ordered[0] if ordered else ""
        borrower["other_phones"] = list(dict.fromkeys(ordered[1:]))
        borrower["email"] = emails[0] if emails else ""
        element = child(role, "BORROWER")
        detail = child(element, "BORROWER_DETAIL")
        borrower["birth_date"] = self.day(detail, "BorrowerBirthDate")
        borrower["dependents"] = self.integer(detail, "DependentCount")
        borrower["marital_status"] = self.choice(detail, "MaritalStatusType", v.MARITAL_STATUS)
        served = self.boolean(detail, "SelfDeclaredMilitaryServiceIndicator")
        status = ""
        for service in walk(element, "MILITARY_SERVICES/MILITARY_SERVICE"):
            status = status or self.choice(
                service, "MILITARY_SERVICE_DETAIL/MilitaryStatusType", v.MILITARY_STATUS
            )
        borrower["military_status"] = status
        borrower["veteran"] = (
            True if status == "veteran" else (served if served is False or not status else None)
        )
        if status and status != "veteran":
            borrower["veteran"] = None
        declaration = first(element, "DECLARATION/DECLARATION_DETAIL")
        declarations = {}
        for key, name_ in v.DECLARATION_ELEMENTS.items():
            if name_ in v.YES_NO_TYPES:
                raw = self.text(declaration, name_)
                if raw in ("Yes", "No"):
                    declarations[key] = raw == "Yes"
                elif raw and raw != "Unknown":
                    self._unplace(declaration, name_, f"{name_} '{raw[:20]}' is not Yes, No or Unknown")
            else:
                value = self.boolean(declaration, name_)
                if value is not None:
                    declarations[key] = value
        borrower["declarations"] = declarations
        borrower["citizenship"] = self.choice(declaration, "CitizenshipResidencyType", v.CITIZENSHIP)
        if "homeowner_past_three_years" in declarations:
            borrower["first_time_buyer"] = not declarations["homeowner_past_three_years"]
        for number, employer in enumerate(walk(element, "EMPLOYERS/EMPLOYER")):
            if xlink(employer, "label"):
                labels[xlink(employer, "label")] = ("employer", index, number)
            employment = child(employer, "EMPLOYMENT")
            months = self.integer(employment, "EmploymentTimeInLineOfWorkMonthsCount")
            item = {
                "name": self.text(employer, "LEGAL_ENTITY/LEGAL_ENTITY_DETAIL/FullName")
                or self.text(employer, "INDIVIDUAL/NAME/FullName"),
                "position": self.text(employment, "EmploymentPositionDescription"),
                "start_date": self.day(employment, "EmploymentStartDate"),
                "self_employed": bool(self.boolean(employment, "EmploymentBorrowerSelfEmployedIndicator")),
                "status": self.text(employment, "EmploymentStatusType") or "Current",
                "phone": "",
                "years_in_line_of_work": months // 12 if months else None,
            }
            self.text(employment, "EmploymentClassificationType")
            phones = [e164_phone(self.text(point, "CONTACT_POINT_TELEPHONE/ContactPointTelephoneValue"))
                      for point in walk(employer, "CONTACT_POINTS/CONTACT_POINT")]  # fmt: skip
            item["phone"] = next((phone for phone in phones if phone), "")
            item.update(self._address(child(employer, "ADDRESS")))
            borrower["employers"].append(item)
        for number, income in enumerate(
            walk(element, "CURRENT_INCOME/CURRENT_INCOME_ITEMS/CURRENT_INCOME_ITEM")
        ):
            if xlink(income, "label"):
                labels[xlink(income, "label")] = ("income", index, number)
            detail = child(income, "CURRENT_INCOME_ITEM_DETAIL")
            employment_income = self.boolean(detail, "EmploymentIncomeIndicator")
            borrower["incomes"].append(
                {
                    "type": self.choice(detail, "IncomeType", v.INCOME_TYPE) or "other",
                    "monthly_amount": self.amount(detail, "CurrentIncomeMonthlyTotalAmount"),
                    # Until a relationship says which employer: the primary one, for employment income.
                    "employer": 0 if employment_income and borrower["employers"] else None,
                }
            )
        for residence in walk(element, "RESIDENCES/RESIDENCE"):
            if self.text(residence, "RESIDENCE_DETAIL/BorrowerResidencyType") in ("Current", ""):
                borrower["current_address"] = self._address(child(residence, "ADDRESS"))
                break
        return borrower

    def _loan(self, deal, application):
        loans = walk(deal, "LOANS/LOAN")
        subject = next((loan for loan in loans if loan.get("LoanRoleType") == "SubjectLoan"), None)
        if subject is None:
            subject = loans[0] if loans else None
            if subject is None:
                self.problems.append("The DEAL has no LOANS/LOAN.")
                return
        loan = application["loan"]
        terms = child(subject, "TERMS_OF_LOAN")
        loan["amount"] = self.amount(terms, "BaseLoanAmount") or self.amount(terms, "NoteAmount")
        purpose = self.text(terms, "LoanPurposeType")
        cash_out = self.text(subject, "REFINANCE/RefinanceCashOutDeterminationType")
        heloc = self.boolean(subject, "LOAN_DETAIL/HELOCIndicator")
        if heloc:
            loan["purpose"] = "heloc"
        elif purpose == "Purchase":
            loan["purpose"] = "purchase"
        elif purpose == "Refinance":
            loan["purpose"] = "cash_out_refinance" if cash_out == "CashOut" else "rate_term_refinance"
        else:
            loan["purpose"] = ""
            if purpose:
                self._unplace(
                    terms, "LoanPurposeType", f"LoanPurposeType '{purpose[:30]}' has no FirstCall equivalent"
                )
        loan["mortgage_type"] = self.choice(terms, "MortgageType", v.MORTGAGE_TYPE)
        rate = self.text(terms, "NoteRatePercent")
        if rate:
            try:
                loan["interest_rate"] = Decimal(rate)
            except InvalidOperation:
                self._unplace(terms, "NoteRatePercent", f"NoteRatePercent '{rate[:20]}' is not a number")
        term = self.integer(subject, "MATURITY/MATURITY_RULE/LoanMaturityPeriodCount")
        period = self.text(subject, "MATURITY/MATURITY_RULE/LoanMaturityPeriodType")
        amortization_term = self.integer(
            subject, "AMORTIZATION/AMORTIZATION_RULE/LoanAmortizationPeriodCount"
        )
        amortization_period = self.text(subject, "AMORTIZATION/AMORTIZATION_RULE/LoanAmortizationPeriodType")
        if term is None and amortization_term is not None:
            term, period = amortization_term, amortization_period
        if term is not None:
            loan["term_months"] = term * 12 if period == "Year" else term
        amortization = self.text(subject, "AMORTIZATION/AMORTIZATION_RULE/AmortizationType")
        loan["amortization"] = {"Fixed": "fixed", "AdjustableRate": "adjustable"}.get(amortization, "")
        for identifier in walk(subject, "LOAN_IDENTIFIERS/LOAN_IDENTIFIER"):
            kind = self.text(identifier, "LoanIdentifierType")
            value = self.text(identifier, "LoanIdentifier")
            if kind == "LenderLoan":
                loan["loan_number"] = value
            elif kind == "AgencyCase":
                loan["agency_case_number"] = value
            else:
                self.placed.discard(first(identifier, "LoanIdentifier"))
                self.placed.discard(first(identifier, "LoanIdentifierType"))
        for payment in walk(subject, "DOWN_PAYMENTS/DOWN_PAYMENT"):
            amount = self.amount(payment, "DownPaymentAmount")
            self.text(payment, "DownPaymentType")
            if amount is not None:
                application["down_payment"] = (application["down_payment"] or Decimal("0.00")) + amount

    def _property(self, deal, application):
        subject = first(deal, "COLLATERALS/COLLATERAL/SUBJECT_PROPERTY")
        if subject is None:
            self.problems.append("The DEAL has no COLLATERALS/COLLATERAL/SUBJECT_PROPERTY.")
            return
        prop = application["property"]
        prop.update(self._address(child(subject, "ADDRESS")))
        detail = child(subject, "PROPERTY_DETAIL")
        prop["value"] = self.amount(detail, "PropertyEstimatedValueAmount")
        if prop["value"] is None:
            for valuation in walk(subject, "PROPERTY_VALUATIONS/PROPERTY_VALUATION"):
                prop["value"] = self.amount(valuation, "PROPERTY_VALUATION_DETAIL/PropertyValuationAmount")
        prop["use"] = self.choice(detail, "PropertyUsageType", v.PROPERTY_USAGE)
        units = self.integer(detail, "FinancedUnitCount")
        prop["units"] = units
        prop["year_built"] = self.integer(detail, "PropertyStructureBuiltYear")
        attachment = self.text(detail, "AttachmentType")
        construction = self.text(detail, "ConstructionMethodType")
        in_project = self.boolean(detail, "PropertyInProjectIndicator")
        structure = self.text(subject, "PROJECT/PROJECT_DETAIL/ProjectLegalStructureType")
        if units and units > 1:
            prop["type"] = "multi_family"
        elif construction in ("Manufactured", "MobileHome"):
            prop["type"] = "manufactured"
        elif structure == "Condominium" or (
            in_project and attachment == "Attached" and structure != "Cooperative"
        ):
            prop["type"] = "condo"
        elif attachment in ("Attached", "SemiDetached"):
            prop["type"] = "townhouse"
        elif attachment == "Detached" or construction in ("SiteBuilt", "Modular"):
            prop["type"] = "single_family"
        else:
            prop["type"] = ""
        for contract in walk(subject, "SALES_CONTRACTS/SALES_CONTRACT"):
            prop["purchase_price"] = self.amount(contract, "SALES_CONTRACT_DETAIL/SalesContractAmount")

    def _assets(self, deal, application) -> dict:
        labels = {}
        for element in walk(deal, "ASSETS/ASSET"):
            detail = child(element, "ASSET_DETAIL")
            kind = self.text(detail, "AssetType")
            reverse = v.reverse(v.ASSET_TYPE)
            if kind and kind not in reverse and kind not in v.ENUMERATIONS["AssetType"]:
                self.problems.append(f"AssetType '{kind[:40]}' is not a MISMO asset type")
            asset = {
                "type": reverse.get(kind, "other"),
                "mismo_type": kind if kind and kind not in reverse else "",
                "institution": self.text(element, "ASSET_HOLDER/NAME/FullName"),
                "account_number": self.text(detail, "AssetAccountIdentifier"),
                "value": self.amount(detail, "AssetCashOrMarketValueAmount"),
                "borrowers": [],
            }
            if xlink(element, "label"):
                labels[xlink(element, "label")] = len(application["assets"])
            application["assets"].append(asset)
        return labels

    def _liabilities(self, deal, application) -> dict:
        labels = {}
        for element in walk(deal, "LIABILITIES/LIABILITY"):
            detail = child(element, "LIABILITY_DETAIL")
            liability = {
                "type": self.choice(detail, "LiabilityType", v.LIABILITY_TYPE) or "other",
                "creditor": self.text(element, "LIABILITY_HOLDER/NAME/FullName"),
                "account_number": self.text(detail, "LiabilityAccountIdentifier"),
                "monthly_payment": self.amount(detail, "LiabilityMonthlyPaymentAmount"),
                "unpaid_balance": self.amount(detail, "LiabilityUnpaidBalanceAmount"),
                "months_left": self.integer(detail, "LiabilityRemainingTermMonthsCount"),
                "paid_off": bool(self.boolean(detail, "LiabilityPayoffStatusIndicator")),
                "borrowers": [],
            }
            if xlink(element, "label"):
                labels[xlink(element, "label")] = len(application["liabilities"])
            application["liabilities"].append(liability)
        return labels

    def _relationships(self, deal, application, labels, asset_labels, liability_labels):
        for relationship in walk(deal, "RELATIONSHIPS/RELATIONSHIP"):
            arcrole, source, target = (
                xlink(relationship, "arcrole"),
                xlink(relationship, "from"),
                xlink(relationship, "to"),
            )
            owner = labels.get(target)
            if arcrole == v.ASSET_TO_ROLE and source in asset_labels and owner and owner[0] == "borrower":
                application["assets"][asset_labels[source]]["borrowers"].append(owner[1])
            elif (
                arcrole == v.LIABILITY_TO_ROLE
                and source in liability_labels
                and owner
                and owner[0] == "borrower"
            ):
                application["liabilities"][liability_labels[source]]["borrowers"].append(owner[1])
            elif (
                arcrole == v.INCOME_TO_EMPLOYER
                and labels.get(source, ("",))[0] == "income"
                and owner
                and owner[0] == "employer"
            ):
                _, borrower, income = labels[source]
                if owner[1] == borrower:
                    application["borrowers"][borrower]["incomes"][income]["employer"] = owner[2]
        for item in application["assets"] + application["liabilities"]:
            if not item["borrowers"] and application["borrowers"]:
                item["borrowers"] = [0]

    def _existing_lien(self, application):
        """A refinance's current balance: the mortgage liabilities this loan pays off."""
        paid = [
            item for item in application["liabilities"]
            if item["type"] in ("mortgage", "heloc") and item["paid_off"] and item["unpaid_balance"] is not None
        ]  # fmt: skip
        if paid:
            application["property"]["existing_lien_balance"] = sum(
                (item["unpaid_balance"] for item in paid), Decimal("0.00")
            )

    def _extension(self, deal, application):
        extra = application["lead"]
        for field_element in walk(deal, "EXTENSION/OTHER/LEAD/FIELD"):
            if etree.QName(field_element).namespace != v.FIRSTCALL_NS:
                continue
            name, raw = field_element.get("name", ""), (field_element.text or "").strip()
            if name not in LEAD_EXTRA_FIELDS or not raw:
                continue
            try:
                if name in LEAD_EXTRA_MONEY:
                    extra[name] = money(raw)
                elif name in LEAD_EXTRA_INTEGERS:
                    extra[name] = int(raw)
                elif name in LEAD_EXTRA_BOOLEANS:
                    extra[name] = raw == "true"
                else:
                    extra[name] = raw
            except ValueError:
                self.problems.append(f"FirstCall extension field {name} '{raw[:20]}' is not valid")
                continue
            self.placed.add(field_element)

    def _derive_lead_fields(self, application):
        """What the lead needs and the file says only in MISMO's terms (a file from another system)."""
        extra = application["lead"]
        borrowers = application["borrowers"]
        primary = borrowers[0] if borrowers else {}
        if "annual_income" not in extra:
            monthly = total_monthly_income(application)
            if monthly is not None:
                extra["annual_income"] = monthly * 12
        if "monthly_debts" not in extra:
            debts = total_monthly_debts(application)
            if debts is not None:
                extra["monthly_debts"] = debts
        if "veteran" not in extra and primary:
            veterans = [b.get("veteran") for b in borrowers if b.get("veteran") is not None]
            if veterans:
                extra["veteran"] = any(veterans)
        if "first_time_buyer" not in extra and primary.get("first_time_buyer") is not None:
            extra["first_time_buyer"] = all(
                b.get("first_time_buyer") for b in borrowers if b.get("first_time_buyer") is not None
            )
        if "employment_type" not in extra and primary:
            employers = primary.get("employers", [])
            if primary.get("military_status") == "active_duty":
                extra["employment_type"] = "military"
            elif employers:
                extra["employment_type"] = "self_employed" if employers[0].get("self_employed") else "w2"
            elif any(
                income["type"] in ("pension", "social_security") for income in primary.get("incomes", [])
            ):
                extra["employment_type"] = "retired"
        if "loan_type" not in extra:
            mortgage_type = application["loan"].get("mortgage_type")
            if mortgage_type and mortgage_type != "other":
                extra["loan_type"] = mortgage_type
