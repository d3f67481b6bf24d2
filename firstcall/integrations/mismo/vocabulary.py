"""MISMO 3.4 names FirstCall uses: namespaces, arcroles and the enumerations it reads and writes.

Element names and enumeration values follow the MISMO v3.4 Reference Model (Build 324) as used by the ULAD
mapping of the redesigned URLA and Fannie Mae's DU Spec (MISMO v3.4) Implementation Guide; see
docs/integrations.md and the sources there. Tables map FirstCall's value -> MISMO's value; the reverse maps
are derived.
"""

MISMO_NS = "http://www.mismo.org/residential/2009/schemas"
XLINK_NS = "http://www.w3.org/1999/xlink"
ULAD_NS = "http://www.datamodelextension.org/Schema/ULAD"
# FirstCall's own extension for lead fields MISMO has no element for (MISMO EXTENSION/OTHER allows any namespace).
FIRSTCALL_NS = "urn:firstcall:mismo-extension:1"
# MISMO 3.4 Build 324, the identifier DU and LPA files carry.
REFERENCE_MODEL_IDENTIFIER = "3.4.032420160128"
ARCROLE_PREFIX = "urn:fdc:mismo.org:2009:residential/"
ASSET_TO_ROLE = ARCROLE_PREFIX + "ASSET_IsAssociatedWith_ROLE"
LIABILITY_TO_ROLE = ARCROLE_PREFIX + "LIABILITY_IsAssociatedWith_ROLE"
INCOME_TO_EMPLOYER = ARCROLE_PREFIX + "CURRENT_INCOME_ITEM_IsAssociatedWith_EMPLOYER"


def reverse(table: dict) -> dict:
    return {value: key for key, value in table.items()}


MORTGAGE_TYPE = {
    "conventional": "Conventional",
    "fha": "FHA",
    "va": "VA",
    "usda": "USDARuralDevelopment",
    "other": "Other",
}
PROPERTY_USAGE = {"primary": "PrimaryResidence", "second_home": "SecondHome", "investment": "Investment"}
MARITAL_STATUS = {"married": "Married", "separated": "Separated", "unmarried": "Unmarried"}
CITIZENSHIP = {
    "us_citizen": "USCitizen",
    "permanent_resident": "PermanentResidentAlien",
    "non_permanent_resident": "NonPermanentResidentAlien",
}
INCOME_TYPE = {
    "base": "Base",
    "overtime": "Overtime",
    "bonus": "Bonus",
    "commissions": "Commissions",
    "military_base_pay": "MilitaryBasePay",
    "social_security": "SocialSecurity",
    "pension": "Pension",
    "alimony": "Alimony",
    "child_support": "ChildSupport",
    "dividends_interest": "DividendsInterest",
    "net_rental": "NetRentalIncome",
    "disability": "Disability",
    "unemployment": "Unemployment",
    "va_benefits": "VABenefitsNonEducational",
    "other": "Other",
}
ASSET_TYPE = {
    "checking": "CheckingAccount",
    "savings": "SavingsAccount",
    "money_market": "MoneyMarketFund",
    "certificate_of_deposit": "CertificateOfDepositTimeDeposit",
    "mutual_fund": "MutualFund",
    "stock": "Stock",
    "bond": "Bond",
    "retirement": "RetirementFund",
    "trust": "TrustAccount",
    "life_insurance": "LifeInsurance",
    "cash_on_hand": "CashOnHand",
    "gift": "GiftOfCash",
    "other": "Other",
}
LIABILITY_TYPE = {
    "revolving": "Revolving",
    "installment": "Installment",
    "mortgage": "MortgageLoan",
    "heloc": "HELOC",
    "open_30_day": "Open30DayChargeAccount",
    "lease": "LeasePayment",
    "collection": "CollectionsJudgmentsAndLiens",
    "other": "Other",
}
MILITARY_STATUS = {
    "active_duty": "ActiveDuty",
    "reserve_never_activated": "ReserveNationalGuardNeverActivated",
    "veteran": "Veteran",
}
# URLA Section 5 declarations -> DECLARATION_DETAIL elements (ULAD). Booleans, except the two "Type"s.
DECLARATION_ELEMENTS = {
    "intent_to_occupy": "IntentToOccupyType",  # Yes / No / Unknown
    "homeowner_past_three_years": "HomeownerPastThreeYearsType",  # Yes / No / Unknown
    "family_relationship_with_seller": "SpecialBorrowerSellerRelationshipIndicator",
    "undisclosed_borrowed_funds": "UndisclosedBorrowedFundsIndicator",
    "undisclosed_mortgage_application": "UndisclosedMortgageApplicationIndicator",
    "undisclosed_credit_application": "UndisclosedCreditApplicationIndicator",
    "clean_energy_lien": "PropertyProposedCleanEnergyLienIndicator",
    "comaker_of_note": "UndisclosedComakerOfNoteIndicator",
    "outstanding_judgments": "OutstandingJudgmentsIndicator",
    "presently_delinquent": "PresentlyDelinquentIndicator",
    "party_to_lawsuit": "PartyToLawsuitIndicator",
    "deed_in_lieu": "PriorPropertyDeedInLieuConveyedIndicator",
    "short_sale": "PriorPropertyShortSaleCompletedIndicator",
    "foreclosure": "PriorPropertyForeclosureCompletedIndicator",
    "bankruptcy": "BankruptcyIndicator",
}
YES_NO_TYPES = {"IntentToOccupyType", "HomeownerPastThreeYearsType"}

