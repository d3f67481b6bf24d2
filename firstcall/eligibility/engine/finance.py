"""Loan arithmetic shared by every program: payment, fees, mortgage insurance, ratios, and the price solver.

A program describes itself for one scenario as `LoanTerms` (caps, fee and insurance rates as functions of LTV
and loan size). `structure()` turns terms plus a value and base loan into every figure; the solver searches
the purchase price with the same function, so the maximum price and the checks can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache

from .money import CENT, DOLLAR, HUNDRED, ZERO

_ONE = Decimal(1)
_TWO = Decimal(2)
_PERCENT_PER_YEAR_TO_MONTHLY_FRACTION = Decimal(1200)


@lru_cache(maxsize=512)
def payment_factor(rate_percent: Decimal, term_months: int) -> Decimal:
    """Monthly principal and interest per dollar of loan: r / (1 - (1 + r)^-n), r = rate / 12 (REF. 1.11)."""
    if rate_percent == 0:
        return _ONE / term_months
    monthly_rate = rate_percent / _PERCENT_PER_YEAR_TO_MONTHLY_FRACTION
    growth = (_ONE + monthly_rate) ** term_months
    return monthly_rate * growth / (growth - _ONE)


def no_upfront_fee(_down_percent: Decimal) -> Decimal:
    return ZERO


def no_mortgage_insurance(_ltv: Decimal, _base_loan: Decimal) -> Decimal:
    return ZERO


@dataclass(slots=True)
class LoanTerms:
    """One program's price-dependent rules, resolved for one scenario (agency rules with overlays applied).

    Percentages are in percent (96.5 means 96.5%). A function returning None means "unknown here" (refer).
    """

    max_ltv_for_loan: Callable[[Decimal], Decimal | None]
    loan_limit: Decimal | None = None  # largest eligible base loan; None = no limit
    upfront_rate_for_down_percent: Callable[[Decimal], Decimal] = no_upfront_fee
    annual_mi_rate_for: Callable[[Decimal, Decimal], Decimal | None] = no_mortgage_insurance
    mi_on_total_loan: bool = False  # USDA charges its annual fee on the balance including the financed fee
    max_dti_front: Decimal | None = None
    max_dti_back: Decimal | None = None
    residual_income_required_for: Callable[[Decimal], Decimal | None] | None = None
    min_loan_exclusive: Decimal | None = None  # jumbo: the base loan must be above this


@dataclass(slots=True)
class LoanStructure:
    value: Decimal
    base_loan: Decimal
    ltv: Decimal
    down_percent: Decimal
    max_ltv: Decimal | None
    upfront_rate: Decimal
    upfront_fee: Decimal
    total_loan: Decimal
    principal_interest: Decimal
    mi_rate: Decimal | None
    mortgage_insurance: Decimal | None
    taxes: Decimal
    insurance: Decimal
    hoa: Decimal
    housing: Decimal | None
    dti_front: Decimal | None
    dti_back: Decimal | None
    residual_income: Decimal | None


def structure(
    terms: LoanTerms,
    value: Decimal,
    base_loan: Decimal,
    factor: Decimal,
    taxes: Decimal,
    insurance: Decimal,
    hoa: Decimal,
    income: Decimal | None,
    debts: Decimal | None,
) -> LoanStructure:
    ltv = base_loan * HUNDRED / value
    down_percent = HUNDRED - ltv if ltv < HUNDRED else ZERO
    upfront_rate = terms.upfront_rate_for_down_percent(down_percent)
    upfront_fee = (base_loan * upfront_rate / HUNDRED).quantize(CENT, ROUND_HALF_UP) if upfront_rate else ZERO
    total_loan = base_loan + upfront_fee  # the fee is financed (REFERENCE 1.11)
    principal_interest = (total_loan * factor).quantize(CENT, ROUND_HALF_UP)
    mi_rate = terms.annual_mi_rate_for(ltv, base_loan)
    mortgage_insurance: Decimal | None
    if mi_rate is None:
        mortgage_insurance = None
    elif mi_rate:
        insured = total_loan if terms.mi_on_total_loan else base_loan
        mortgage_insurance = (insured * mi_rate / _PERCENT_PER_YEAR_TO_MONTHLY_FRACTION).quantize(
            CENT, ROUND_HALF_UP
        )
    else:
        mortgage_insurance = ZERO
    housing = dti_front = dti_back = residual = None
    if mortgage_insurance is not None:
        housing = principal_interest + mortgage_insurance + taxes + insurance + hoa
        if income is not None and debts is not None:
            dti_front = housing * HUNDRED / income
            dti_back = (housing + debts) * HUNDRED / income
            residual = income - housing - debts
    return LoanStructure(
        value=value,
        base_loan=base_loan,
        ltv=ltv,
        down_percent=down_percent,
        max_ltv=terms.max_ltv_for_loan(base_loan),
        upfront_rate=upfront_rate,
        upfront_fee=upfront_fee,
        total_loan=total_loan,
        principal_interest=principal_interest,
        mi_rate=mi_rate,
        mortgage_insurance=mortgage_insurance,
        taxes=taxes,
        insurance=insurance,
        hoa=hoa,
        housing=housing,
        dti_front=dti_front,
        dti_back=dti_back,
        residual_income=residual,
    )


def fits(terms: LoanTerms, loan: LoanStructure) -> bool:
    """True when every price-dependent cap of the program holds (the solver's predicate)."""
    if loan.max_ltv is None or loan.ltv > loan.max_ltv:
        return False
    if terms.loan_limit is not None and loan.base_loan > terms.loan_limit:
        return False
    if loan.dti_back is None or loan.dti_front is None:
        return False
    if terms.max_dti_front is not None and loan.dti_front > terms.max_dti_front:
        return False
    if terms.max_dti_back is not None and loan.dti_back > terms.max_dti_back:
        return False
    if terms.residual_income_required_for is not None:
        required = terms.residual_income_required_for(loan.base_loan)
        if required is None or loan.residual_income is None or loan.residual_income < required:
            return False
    return True


@dataclass(frozen=True, slots=True)
class PriceInputs:
    """What the solver holds fixed while it moves the price."""

    factor: Decimal
    income: Decimal
    debts: Decimal
    hoa: Decimal
    taxes_per_dollar: Decimal | None  # taxes and insurance scale with price at the scenario's implied rate
    insurance_per_dollar: Decimal | None
    fixed_taxes: Decimal
    fixed_insurance: Decimal
    down_payment: Decimal | None  # fixed cash down; None = the program's minimum down payment


def _structure_at_price(
    terms: LoanTerms, inputs: PriceInputs, price: Decimal, loan_to_value: Decimal | None
) -> LoanStructure | None:
    if inputs.down_payment is not None:
        base_loan = price - inputs.down_payment
    else:
        base_loan = (price * loan_to_value / HUNDRED).quantize(DOLLAR, ROUND_DOWN)
    if base_loan <= 0:
        return None
    taxes = inputs.fixed_taxes
    insurance = inputs.fixed_insurance
    if inputs.taxes_per_dollar is not None:
        taxes = (price * inputs.taxes_per_dollar).quantize(CENT, ROUND_HALF_UP)
    if inputs.insurance_per_dollar is not None:
        insurance = (price * inputs.insurance_per_dollar).quantize(CENT, ROUND_HALF_UP)
    return structure(
        terms, price, base_loan, inputs.factor, taxes, insurance, inputs.hoa, inputs.income, inputs.debts
    )


class _PriceSearch:
    """Checks candidate prices for one program and one LTV mode, as cheaply as exactness allows.

    `fits` is the same test as `fits(terms, structure(...))` with the ratios compared as amounts (housing <=
    cap x income) instead of divisions, and no result object; the final answer is confirmed with the exact
    structure.
    """

    __slots__ = ("terms", "inputs", "loan_to_value", "front_cap_amount", "back_cap_amount", "residual_base")

    def __init__(self, terms: LoanTerms, inputs: PriceInputs, loan_to_value: Decimal | None):
        self.terms, self.inputs, self.loan_to_value = terms, inputs, loan_to_value
        income = inputs.income
        self.front_cap_amount = (
            None if terms.max_dti_front is None else income * terms.max_dti_front / HUNDRED
        )
        self.back_cap_amount = None if terms.max_dti_back is None else income * terms.max_dti_back / HUNDRED
        self.residual_base = income - inputs.debts

    def base_loan(self, price: Decimal) -> Decimal:
        if self.inputs.down_payment is not None:
            return price - self.inputs.down_payment
        return (price * self.loan_to_value / HUNDRED).quantize(DOLLAR, ROUND_DOWN)

    def rates(self, price: Decimal, base_loan: Decimal) -> tuple[Decimal, Decimal | None, Decimal | None]:
        """(upfront fee rate, annual MI rate, residual income required) at this price."""
        terms = self.terms
        ltv = base_loan * HUNDRED / price
        upfront = terms.upfront_rate_for_down_percent(HUNDRED - ltv if ltv < HUNDRED else ZERO)
        mi_rate = terms.annual_mi_rate_for(ltv, base_loan)
        required = None
        if terms.residual_income_required_for is not None:
            required = terms.residual_income_required_for(base_loan)
        return upfront, mi_rate, required

    def fits(self, price: Decimal) -> bool:
        terms, inputs = self.terms, self.inputs
        base_loan = self.base_loan(price)
        if base_loan <= 0:
            return False
        if terms.loan_limit is not None and base_loan > terms.loan_limit:
            return False
        maximum = terms.max_ltv_for_loan(base_loan)
        if maximum is None or base_loan * HUNDRED > maximum * price:
            return False
        upfront, mi_rate, required = self.rates(price, base_loan)
        if mi_rate is None:
            return False
        fee = (base_loan * upfront / HUNDRED).quantize(CENT, ROUND_HALF_UP) if upfront else ZERO
        total = base_loan + fee
        housing = (total * inputs.factor).quantize(CENT, ROUND_HALF_UP) + inputs.hoa
        if mi_rate:
            insured = total if terms.mi_on_total_loan else base_loan
            housing += (insured * mi_rate / _PERCENT_PER_YEAR_TO_MONTHLY_FRACTION).quantize(
                CENT, ROUND_HALF_UP
            )
        if inputs.taxes_per_dollar is not None:
            housing += (price * inputs.taxes_per_dollar).quantize(CENT, ROUND_HALF_UP)
        else:
            housing += inputs.fixed_taxes
        if inputs.insurance_per_dollar is not None:
            housing += (price * inputs.insurance_per_dollar).quantize(CENT, ROUND_HALF_UP)
        else:
            housing += inputs.fixed_insurance
        if self.front_cap_amount is not None and housing > self.front_cap_amount:
            return False
        if self.back_cap_amount is not None and housing + inputs.debts > self.back_cap_amount:
            return False
        if terms.residual_income_required_for is not None:
            if required is None or self.residual_base - housing < required:
                return False
        return True

    def exactly_fits(self, price: Decimal) -> bool:
        loan = _structure_at_price(self.terms, self.inputs, price, self.loan_to_value)
        return loan is not None and fits(self.terms, loan)

    def linear_estimate(self, probe: Decimal) -> Decimal | None:
        """The price where the payment caps bind if fee and insurance rates stayed as they are at `probe`.

        With rates frozen the housing payment is linear in price, so this is one division. Rates never fall as
        the price rises, so rates from a higher probe give a price that fits and rates from a lower probe one
        that is at least the answer; a round or two lands on it, and exact checks confirm it to the dollar.
        """
        base_loan = self.base_loan(probe)
        if base_loan <= 0:
            return None
        upfront, mi_rate, required = self.rates(probe, base_loan)
        if mi_rate is None:
            return None
        inputs, terms = self.inputs, self.terms
        financed = _ONE + upfront / HUNDRED
        insured = financed if terms.mi_on_total_loan else _ONE
        per_loan_dollar = financed * inputs.factor + mi_rate / _PERCENT_PER_YEAR_TO_MONTHLY_FRACTION * insured
        per_price_dollar = ZERO
        fixed = inputs.hoa
        if inputs.taxes_per_dollar is not None:
            per_price_dollar += inputs.taxes_per_dollar
        else:
            fixed += inputs.fixed_taxes
        if inputs.insurance_per_dollar is not None:
            per_price_dollar += inputs.insurance_per_dollar
        else:
            fixed += inputs.fixed_insurance
        caps = []
        if self.front_cap_amount is not None:
            caps.append(self.front_cap_amount)
        if self.back_cap_amount is not None:
            caps.append(self.back_cap_amount - inputs.debts)
        if terms.residual_income_required_for is not None:
            if required is None:
                return None
            caps.append(self.residual_base - required)
        if not caps:
            return None
        cap = min(caps)
        if inputs.down_payment is not None:
            price = (cap - fixed + per_loan_dollar * inputs.down_payment) / (
                per_loan_dollar + per_price_dollar
            )
        else:
            price = (cap - fixed) / (per_loan_dollar * self.loan_to_value / HUNDRED + per_price_dollar)
        return price.quantize(DOLLAR, ROUND_DOWN)


ROUNDING_SLACK_DOLLARS = 3  # cent rounding of fees and payments moves the exact answer by a dollar or two


def _largest_fitting_price(search: _PriceSearch, low: Decimal, high: Decimal) -> Decimal | None:
    """Largest whole-dollar price in [low, high] that fits.

    Every cap is monotone in price, so the fitting prices form an interval from `low`; a linear estimate
    usually finds its end in a few checks, and bisection covers the rest (a loan tier or fee band boundary
    between the estimate and the answer).
    """
    if high < low:
        return None
    fits_at = search.fits
    if fits_at(high):
        return high
    low_fits = False
    probe = high
    for _round in range(3):
        estimate = search.linear_estimate(probe)
        if estimate is None or not low <= estimate < high:
            break
        if fits_at(estimate):
            low, low_fits = estimate, True
            for _step in range(ROUNDING_SLACK_DOLLARS):
                if not fits_at(low + 1):
                    return low
                low += 1
            probe = low
        else:
            high = estimate
            for _step in range(ROUNDING_SLACK_DOLLARS):
                if high - 1 < low:
                    break
                if fits_at(high - 1):
                    return high - 1
                high -= 1
            probe = high
    if not low_fits and not fits_at(low):
        return None
    while high - low > 1:
        middle = (low + high) // 2
        if fits_at(middle):
            low = middle
        else:
            high = middle
    return low


def _confirmed(search: _PriceSearch, price: Decimal | None, low: Decimal, high: Decimal) -> Decimal | None:
    """Confirms the lean answer fits by the exact structure the checks use; bisects with it if they differ.

    The lean test compares the same rounded amounts, so they agree (the property tests re-assess at the
    answer and one dollar above it); one exact check here keeps a future edit from silently breaking that.
    """
    if price is None:
        return None
    if search.exactly_fits(price):
        return price
    if not search.exactly_fits(low):
        return None
    while high - low > 1:  # only if the lean test and the structure ever disagree
        middle = (low + high) // 2
        if search.exactly_fits(middle):
            low = middle
        else:
            high = middle
    return low


def max_purchase_price(
    terms: LoanTerms, inputs: PriceInputs, ltv_candidates: tuple[Decimal, ...]
) -> Decimal | None:
    """Largest whole-dollar price whose loan fits every cap (LTV, loan limit, DTI, residual income).

    With a fixed down payment the loan grows with the price; without one the loan is the program's maximum LTV
    of the price (one search per distinct LTV tier, because a bigger loan may move to a stricter tier).
    """
    housing_cap = _housing_payment_cap(terms, inputs)
    if housing_cap is None or housing_cap <= 0:
        return None
    factor = inputs.factor
    best: Decimal | None = None
    best_search: _PriceSearch | None = None
    if inputs.down_payment is not None:
        down = inputs.down_payment
        caps = [down + housing_cap / factor]  # P&I alone must fit the housing cap
        if terms.loan_limit is not None:
            caps.append(down + terms.loan_limit)
        top_ltv = max(ltv_candidates) if ltv_candidates else None
        if top_ltv is not None and top_ltv < HUNDRED:
            caps.append(down * HUNDRED / (HUNDRED - top_ltv))
        high = min(caps).quantize(DOLLAR, ROUND_DOWN)
        low = down.quantize(DOLLAR, ROUND_DOWN) + 1
        best_search = _PriceSearch(terms, inputs, None)
        best = _confirmed(best_search, _largest_fitting_price(best_search, low, high), low, high)
    else:
        for loan_to_value in sorted(set(ltv_candidates), reverse=True):
            if loan_to_value <= 0:
                continue
            caps = [housing_cap / factor * HUNDRED / loan_to_value]
            if terms.loan_limit is not None:
                caps.append((terms.loan_limit + 1) * HUNDRED / loan_to_value)
            high = min(caps).quantize(DOLLAR, ROUND_DOWN)
            search = _PriceSearch(terms, inputs, loan_to_value)
            found = _confirmed(search, _largest_fitting_price(search, _TWO, high), _TWO, high)
            if found is not None and (best is None or found > best):
                best, best_search = found, search
    if best is None:
        return None
    if terms.min_loan_exclusive is not None and best_search.base_loan(best) <= terms.min_loan_exclusive:
        return None
    return best


def _housing_payment_cap(terms: LoanTerms, inputs: PriceInputs) -> Decimal | None:
    caps = []
    if terms.max_dti_front is not None:
        caps.append(inputs.income * terms.max_dti_front / HUNDRED)
    if terms.max_dti_back is not None:
        caps.append(inputs.income * terms.max_dti_back / HUNDRED - inputs.debts)
    if not caps:
        caps.append(
            inputs.income - inputs.debts
        )  # no ratio cap: at least the payment must be affordable at all
    return min(caps) - inputs.hoa
