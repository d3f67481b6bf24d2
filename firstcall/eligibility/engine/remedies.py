"""What would make it work: for a program that is `ineligible` or `refer`, the smallest single change to the
scenario that the engine itself, re-run with the change, finds makes the program eligible (or, when nothing
does, no longer ineligible).

Candidates are the thresholds the checks already computed (the largest loan a cap allows, the solver's maximum
price with the same cash down, the debt pay-down that meets the ratio, the date a waiting period ends, the
minimum credit score...). Each is applied alone, the program is assessed again, and only confirmed changes are
kept, smallest first; when no single change is enough, all of them together are tried.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from .common import add_months
from .money import parse_decimal, usd

RANK = {"eligible": 0, "refer": 1, "ineligible": 2}


def _money(value: object) -> Decimal | None:
    try:
        return parse_decimal(value) if value is not None else None
    except ValueError:
        return None


def _months_until(start: date, target: date) -> int:
    months = 0
    while add_months(start, months) < target and months < 1200:
        months += 1
    return months


def apply_change(payload: dict, field: str, value: object) -> dict:
    """The scenario with one fact changed, keeping the others consistent (a purchase's loan and down payment
    must still make the price).

    Waiting until a date is tried under today's rules: the application date stays and every bankruptcy,
    foreclosure, short sale or deed-in-lieu moves back by the months to wait, so a date beyond the rule set's
    years does not turn every check into "no rule in force"."""
    changed = copy.deepcopy(payload)
    if field == "as_of":
        try:
            months = _months_until(
                date.fromisoformat(str(payload["as_of"])[:10]), date.fromisoformat(str(value))
            )
        except (KeyError, ValueError):
            changed["as_of"] = value
            return changed
        for event in changed.get("derogatory_events") or ():
            if isinstance(event, dict) and isinstance(event.get("date"), str):
                event["date"] = add_months(date.fromisoformat(event["date"][:10]), -months).isoformat()
        return changed
    purchase = payload.get("purpose") == "purchase"
    if field == "down_payment":
        changed.pop("loan_amount", None)
    elif field == "loan_amount" and purchase:
        changed.pop("down_payment", None)
    elif field == "purchase_price":
        price, down = _money(value), _money(payload.get("down_payment"))
        loan = _money(payload.get("loan_amount"))
        if down is None and loan is not None and _money(payload.get("purchase_price")) is not None:
            changed["down_payment"] = str(_money(payload["purchase_price"]) - loan)  # the same cash down
        changed.pop("loan_amount", None)
        if price is None:
            return changed
    changed[field] = value
    return changed


def describe(payload: dict, field: str, value: object) -> tuple[str, Decimal]:
    """(plain-English change, its relative size for ranking: smaller is a smaller change)."""
    old = payload.get(field)
    old_money, new_money = _money(old), _money(value)
    base = _money(payload.get("purchase_price")) or _money(payload.get("property_value")) or Decimal(1)
    if field == "purchase_price" and old_money is not None and new_money is not None:
        return (
            f"a purchase price of {usd(new_money)} instead of {usd(old_money)} ({usd(old_money - new_money)} less), "
            "with the same cash down",
            abs(old_money - new_money) / base,
        )
    if field == "down_payment" and new_money is not None:
        before = old_money if old_money is not None else (base - (_money(payload.get("loan_amount")) or base))
        return (
            f"{usd(new_money)} down instead of {usd(before)} ({usd(new_money - before)} more)",
            abs(new_money - before) / base,
        )
    if field == "loan_amount" and new_money is not None:
        before = old_money if old_money is not None else base - (_money(payload.get("down_payment")) or 0)
        return (
            f"a loan of {usd(new_money)} instead of {usd(before)} ({usd(before - new_money)} less)",
            abs(before - new_money) / base,
        )
    if field == "monthly_debts" and old_money is not None and new_money is not None:
        income = _money(payload.get("monthly_income")) or Decimal(1)
        return (
            f"other monthly debt payments of {usd(new_money)} instead of {usd(old_money)} (pay off or pay down "
            f"debts costing {usd(old_money - new_money)} a month)",
            abs(old_money - new_money) / income,
        )
    if field == "as_of":
        try:
            start, end = date.fromisoformat(str(payload.get("as_of"))[:10]), date.fromisoformat(str(value))
            days = (end - start).days
        except ValueError:
            days = 365
        return (
            f"waiting until {value} ({days} days after {payload.get('as_of')}; checked against the rules in force "
            "today)",
            Decimal(days) / 365,
        )
    if field == "credit_score" and isinstance(old, int) and isinstance(value, int):
        return f"a credit score of {value} instead of {old}", Decimal(value - old) / 100
    if field == "reserves_months":
        return f"{value} months of reserves instead of {old if old is not None else 'none stated'}", Decimal(
            1
        )
    if field == "term_months":
        return f"a term of {value} months instead of {old}", Decimal(1)
    return f"{field} {value} instead of {old}", Decimal(2)


def what_would_make_it_work(payload: dict, result: dict, assess, overlays: list[dict] | None = None) -> dict:
    """program -> list of confirmed changes, smallest first. `assess` is the engine entry point."""
    answers: dict[str, list[dict]] = {}
    for program in result["programs"]:
        status = program["status"]
        if status == "eligible":
            continue
        name = program["program"]
        base = {**payload, "programs": [name]}
        candidates: list[tuple[str, object, str]] = []
        for suggestion in program["suggestions"]:
            if suggestion["field"] and (suggestion["field"], suggestion["value"]) not in [
                (field, value) for field, value, _rule in candidates
            ]:
                candidates.append((suggestion["field"], suggestion["value"], suggestion["rule"]))
        confirmed = []
        for field, value, rule in candidates:
            outcome = _rerun(base, {field: value}, assess, overlays)
            if outcome is None or RANK[outcome] >= RANK[status]:
                continue
            text, size = describe(payload, field, value)
            confirmed.append(
                {
                    "change": {field: value},
                    "description": text,
                    "status_after": outcome,
                    "fixes": rule,
                    "size": size,
                }
            )
        combined = _combined(candidates)
        tried = [{field: value} for field, value, _rule in candidates]
        if candidates and not any(item["status_after"] == "eligible" for item in confirmed):
            combined, outcome = _combine_rounds(base, combined, assess, overlays)
            if combined not in tried and outcome is not None and RANK[outcome] < RANK[status]:
                text = "; ".join(describe(payload, field, value)[0] for field, value in combined.items())
                confirmed.append(
                    {
                        "change": combined,
                        "description": f"all of: {text}",
                        "status_after": outcome,
                        "fixes": "several checks",
                        "size": Decimal(10),
                    }
                )
        confirmed.sort(key=lambda item: (RANK[item["status_after"]], item["size"]))
        for item in confirmed:
            del item["size"]
        answers[name] = confirmed
    return answers


def _combined(candidates: list[tuple[str, object, str]]) -> dict:
    changes: dict = {}
    for field, value, _rule in candidates:
        if field in changes and field in ("as_of",):
            changes[field] = max(str(changes[field]), str(value))
        elif field in changes and field in ("down_payment", "credit_score", "reserves_months"):
            changes[field] = max(changes[field], value, key=lambda item: Decimal(str(item)))
        elif field in changes:
            changes[field] = min(changes[field], value, key=lambda item: Decimal(str(item)))
        else:
            changes[field] = value
    if "purchase_price" in changes and ("down_payment" in changes or "loan_amount" in changes):
        changes.pop("purchase_price")  # one way of making the loan smaller is enough
    return changes


def _combine_rounds(base: dict, changes: dict, assess, overlays, rounds: int = 3) -> tuple[dict, str | None]:
    """Apply the changes, re-assess, and add what the new result still suggests (a larger down payment changes
    the debt ratio, for instance), until eligible or `rounds` are used."""
    outcome = None
    for _ in range(rounds):
        scenario = base
        for field, value in changes.items():
            scenario = apply_change(scenario, field, value)
        try:
            rerun = assess(scenario, overlays=overlays)["programs"][0]
        except ValueError:
            return changes, None
        outcome = rerun["status"]
        more = [
            (item["field"], item["value"], item["rule"])
            for item in rerun["suggestions"]
            if item["field"] and item["field"] != "as_of"
        ]
        if outcome == "eligible" or not more:
            break
        merged = _combined([(field, value, "") for field, value in changes.items()] + more)
        if merged == changes:
            break
        changes = merged
    return changes, outcome


def _rerun(base: dict, changes: dict, assess, overlays) -> str | None:
    scenario = base
    for field, value in changes.items():
        scenario = apply_change(scenario, field, value)
    try:
        rerun = assess(scenario, overlays=overlays)
    except ValueError:  # the change made the scenario invalid (e.g. a down payment equal to the price)
        return None
    return rerun["programs"][0]["status"]
