"""The mapping language's vocabulary: what a mapping may fill, its limits, and the vendor field names tried
by default."""

import re
from dataclasses import fields

from firstcall.leads.submission import LeadSubmission

MISSING = object()

# Fields of LeadSubmission a mapping may fill (the rest are built here: consent, unknown_fields).
SUBMISSION_TARGETS = {f.name for f in fields(LeadSubmission) if f.name not in {"consent", "unknown_fields"}}
PSEUDO_TARGETS = {"full_name", "loan_amount"}
CONSENT_TARGETS = {
    "consent.sms", "consent.email", "consent.calls", "consent.all", "consent.text", "consent.ip",
    "consent.user_agent", "consent.page_url", "consent.trusted_form_url", "consent.leadid_token",
}  # fmt: skip
UTM_TARGET = re.compile(r"^utm\.[a-z0-9_]{1,40}$")
RESERVED_KEYS = {"fields", "constants", "ignore", "use_defaults", "description", "page_access_token"}
RULE_KEYS = {
    "paths",
    "path",
    "map",
    "transform",
    "transforms",
    "combine",
    "separator",
    "label",
    "default",
    "value",
    "compute",
    "split",
    "index",
}

MAX_PATHS_PER_FIELD = 30
MAX_PATH_LENGTH = 300
MAX_PATH_SEGMENTS = 16
MAX_UNKNOWN_FIELDS = 100
MAX_UNKNOWN_VALUE = 500
MAX_NODES = 20_000  # nodes visited when flattening or searching a payload: bounds the work per request

# Keys whose values are never copied to unknown_fields: credentials, and sensitive borrower data that
# FirstCall only keeps encrypted (the raw payload stays on the intake record for the admin).
SECRET_KEYS = {"key", "apikey", "googlekey", "password", "secret", "token", "accesstoken", "pageaccesstoken"}
SENSITIVE_KEYS = {"ssn", "socialsecuritynumber", "dob", "dateofbirth", "birthdate", "birthday"}
NOT_STORED = "[not stored]"


# Field names common among lead vendors, aggregators and form builders. Matching ignores case and punctuation,
# so "first_name" also finds FirstName, First-Name and "First Name". Each is tried at the top level first,
# then at any depth. Sources: Google Ads and Meta standard question ids; the LeadiD (UniversalLeadid) and
# TrustedForm (xxTrustedFormCertUrl) fields lead vendors pass (docs/REFERENCE.md §4.1, §5).
def _names(text: str) -> list[str]:
    return text.split()


