"""Per-source field mappings kept as data: a vendor's payload (nested dicts from JSON, forms or XML) to one
LeadSubmission. A new vendor is onboarded by writing a mapping, never code.

Pure Python (no Django), so every rule is tested with plain data. The format, stored in
LeadSource.field_mapping:

    {
      "fields": {
        "first_name": ["Borrower.FirstName", "fname"],         # paths tried in order; first non-empty wins
        "credit_band": {"paths": ["CreditRating"],             # value map: vendor words to our values
                        "map": {"Excellent": "740-850", "Good": "good", "*": "fair"}},
        "purchase_price": {"paths": ["Price"], "transform": "money"},
        "notes": {"combine": ["Comments", "BestTimeToCall"], "separator": "\\n", "label": true},
        "is_test": {"paths": ["Mode"], "map": {"test": true}, "default": false}
      },
      "constants": {"loan_type": "fha", "consent.calls": true},   # fixed values
      "ignore": ["SubId", "Affiliate.Password"],                 # never reported as unmapped
      "use_defaults": true                                       # also try DEFAULT_FIELDS (the default)
    }

Field rules may also sit at the top level ({"first_name": "FName"}), which is handy for short mappings.

Paths: segments joined by "."; keys match exactly, then ignoring case, then ignoring case and punctuation
("first_name" finds "FirstName", "First Name", "first-name"). "0" or "[0]" indexes a list ("-1" is the last),
"[column_id=EMAIL]" picks the first object of a list whose column_id is EMAIL, "**" searches any depth.

Targets: the LeadSubmission fields, plus "full_name" (split into first and last), "loan_amount" (derives the
down payment of a purchase or the balance of a refinance), "utm.<name>", and
"consent.<sms|email|calls|all|text|ip|user_agent|page_url|trusted_form_url|leadid_token>".

Transforms ("transform": name or list, applied after the value map): money (also "$300,001 - $350,000" ranges,
which give the midpoint), credit ("Excellent (720+)" -> "720+"), bool, url, digits, zip5, int, lower, upper,
title, strip, first_name, last_name, join. A transform that cannot apply returns nothing, so the next path
is tried.
"""

from firstcall.intake.mapping.apply import (
    MappingResult,
    apply_mapping,
    describe,
    map_payload,
    storable_text,
    unknown_fields,
)
from firstcall.intake.mapping.paths import Resolver, Segment, loose_key, parse_path
from firstcall.intake.mapping.rules import (
    CompiledMapping,
    FieldRule,
    compile_mapping,
    is_valid_target,
    validate_mapping,
)
from firstcall.intake.mapping.values import TRANSFORMS
from firstcall.intake.mapping.vocabulary import (
    CONSENT_TARGETS,
    DEFAULT_FIELDS,
    MISSING,
    NOT_STORED,
    PSEUDO_TARGETS,
    SUBMISSION_TARGETS,
    TOP_LEVEL_ONLY,
    MappingError,
)

__all__ = [
    "CONSENT_TARGETS", "DEFAULT_FIELDS", "MISSING", "NOT_STORED", "PSEUDO_TARGETS", "SUBMISSION_TARGETS", "TOP_LEVEL_ONLY",
    "TRANSFORMS", "CompiledMapping", "FieldRule", "MappingError", "MappingResult", "Resolver", "Segment",
    "apply_mapping", "compile_mapping", "describe", "is_valid_target", "loose_key", "map_payload", "parse_path",
    "storable_text", "unknown_fields", "validate_mapping",
]  # fmt: skip