# Enumerated elements the structural check knows: element name -> allowed values.
ENUMERATIONS = {
    "LoanPurposeType": {"Purchase", "Refinance", "MortgageModification", "Other", "Unknown"},
    "MortgageType": set(MORTGAGE_TYPE.values()) | {"LocalAgency", "PublicAndIndianHousing", "StateAgency"},
    "PropertyUsageType": set(PROPERTY_USAGE.values()) | {"Other"},
    "MaritalStatusType": set(MARITAL_STATUS.values()),
    "CitizenshipResidencyType": set(CITIZENSHIP.values()) | {"Unknown"},
    "IncomeType": set(INCOME_TYPE.values())
    | {
        "AutomobileAllowance",
        "BoarderIncome",
        "CapitalGains",
        "DefinedContributionPlan",
        "FosterCare",
        "HousingAllowance",
        "HousingChoiceVoucherProgram",
        "MilitaryClothesAllowance",
        "MilitaryCombatPay",
        "MilitaryFlightPay",
        "MilitaryHazardPay",
        "MilitaryOverseasPay",
        "MilitaryPropPay",
        "MilitaryQuartersAllowance",
        "MilitaryRationsAllowance",
        "MilitaryVariableHousingAllowance",
        "MiscellaneousIncome",
        "MortgageCreditCertificate",
        "MortgageDifferential",
        "NotesReceivableInstallment",
        "PublicAssistance",
        "Royalties",
        "SeparateMaintenance",
        "TemporaryLeave",
        "TipIncome",
        "Trust",
        "AccessoryUnitIncome",
        "ContractBasis",
        "EmploymentRelatedAssets",
        "ForeignIncome",
        "NonBorrowerHouseholdIncome",
        "ProposedGrossRentForSubjectProperty",
        "RealEstateOwnedGrossRentalIncome",
        "SubjectPropertyNetCashFlow",
        "WorkersCompensation",
    },  # fmt: skip
    "AssetType": set(ASSET_TYPE.values())
    | {
        "BridgeLoanNotDeposited",
        "GiftOfPropertyEquity",
        "Grant",
        "IndividualDevelopmentAccount",
        "PendingNetSaleProceedsFromRealEstateAssets",
        "ProceedsFromSaleOfNonRealEstateAsset",
        "ProceedsFromSecuredLoan",
        "ProceedsFromUnsecuredLoan",
        "StockOptions",
        "EmployerAssistance",
        "RealEstateOwned",
        "EarnestMoney",
        "SweatEquity",
        "TradeEquityFromPropertySwap",
        "LotEquity",
        "RentCredit",
        "RelocationMoney",
        "NetWorthOfBusinessOwned",
    },  # fmt: skip
    "LiabilityType": set(LIABILITY_TYPE.values()) | {"ChildCare", "Taxes", "TaxLien", "SeparateMaintenance"},
    "MilitaryStatusType": set(MILITARY_STATUS.values()),
    "IntentToOccupyType": {"Yes", "No", "Unknown"},
    "HomeownerPastThreeYearsType": {"Yes", "No", "Unknown"},
    "ContactPointRoleType": {"Home", "Mobile", "Work", "Other"},
    "PartyRoleType": {
        "Borrower",
        "LoanOriginator",
        "LoanOriginationCompany",
        "Lender",
        "NotePayTo",
        "SubmittingParty",
        "Appraiser",
        "RealEstateAgent",
        "Seller",
        "TitleCompany",
        "ClosingAgent",
        "Other",
    },  # fmt: skip
    "EmploymentStatusType": {"Current", "Previous"},
    "EmploymentClassificationType": {"Primary", "Secondary"},
    "AttachmentType": {"Attached", "Detached", "SemiDetached"},
    "ConstructionMethodType": {
        "SiteBuilt",
        "Manufactured",
        "Modular",
        "MobileHome",
        "OnFrameModular",
        "Other",
    },
    "ProjectLegalStructureType": {"Condominium", "Cooperative", "CommonInterestApartment", "Unknown"},
    "AmortizationType": {"Fixed", "AdjustableRate", "GraduatedPaymentMortgage", "Step", "Other"},
    "LoanAmortizationPeriodType": {"Month", "Year", "Biweekly", "Day", "Quarter", "Semiannual", "Week"},
    "LoanMaturityPeriodType": {"Month", "Year", "Biweekly", "Day", "Quarter", "Semiannual", "Week"},
    "RefinanceCashOutDeterminationType": {"CashOut", "LimitedCashOut", "NoCashOut", "Unknown"},
    "LoanIdentifierType": {
        "LenderLoan",
        "AgencyCase",
        "UniversalLoan",
        "MERS_MIN",
        "InvestorLoan",
        "LenderCase",
        "ServicerLoan",
        "Other",
        "SellerLoan",
        "InvestorCommitment",
        "InvestorContract",
        "PoolIssuerLoan",
        "PriceResponse",
        "WholesaleLender",
        "NewServicerLoan",
        "InvestorWorkoutCase",
    },  # fmt: skip
    "LicenseAuthorityLevelType": {"Private", "Public", "State"},
    "DownPaymentType": {"CheckingSavings", "Other", "GiftFunds", "EquityOnSoldProperty"},
}