DEFAULT_FIELDS: dict[str, dict] = {
    "first_name": {"paths": _names("first_name fname given_name borrower_first_name")},
    "last_name": {"paths": _names("last_name lname surname family_name borrower_last_name")},
    "full_name": {"paths": _names("full_name name contact_name borrower_name applicant_name")},
    "email": {"paths": _names("email email_address e_mail emailaddr work_email")},
    "phone": {
        "paths": _names(
            "cell_phone mobile_phone mobile cell phone phone_number primary_phone home_phone day_phone "
            "daytime_phone evening_phone work_phone telephone"
        )
    },
    "other_phones": {
        "paths": _names("home_phone work_phone evening_phone day_phone secondary_phone alternate_phone")
    },
    "zip": {"paths": _names("zip zip_code postal_code post_code property_zip zip5"), "transform": "zip5"},
    "state": {"paths": _names("state property_state state_code region province")},
    "preferred_language": {"paths": _names("preferred_language language")},
    "contact_preference": {
        "paths": _names("contact_preference best_contact_method preferred_contact_method")
    },
    "purpose": {
        "paths": _names("loan_purpose purpose product loan_product"),
        "map": {
            "new purchase": "purchase", "home purchase": "purchase", "purchase loan": "purchase",
            "refi": "refinance", "refinance loan": "refinance", "home refinance": "refinance",
            "rate and term": "rate_term_refinance", "rate/term": "rate_term_refinance",
            "cash-out": "cash_out_refinance", "cash out refi": "cash_out_refinance",
            "cashout refinance": "cash_out_refinance", "debt consolidation": "cash_out_refinance",
            "home equity loan": "heloc", "home equity line of credit": "heloc",
        },
    },
    "loan_type": {
        "paths": _names("loan_type loan_program program mortgage_type"),
        "map": {
            "fha loan": "fha", "va loan": "va", "usda loan": "usda", "conventional loan": "conventional",
            "jumbo loan": "jumbo", "no preference": "not_sure", "any": "not_sure", "undecided": "not_sure",
        },
    },
    "property_type": {"paths": _names("property_type home_type property_description")},
    "property_use": {"paths": _names("property_use occupancy occupancy_type property_usage")},
    "purchase_price": {"paths": _names("purchase_price home_price price sales_price"), "transform": "money"},
    "property_value": {
        "paths": _names("property_value estimated_value est_value home_value estimated_home_value"),
        "transform": "money",
    },
    "down_payment": {"paths": _names("down_payment down_payment_amount downpayment"), "transform": "money"},
    "loan_balance": {
        "paths": _names(
            "loan_balance current_balance mortgage_balance first_mortgage_balance existing_balance balance"
        ),
        "transform": "money",
    },
    "loan_amount": {
        "paths": _names("loan_amount requested_loan_amount desired_loan_amount new_loan_amount"),
        "transform": "money",
    },
    "down_payment_percent": {"paths": _names("down_payment_percent down_payment_pct percent_down pct_down")},
    "cash_out_amount": {"paths": _names("cash_out_amount cash_out cash_out_requested additional_cash")},
    "current_rate": {"paths": _names("current_rate current_interest_rate existing_rate current_mortgage_rate")},
    "rate_type": {"paths": _names("rate_type interest_rate_type amortization_type")},
    "loan_term": {"paths": _names("loan_term term term_years loan_term_years amortization_term")},
    "street_address": {"paths": _names("street_address address address1 street property_address street1")},
    "city": {"paths": _names("city property_city town")},
    "credit_score": {"paths": _names("credit_score fico fico_score score"), "transform": "credit"},
    "credit_band": {
        "paths": _names("credit_rating credit_band credit credit_profile est_credit self_credit_rating credit_score_range "
            "credit_range credit_self_rating"),
        "transform": "credit",
    },
    "timeframe": {
        "paths": _names("timeframe time_frame purchase_timeframe buying_timeframe when_to_buy move_timeframe")
    },
    "first_time_buyer": {"paths": _names("first_time_buyer first_time_home_buyer first_time_homebuyer")},
    "veteran": {
        "paths": _names("veteran va_eligible military military_status is_veteran military_service"),
        "map": {
            "active duty": "yes", "active military": "yes", "veteran": "yes", "retired military": "yes",
            "reserves": "yes", "national guard": "yes", "none": "no", "no military service": "no",
            "not military": "no", "civilian": "no",
        },
    },
    "annual_income": {
        "paths": _names("annual_income income household_income yearly_income"),
        "transform": "money",
    },
    "monthly_debts": {
        "paths": _names("monthly_debts monthly_debt monthly_debt_payments"),
        "transform": "money",
    },
    "employment_type": {"paths": _names("employment_type employment_status employment")},
    "has_real_estate_agent": {
        "paths": _names("has_real_estate_agent has_agent working_with_agent has_realtor working_with_realtor")
    },
    "notes": {"paths": _names("notes comments comment message additional_info")},
    "external_id": {"paths": _names("lead_id external_id vendor_lead_id lead_uuid leadgen_id qf_name")},
    "gclid": {"paths": _names("gclid gcl_id")},
    "campaign": {"paths": _names("campaign campaign_name")},
    "referral_partner_email": {"paths": _names("referral_partner_email referral_email partner_email")},
    "is_test": {"paths": _names("is_test test test_lead test_mode")},
    "utm": {"paths": ["utm"]},
    "utm.utm_source": {"paths": ["utm_source"]},
    "utm.utm_medium": {"paths": ["utm_medium"]},
    "utm.utm_campaign": {"paths": ["utm_campaign"]},
    "utm.utm_term": {"paths": ["utm_term"]},
    "utm.utm_content": {"paths": ["utm_content"]},
    "consent.all": {"paths": _names("tcpa_consent consent tcpa_opt_in opt_in tcpa"), "transform": "bool"},
    "consent.sms": {"paths": _names("sms_consent text_consent sms_opt_in"), "transform": "bool"},
    "consent.email": {"paths": _names("email_consent email_opt_in"), "transform": "bool"},
    "consent.calls": {"paths": _names("call_consent phone_consent calls_consent"), "transform": "bool"},
    "consent.text": {
        "paths": _names("tcpa_text tcpa_language consent_text consent_language tcpa_disclosure disclosure")
    },
    "consent.trusted_form_url": {
        "paths": _names(
            "xx_trusted_form_cert_url trusted_form_url trusted_form_cert_url trusted_form tcpa cert_url"
        ),
        "transform": "url",
    },
    "consent.leadid_token": {
        "paths": _names("universal_leadid leadid_token jornaya_leadid jornaya_lead_id lead_id_token")
    },
    "consent.ip": {"paths": _names("ip_address ip client_ip user_ip consumer_ip")},
    "consent.user_agent": {"paths": _names("user_agent useragent browser")},
    "consent.page_url": {"paths": _names("page_url landing_page landing_page_url source_url url")},
}  # fmt: skip


# Aliases too generic to look for below the top level: "value" or "name" deep inside a vendor's metadata is
# rarely the borrower's.
TOP_LEVEL_ONLY = set(
    _names(
        "name value price score balance program product credit test url ip browser consent tcpa disclosure "
        "region province message comment comments notes employment campaign mobile cell telephone opt_in term "
        "address street town"
    )
)


class MappingError(ValueError):
    """The mapping itself is not valid; `errors` lists every problem for the editor."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))
