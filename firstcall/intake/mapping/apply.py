"""Applying a compiled mapping to one payload: a LeadSubmission plus the payload's unused leaves."""

import ipaddress
import math
import re
from dataclasses import dataclass, fields
from decimal import Decimal

from firstcall.intake.mapping.arithmetic import evaluate
from firstcall.intake.mapping.paths import Resolver, Segment, loose_key, parse_path
from firstcall.intake.mapping.rules import FieldRule, compile_mapping
from firstcall.intake.mapping.values import TRANSFORMS, all_scalars, map_key, read_bool, scalar
from firstcall.intake.mapping.vocabulary import (
    MAX_NODES,
    MAX_UNKNOWN_FIELDS,
    MAX_UNKNOWN_VALUE,
    MISSING,
    NOT_STORED,
    SECRET_KEYS,
    SENSITIVE_KEYS,
    SUBMISSION_TARGETS,
)
from firstcall.leads.submission import ConsentInput, LeadSubmission

# ------------------------------------------------------------------------------------------------ applying


def _split(rule: FieldRule, raw):
    parts = [part.strip() for part in (str(raw).split(rule.split) if rule.split else str(raw).split())]
    parts = [part for part in parts if part]
    if rule.index == "rest":
        return (rule.split or " ").join(parts[1:]) or None
    try:
        return parts[rule.index]
    except IndexError:
        return None


def _apply_value_rules(rule: FieldRule, raw):
    if rule.split is not None and raw is not None and not isinstance(raw, list | dict):
        raw = _split(rule, raw)
        if raw is None:
            return None
    value = raw
    if rule.value_map is not None and not isinstance(raw, list | dict):
        key = map_key(raw)
        if key in rule.value_map:
            value = rule.value_map[key]
        elif "*" in rule.value_map:
            value = rule.value_map["*"]
    for name in rule.transforms:
        if value is None:
            break
        value = TRANSFORMS[name](value)
        if isinstance(value, str) and not value.strip():
            value = None
    return value


def _evaluate(rule: FieldRule, resolver: Resolver):
    """The rule's value for this payload, or MISSING."""
    if rule.value is not MISSING:
        return rule.value
    if rule.combine is not None:
        parts = []
        for segments, text in zip(rule.combine, rule.combine_texts, strict=True):
            found = resolver.resolve(segments)
            if found is None or (part := scalar(found[0])) is None:
                continue
            resolver.consumed.add(found[1])
            label = str(found[1][-1]) if found[1] else text
            parts.append(f"{label}: {part}" if rule.label else str(part))
        if parts:
            value = _apply_value_rules(rule, rule.separator.join(parts))
            if value is not None:
                return value
        return MISSING if rule.default is MISSING else rule.default
    candidates = list(rule.paths)
    if rule.search_deep:
        candidates += [(Segment("deep"), *parse_path(text)) for text in rule.deep_texts]
    for segments in candidates:
        found = resolver.resolve(segments)
        if found is None:
            continue
        raw, trail = found
        if rule.target == "utm" and isinstance(raw, dict):
            resolver.consumed.add(trail)
            return raw
        single = raw if "join" in rule.transforms and isinstance(raw, list) else scalar(raw)
        if single is None:
            continue
        value = _apply_value_rules(rule, single)
        if value is None:
            continue
        resolver.consumed.add(trail)
        return value
    return MISSING if rule.default is MISSING else rule.default


def _collect_other_phones(rule: FieldRule, resolver: Resolver) -> list:
    """Every path of other_phones contributes (a vendor may send home, work and evening numbers)."""
    collected = []
    for segments in rule.paths:
        found = resolver.resolve(segments)
        if found is None:
            continue
        values = [v for v in (_apply_value_rules(rule, s) for s in all_scalars(found[0])) if v is not None]
        if values:
            resolver.consumed.add(found[1])
            collected.extend(values)
    return collected


def _digits(value) -> str:
    return re.sub(r"\D", "", str(value))[-10:]


def _to_bool(value) -> bool | None:
    if value is None or value is MISSING:
        return None
    return read_bool(value) if not isinstance(value, bool) else value


