"""Advertising content: Regulation Z trigger terms need their disclosures (12 CFR 1026.24(d)); a rate needs the
APR (1026.24(c)); every marketing message names the loan officer's and the company's NMLS IDs (SAFE Act)."""

import pytest

from firstcall.compliance.engine.adlint import lint, nmls_footer, trigger_terms

IDS = " Ana Lopez NMLS #123456, Acme Home Loans NMLS #999"


def rules(result):
    return [finding.rule for finding in result.findings]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Only 3.5% down!", "down payment"),
        ("Buy with $10,000 down", "down payment"),
        ("Down payment as low as 3%", "down payment"),
        ("No money down VA loans", "down payment"),
        ("a lower down payment (as little as 3.5% with a 580+ credit score)", "down payment"),
        ("Comprar con 3.5% de enganche", "down payment"),
        ("enganche desde 3.5% con crédito de 580", "down payment"),
        ("Zero down for veterans", "down payment"),
        ("0% down", "down payment"),
        ("Lock a 30-year fixed today", "period of repayment or number of payments"),
        ("15 year mortgage rates", "period of repayment or number of payments"),
        ("360 payments", "period of repayment or number of payments"),
        ("Payments as low as $1,250/mo", "payment amount"),
        ("$1,899 per month", "payment amount"),
        ("Finance charge of $2,000", "finance charge"),
    ],
)
def test_trigger_terms_are_found(text, kind):
    assert kind in [found for found, _ in trigger_terms(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Easy monthly payments!",
        "No closing costs.",
        "Let's talk about your home purchase",
        "Call me at 5 pm",
        "Pay weekly",
        "Down payment help exists in many states.",
        "Ask about down payment assistance of $10,000",
        "un enganche más bajo que en muchos préstamos",
    ],
)
def test_words_that_are_not_trigger_terms(text):
    assert trigger_terms(text) == []


def test_trigger_term_without_disclosures_is_refused_with_the_missing_parts():
    result = lint("Only 3.5% down on a 30-year fixed!" + IDS, loan_officer_nmls="123456", company_nmls="999")
    assert result.ok is False
    assert rules(result) == ["reg_z.trigger_terms"]
    detail = result.findings[0].detail
    assert "terms of repayment" in detail and '"annual percentage rate"' in detail
    assert "12 CFR 1026.24(d)" in result.findings[0].citation


def test_trigger_terms_with_every_disclosure_pass():
    text = "Buy with 3.5% down. 30-year fixed: 360 payments of $1,796.18 at 6.5% interest, 6.782% APR." + IDS
    assert lint(text, loan_officer_nmls="123456", company_nmls="999").ok is True


def test_adjustable_rate_must_say_it_may_increase():
    text = "5/1 ARM with 5% down, 360 payments of $1,500/mo, 6.9% APR." + IDS
    result = lint(text, loan_officer_nmls="123456", company_nmls="999")
    assert result.ok is False and "may increase" in result.summary
    fixed = text + " The rate may increase after consummation."
    assert lint(fixed, loan_officer_nmls="123456", company_nmls="999").ok is True


def test_rate_without_apr_is_refused():
    result = lint("Rates as low as 6.25%!" + IDS, loan_officer_nmls="123456", company_nmls="999")
    assert rules(result) == ["reg_z.rate_without_apr"]
    assert lint("Rates as low as 6.25% (6.41% APR)" + IDS, loan_officer_nmls="123456", company_nmls="999").ok


def test_marketing_needs_both_nmls_ids():
    plain = "Hi Maria, it's Ana from Acme. Want to talk about your purchase?"
    result = lint(plain, loan_officer_nmls="123456", company_nmls="999")
    assert rules(result) == ["safe_act.nmls_lo", "safe_act.nmls_company"]
    assert lint(plain + IDS, loan_officer_nmls="123456", company_nmls="999").ok
    missing_settings = lint(plain + IDS, loan_officer_nmls="", company_nmls=None)
    assert [f.detail for f in missing_settings.findings] == [
        "the loan officer has no NMLS ID in settings",
        "the company has no NMLS ID in settings",
    ]


def test_transactional_messages_are_not_advertisements():
    assert lint("Your payment of $1,250/mo starts June 1", is_marketing=False).ok


def test_nmls_footer_text_satisfies_the_check():
    footer = nmls_footer("Ana Lopez", "123456", "Acme Home Loans", "999")
    assert lint("Hello! " + footer, loan_officer_nmls="123456", company_nmls="999").ok