def _valid_ip(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


@dataclass
class MappingResult:
    submission: LeadSubmission
    unknown_fields: dict
    mapped: dict  # target -> value found, for the preview


def map_payload(payload: dict, mapping: dict | None, *, defaults: dict | None = None) -> MappingResult:
    """Apply a mapping (checked first; MappingError if invalid) to one payload."""
    compiled = compile_mapping(mapping, defaults=defaults)
    resolver = Resolver(payload)
    submission = LeadSubmission()
    mapped: dict = {}
    # Explicit phone numbers first, so other_phones can leave out the one chosen as the main number.
    order = sorted(compiled.rules, key=lambda target: (target == "other_phones", target == "loan_amount"))
    computed = [target for target in order if compiled.rules[target].compute is not None]
    for target in order:
        rule = compiled.rules[target]
        if rule.compute is not None:
            continue
        if target == "other_phones" and rule.value is MISSING and rule.combine is None:
            value = _collect_other_phones(rule, resolver) or MISSING
        else:
            value = _evaluate(rule, resolver)
        if value is MISSING or value is None:
            continue
        mapped[target] = value
    _compute(compiled, computed, resolver, mapped)
    # A percentage-typed field mapped to the down payment is a share of the price, never dollars.
    down_rule = compiled.rules.get("down_payment")
    if down_rule and "percent" in down_rule.transforms and "down_payment" in mapped:
        mapped.setdefault("down_payment_percent", mapped.pop("down_payment"))
    # "CreditScore": "Excellent" is a band sent under a score's name.
    score = mapped.get("credit_score")
    if (
        isinstance(score, str)
        and not re.fullmatch(r"\d{3}(\.\d+)?", score.strip())
        and "credit_band" not in mapped
    ):
        mapped["credit_band"] = mapped.pop("credit_score")

    for target, value in mapped.items():
        if target in SUBMISSION_TARGETS and target not in {"other_phones", "utm", "is_test"}:
            setattr(submission, target, value)
    if "full_name" in mapped and not (mapped.get("first_name") or mapped.get("last_name")):
        name = " ".join(str(mapped["full_name"]).split())
        first, _, last = name.partition(" ")
        submission.first_name, submission.last_name = first, last or None
    submission.is_test = bool(
        _to_bool(mapped.get("is_test")) or str(mapped.get("is_test", "")).lower() == "test"
    )

    main_phone = _digits(submission.phone) if submission.phone not in (None, "") else ""
    seen, others = {main_phone} if main_phone else set(), []
    other_phones = mapped.get("other_phones", [])
    for number in other_phones if isinstance(other_phones, list) else [other_phones]:
        digits = _digits(number)
        if digits and digits not in seen:
            seen.add(digits)
            others.append(str(number))
    submission.other_phones = others[:5]

    utm = dict(mapped["utm"]) if isinstance(mapped.get("utm"), dict) else {}
    for target, value in mapped.items():
        if target.startswith("utm."):
            utm[target[4:]] = str(value)
    submission.utm = utm

    _derive_from_loan_amount(submission, mapped.get("loan_amount"))
    submission.consent = _consent(mapped)

    for segments in compiled.ignore:
        found = resolver.resolve(segments)
        if found is not None:
            resolver.consumed.add(found[1])
    submission.unknown_fields = unknown_fields(payload, resolver.consumed)
    return MappingResult(submission=submission, unknown_fields=submission.unknown_fields, mapped=mapped)


def _compute(compiled, computed: list[str], resolver: Resolver, mapped: dict) -> None:
    """Computed fields, after every other rule; one may read another (a few passes settle chains)."""
    pending = list(computed)
    for _ in range(3):
        for target in list(pending):
            rule = compiled.rules[target]
            expression = rule.compute

            def lookup(name, expression=expression):
                if name in expression.paths:
                    found = resolver.resolve(expression.paths[name])
                    if found is None:
                        return None
                    resolver.consumed.add(found[1])
                    return scalar(found[0])
                return mapped.get(name)

            result = evaluate(expression, lookup)
            if result is None:
                continue
            value = _apply_value_rules(rule, result) if (rule.transforms or rule.value_map) else result
            if value is not None:
                mapped[target] = value
                pending.remove(target)
        if not pending:
            return
    for target in pending:
        default = compiled.rules[target].default
        if default is not MISSING and default is not None:
            mapped[target] = default


def apply_mapping(payload: dict, mapping: dict | None, *, defaults: dict | None = None):
    """Map one payload to (LeadSubmission, unknown_fields). Raises MappingError if the mapping is invalid."""
    result = map_payload(payload, mapping, defaults=defaults)
    return result.submission, result.unknown_fields


def _derive_from_loan_amount(submission: LeadSubmission, amount) -> None:
    """Vendors send the requested loan amount; FirstCall keeps price and down payment (purchase) or the
    balance (refinance), so the amount fills whichever is missing. Without enough facts it stays unmapped."""
    if amount in (None, "") or not isinstance(amount, Decimal):
        return
    purpose = str(submission.purpose or "").lower()
    if "purchase" in purpose or "buy" in purpose:
        price = submission.purchase_price
        if submission.down_payment in (None, "") and isinstance(price, Decimal) and price >= amount:
            submission.down_payment = price - amount
    elif purpose and submission.loan_balance in (None, ""):
        submission.loan_balance = amount


def _consent(mapped: dict) -> ConsentInput | None:
    consent_values = {target[8:]: value for target, value in mapped.items() if target.startswith("consent.")}
    if not consent_values:
        return None
    everything = _to_bool(consent_values.get("all"))
    consent = ConsentInput()
    for channel in ("sms", "email", "calls"):
        specific = _to_bool(consent_values.get(channel))
        setattr(consent, channel, bool(specific if specific is not None else everything))
    consent.text = str(consent_values.get("text") or "")[:5000]
    consent.ip = _valid_ip(consent_values["ip"]) if consent_values.get("ip") else None
    consent.user_agent = str(consent_values.get("user_agent") or "")[:500]
    consent.page_url = str(consent_values.get("page_url") or "")[:1000]
    consent.trusted_form_url = str(consent_values.get("trusted_form_url") or "")[:500]
    consent.leadid_token = str(consent_values.get("leadid_token") or "")[:100]
    return consent


def storable_text(text: str) -> str:
    """Text every database can store: no NUL (PostgreSQL refuses it), no unpaired surrogates (not UTF-8)."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _trail_text(trail: tuple) -> str:
    text = ""
    for part in trail:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def unknown_fields(payload, consumed: set[tuple]) -> dict:
    """Leaves of the payload that no rule used, by dotted path ("Borrower.Phones[1]"); secrets left out and
    sensitive values (SSN, date of birth) marked as not stored."""
    unknown: dict = {}
    visited = 0
    stack = [(payload, ())]
    while stack and visited < MAX_NODES and len(unknown) < MAX_UNKNOWN_FIELDS:
        node, trail = stack.pop()
        visited += 1
        if any(trail[: len(used)] == used for used in consumed if len(used) <= len(trail)):
            continue
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            last = loose_key(trail[-1]) if trail and not isinstance(trail[-1], int) else ""
            if last in SECRET_KEYS:
                continue
            if node is None or (isinstance(node, str) and not node.strip()):
                continue
            value = NOT_STORED if last in SENSITIVE_KEYS else node
            if isinstance(value, str):
                value = storable_text(value[:MAX_UNKNOWN_VALUE])
            elif isinstance(value, Decimal) or (isinstance(value, float) and not math.isfinite(value)):
                value = str(value)  # JSON has no Infinity (1e400 parses to one)
            unknown[storable_text(_trail_text(trail) or "value")] = value
            continue
        for key, child in reversed(items):
            stack.append((child, (*trail, key)))
    return unknown


def describe(value):
    """A submission (or any value) as JSON-safe data, for the mapping preview."""
    if isinstance(value, LeadSubmission | ConsentInput):
        return {f.name: describe(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): describe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [describe(v) for v in value]
    return value
