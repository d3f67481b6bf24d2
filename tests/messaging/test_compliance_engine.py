"""Quiet hours, opt-out keywords and frequency caps: pure compliance decisions."""

from datetime import UTC, datetime, time, timedelta

import pytest

from firstcall.messaging.compliance import (
    FEDERAL_CALLING_WINDOW,
    STATE_CALLING_WINDOWS,
    STATE_TIME_ZONES,
    UNKNOWN_LOCATION_ZONES,
    KeywordResult,
    candidate_states,
    candidate_time_zones,
    classify_inbound_keywords,
    frequency_cap_allows,
    frequency_cap_next_allowed,
    next_allowed_send_time,
    phone_state,
    phone_time_zones,
)

NEW_YORK = "America/New_York"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# --------------------------------------------------------------------------------------------- time zones


def test_zip_zone_comes_first_then_area_code_zones():
    assert candidate_time_zones("America/Los_Angeles", "+13055550123", "CA") == [
        "America/Los_Angeles",
        "America/New_York",
    ]


def test_zip_and_area_code_agreeing_give_one_zone():
    assert candidate_time_zones(NEW_YORK, "+13055550123", "FL") == [NEW_YORK]


def test_state_zones_are_used_only_without_a_zip_zone():
    assert candidate_time_zones(None, None, "FL") == ["America/New_York", "America/Chicago"]
    assert candidate_time_zones(None, "+16025550123", "AZ") == ["America/Phoenix", "America/Denver"]
    assert candidate_time_zones("America/Phoenix", None, "AZ") == ["America/Phoenix"]


def test_alaska_area_code_gives_both_alaskan_zones():
    assert phone_time_zones("+19075550123") == ["America/Adak", "America/Anchorage"]


def test_toll_free_unknown_and_invalid_numbers_give_no_zone():
    assert phone_time_zones("+18005550123") == []  # dozens of zones: ambiguous
    assert phone_time_zones("+19995551234") == []  # Etc/Unknown
    assert phone_time_zones("not a number") == []
    assert phone_time_zones(None) == []
    assert candidate_time_zones(None, "+18005550123", None) == []


def test_misspelt_zip_zone_is_ignored_and_state_used_instead():
    assert candidate_time_zones("America/Nowhere", None, "TX") == ["America/Chicago", "America/Denver"]


def test_every_state_zone_is_a_real_zone():
    from zoneinfo import ZoneInfo

    for zones in STATE_TIME_ZONES.values():
        for zone in zones:
            ZoneInfo(zone)
    assert len(STATE_TIME_ZONES) == 56  # 50 states, DC and 5 territories


def test_area_code_state_for_the_presumption_rules():
    assert phone_state("+13055550123") == "FL"
    assert phone_state("+15615550100") == "FL"  # described as "Palm Beach, FL"
    assert phone_state("+12065550123") == "WA"  # "Washington State"
    assert phone_state("+12025550123") == "DC"
    assert phone_state("+16715551234") == "GU"
    assert phone_state("+18005550123") is None
    assert phone_state("+447911123456") is None
    assert candidate_states("ca", "+14055550123") == ["CA", "OK"]
    assert candidate_states("FL", "+13055550123") == ["FL"]
    assert candidate_states(None, None) == []


# -------------------------------------------------------------------------------------------- quiet hours


def test_federal_window_allows_8pm_but_florida_holds_until_8am():
    now = utc(2026, 7, 15, 0, 30)  # Tuesday 20:30 EDT

    federal = next_allowed_send_time(now, [NEW_YORK], [])
    florida = next_allowed_send_time(now, [NEW_YORK], ["FL"])

    assert federal.allowed_now is True
    assert federal.send_at_utc == now
    assert florida.allowed_now is False
    assert florida.send_at_utc == utc(2026, 7, 15, 12, 0)  # Wednesday 08:00 EDT
    assert florida.reasons == [
        "zones: America/New_York; rules: US, FL",
        "held: Tue 20:30 in America/New_York is outside FL 08:00-20:00",
        "send at 2026-07-15 12:00 UTC (Wed 2026-07-15 08:00 EDT in America/New_York)",
    ]


def test_federal_window_closes_at_9pm():
    decision = next_allowed_send_time(utc(2026, 7, 15, 1, 0), [NEW_YORK], None)  # 21:00 EDT

    assert decision.allowed_now is False
    assert decision.send_at_utc == utc(2026, 7, 15, 12, 0)
    assert decision.reasons[1] == "held: Tue 21:00 in America/New_York is outside US 08:00-21:00"


def test_window_start_is_inclusive_and_end_exclusive():
    assert next_allowed_send_time(utc(2026, 7, 14, 12, 0), [NEW_YORK], ["FL"]).allowed_now is True  # 08:00
    assert next_allowed_send_time(utc(2026, 7, 14, 23, 59), [NEW_YORK], ["FL"]).allowed_now is True  # 19:59
    assert next_allowed_send_time(utc(2026, 7, 15, 0, 0), [NEW_YORK], ["FL"]).allowed_now is False  # 20:00


def test_early_morning_is_held_until_8_the_same_day():
    decision = next_allowed_send_time(utc(2026, 7, 14, 11, 59), [NEW_YORK], [])

    assert decision.allowed_now is False
    assert decision.send_at_utc == utc(2026, 7, 14, 12, 0)


def test_phoenix_and_denver_differ_in_summer_but_not_in_winter():
    summer = utc(2026, 7, 14, 14, 30)  # 08:30 MDT in Denver, 07:30 MST in Phoenix
    winter = utc(2026, 1, 13, 14, 30)  # 07:30 in both

    assert next_allowed_send_time(summer, ["America/Denver"], []).allowed_now is True
    phoenix = next_allowed_send_time(summer, ["America/Phoenix"], [])
    assert (phoenix.allowed_now, phoenix.send_at_utc) == (False, utc(2026, 7, 14, 15, 0))
    both = next_allowed_send_time(summer, ["America/Denver", "America/Phoenix"], [])
    assert (both.allowed_now, both.send_at_utc) == (False, utc(2026, 7, 14, 15, 0))
    denver_winter = next_allowed_send_time(winter, ["America/Denver"], [])
    assert (denver_winter.allowed_now, denver_winter.send_at_utc) == (False, utc(2026, 1, 13, 15, 0))


def test_zip_and_area_code_disagreeing_means_the_strictest_window_wins():
    zones = candidate_time_zones("America/Los_Angeles", "+13055550123", "CA")  # lives in LA, Miami number
    now = utc(2026, 7, 15, 1, 30)  # 18:30 in Los Angeles, 21:30 in Miami

    decision = next_allowed_send_time(now, zones, candidate_states("CA", "+13055550123"))

    assert decision.allowed_now is False
    # Miami opens at 12:00 UTC (08:00 EDT) but Los Angeles is then 05:00; both open at 08:00 PDT.
    assert decision.send_at_utc == utc(2026, 7, 15, 15, 0)
    assert decision.jurisdictions == ["US", "FL"]
    assert "held: Tue 21:30 in America/New_York is outside US 08:00-21:00" in decision.reasons
    assert "held: Tue 21:30 in America/New_York is outside FL 08:00-20:00" in decision.reasons


def test_florida_area_code_presumption_applies_florida_hours_to_a_california_address():
    zones = candidate_time_zones("America/Los_Angeles", "+13055550123", "CA")
    now = utc(2026, 7, 15, 0, 30)  # 17:30 PDT, 20:30 EDT

    decision = next_allowed_send_time(now, zones, candidate_states("CA", "+13055550123"))

    assert decision.allowed_now is False
    assert decision.send_at_utc == utc(2026, 7, 15, 15, 0)


def test_texas_sunday_starts_at_noon():
    sunday_ten = utc(2026, 7, 12, 15, 0)  # 10:00 CDT
    monday_eight_thirty = utc(2026, 7, 13, 13, 30)

    sunday = next_allowed_send_time(sunday_ten, ["America/Chicago"], ["TX"])
    monday = next_allowed_send_time(monday_eight_thirty, ["America/Chicago"], ["TX"])

    assert (sunday.allowed_now, sunday.send_at_utc) == (False, utc(2026, 7, 12, 17, 0))
    assert (monday.allowed_now, monday.send_at_utc) == (False, utc(2026, 7, 13, 14, 0))
    assert next_allowed_send_time(utc(2026, 7, 13, 15, 0), ["America/Chicago"], ["TX"]).allowed_now is True


def test_alabama_has_no_sunday_messages():
    saturday_night = utc(2026, 7, 12, 1, 30)  # Saturday 20:30 CDT

    decision = next_allowed_send_time(saturday_night, ["America/Chicago"], ["AL"])

    assert decision.send_at_utc == utc(2026, 7, 13, 13, 0)  # Monday 08:00 CDT


def test_alabama_and_louisiana_hold_messages_on_state_holidays():
    christmas_ten = utc(2026, 12, 25, 16, 0)  # Friday 10:00 CST

    alabama = next_allowed_send_time(christmas_ten, ["America/Chicago"], ["AL"])
    louisiana_mardi_gras = next_allowed_send_time(utc(2026, 2, 17, 16, 0), ["America/Chicago"], ["LA"])
    texas = next_allowed_send_time(christmas_ten, ["America/Chicago"], ["TX"])

    assert alabama.allowed_now is False
    assert alabama.send_at_utc == utc(2026, 12, 26, 14, 0)  # Saturday 08:00 CST
    assert (
        alabama.reasons[1]
        == "held: Fri 10:00 in America/Chicago is a AL holiday (Christmas Day): no messages"
    )
    assert (louisiana_mardi_gras.allowed_now, louisiana_mardi_gras.send_at_utc) == (
        False,
        utc(2026, 2, 18, 14, 0),
    )
    assert texas.allowed_now is True


def test_connecticut_starts_at_nine():
    decision = next_allowed_send_time(utc(2026, 7, 14, 12, 30), [NEW_YORK], ["CT"])

    assert (decision.allowed_now, decision.send_at_utc) == (False, utc(2026, 7, 14, 13, 0))


def test_spring_forward_moves_8am_an_hour_earlier_in_utc():
    saturday = next_allowed_send_time(utc(2026, 3, 7, 12, 30), [NEW_YORK], [])  # 07:30 EST
    sunday = next_allowed_send_time(utc(2026, 3, 8, 12, 30), [NEW_YORK], [])  # 08:30 EDT

    assert (saturday.allowed_now, saturday.send_at_utc) == (False, utc(2026, 3, 7, 13, 0))
    assert sunday.allowed_now is True


def test_held_overnight_across_fall_back():
    decision = next_allowed_send_time(utc(2026, 11, 1, 2, 0), [NEW_YORK], [])  # Sat 22:00 EDT

    assert decision.send_at_utc == utc(2026, 11, 1, 13, 0)  # Sunday 08:00 EST


def test_oklahoma_hours_apply_only_from_the_law_taking_effect():
    before = next_allowed_send_time(utc(2022, 10, 15, 1, 30), ["America/Chicago"], ["OK"])  # 20:30 CDT
    after = next_allowed_send_time(utc(2022, 11, 16, 2, 30), ["America/Chicago"], ["OK"])  # 20:30 CST

    assert before.allowed_now is True
    assert after.allowed_now is False


def test_unknown_time_zone_requires_every_us_zone_to_be_inside_the_window():
    decision = next_allowed_send_time(utc(2026, 7, 14, 16, 0), [], [])  # 12:00 EDT, 06:00 HST

    assert decision.allowed_now is False
    assert decision.zones == list(UNKNOWN_LOCATION_ZONES)
    assert decision.send_at_utc == utc(2026, 7, 14, 18, 0)  # 08:00 in Honolulu, 14:00 in New York
    assert decision.reasons[0] == "borrower time zone unknown: every US zone must be inside the window"


def test_unknown_states_add_nothing():
    decision = next_allowed_send_time(utc(2026, 7, 15, 0, 30), [NEW_YORK], ["ZZ", "", "ny"])

    assert decision.allowed_now is True
    assert decision.jurisdictions == ["US"]


def test_a_held_message_always_has_a_later_send_time():
    start = utc(2026, 7, 10, 0, 0)
    for hour in range(0, 24 * 7, 5):
        now = start + timedelta(hours=hour)
        decision = next_allowed_send_time(now, ["America/Chicago", "America/Denver"], ["TX", "AL"])
        if decision.allowed_now:
            assert decision.send_at_utc == now
        else:
            assert decision.send_at_utc > now
            assert next_allowed_send_time(decision.send_at_utc, decision.zones, ["TX", "AL"]).allowed_now


def test_zones_with_no_common_window_are_held_for_review_not_dropped():
    # Rhode Island 09:00-18:00 in New York never overlaps 08:00-21:00 in Guam (14 hours ahead).
    decision = next_allowed_send_time(utc(2026, 7, 14, 16, 0), [NEW_YORK, "Pacific/Guam"], ["RI"])

    assert decision.allowed_now is False
    assert decision.needs_review is True
    assert decision.send_at_utc == utc(2026, 7, 15, 13, 0)  # first RI opening in New York
    assert decision.reasons[-1].startswith("no moment within 14 days is inside the window in every zone")


def test_naive_time_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_allowed_send_time(datetime(2026, 7, 14, 12, 0), [NEW_YORK], [])


def test_calling_window_table_carries_sources_and_confidence():
    assert FEDERAL_CALLING_WINDOW.hours[0] == (time(8), time(21))
    assert FEDERAL_CALLING_WINDOW.source.startswith("47 CFR 64.1200(c)(1)")
    for state in ("FL", "OK", "MD", "WA"):
        assert STATE_CALLING_WINDOWS[state].hours[3] == (time(8), time(20))
        assert STATE_CALLING_WINDOWS[state].confidence == "V"
    assert STATE_CALLING_WINDOWS["CT"].hours[3] == (time(9), time(20))
    assert STATE_CALLING_WINDOWS["TX"].hours[6] == (time(12), time(21))
    assert STATE_CALLING_WINDOWS["TX"].hours[5] == (time(9), time(21))
    assert {s for s, w in STATE_CALLING_WINDOWS.items() if w.max_messages_per_24h == 3} == {"FL", "OK", "MD"}
    for window in STATE_CALLING_WINDOWS.values():
        assert window.source
        assert window.confidence in {"V", "V-2nd", "UNVERIFIED"}
        assert set(window.hours) == set(range(7))


# ------------------------------------------------------------------------------------------ frequency caps


def test_florida_allows_three_messages_in_a_rolling_24_hours():
    now = utc(2026, 7, 14, 18, 0)
    two = [now - timedelta(hours=5), now - timedelta(hours=1)]
    three = [now - timedelta(hours=23), *two]

    assert frequency_cap_allows(two, now, "FL")[0] is True
    allowed, reason = frequency_cap_allows(three, now, "FL")
    assert allowed is False
    assert reason.startswith("3 sent in the last 24 h; FL allows 3 (Fla. Stat. 501.616(6)(a)")
    assert reason.endswith("next allowed at 2026-07-14 19:00 UTC")
    assert frequency_cap_next_allowed(three, now, "FL") == utc(2026, 7, 14, 19, 0)


def test_message_exactly_24_hours_old_no_longer_counts():
    now = utc(2026, 7, 14, 18, 0)
    sent = [now - timedelta(hours=24), now - timedelta(hours=2), now - timedelta(hours=1)]

    assert frequency_cap_allows(sent, now, "MD")[0] is True


def test_states_without_a_cap_allow_any_number():
    now = utc(2026, 7, 14, 18, 0)
    sent = [now - timedelta(minutes=m) for m in range(1, 11)]

    assert frequency_cap_allows(sent, now, "CA") == (True, "no state frequency cap applies")
    assert frequency_cap_allows(sent, now, None) == (True, "no state frequency cap applies")
    assert frequency_cap_next_allowed(sent, now, "CA") == now


def test_area_code_state_cap_applies_alongside_the_address_state():
    now = utc(2026, 7, 14, 18, 0)
    sent = [now - timedelta(hours=h) for h in (1, 2, 3)]

    assert frequency_cap_allows(sent, now, ["CA", "OK"])[0] is False


def test_oklahoma_cap_starts_when_the_law_took_effect():
    before = utc(2022, 10, 1, 18, 0)
    sent = [before - timedelta(hours=h) for h in (1, 2, 3)]

    assert frequency_cap_allows(sent, before, "OK")[0] is True


def test_future_sent_times_are_not_counted():
    now = utc(2026, 7, 14, 18, 0)
    sent = [now + timedelta(hours=1), now - timedelta(hours=1), now - timedelta(hours=2)]

    assert frequency_cap_allows(sent, now, "FL")[0] is True


# ---------------------------------------------------------------------------------------- inbound keywords


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("STOP", "STOP"),
        ("stop", "STOP"),
        (" Stop. ", "STOP"),
        ("STOP!!!", "STOP"),
        ("stop please", "STOP"),
        ("Stop stop STOP", "STOP"),
        ("ＳＴＯＰ", "STOP"),
        ("STOPALL", "STOPALL"),
        ("stop all", "STOPALL"),
        ("End", "END"),
        ("cancel", "CANCEL"),
        ("Unsubscribe.", "UNSUBSCRIBE"),
        ("quit", "QUIT"),
        ("REVOKE", "REVOKE"),
        ("opt out", "OPT OUT"),
        ("Opt-Out", "OPT OUT"),
        ("optout", "OPT OUT"),
        ("remove", "REMOVE"),
    ],
)
def test_opt_out_keywords_in_any_case_and_punctuation(text, matched):
    assert classify_inbound_keywords(text) == KeywordResult("opt_out", matched)


@pytest.mark.parametrize(("text", "matched"), [("HELP", "HELP"), ("help?", "HELP"), ("Info", "INFO")])
def test_help_keywords(text, matched):
    assert classify_inbound_keywords(text) == KeywordResult("help", matched)


@pytest.mark.parametrize(("text", "matched"), [("START", "START"), ("unstop", "UNSTOP"), ("Yes!", "YES")])
def test_opt_in_keywords(text, matched):
    assert classify_inbound_keywords(text) == KeywordResult("opt_in", matched)


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("please stop texting me", "stop texting me"),
        ("Take me off your list", "take me off your list"),
        ("don't text me", "don't text me"),
        ("Don’t text me again!", "don't text me again"),
        ("Remove me", "remove me"),
        ("Can you remove me from your list?", "remove me"),
        ("Do not contact", "do not contact"),
        ("no more texts please", "no more texts"),
        ("unsubscribe me", "unsubscribe me"),
        ("opt me out", "opt me out"),
        ("Stop sending me these", "stop sending me"),
        ("Sorry, wrong number", "wrong number"),
        ("Not interested. STOP", "STOP"),
        ("ok, stop", "STOP"),
        ("Stop! Who is this?", "STOP"),
    ],
)
def test_free_text_revocations_revoke_at_once(text, matched):
    # FCC 24-24: any reasonable means revokes; the phrase (or the keyword) is named in the result.
    result = classify_inbound_keywords(text)
    assert result.kind == "opt_out"
    assert result.matched.casefold().startswith(matched.casefold().split()[0])
    # A keyword inside a longer message is honoured and then shown to a person.
    assert result.needs_review is (text in ("Not interested. STOP", "Stop! Who is this?"))


@pytest.mark.parametrize(
    "text",
    [
        "don't stop, I'm interested",
        "Don't stop texting me, I need the numbers",
        "Please don't remove me from the list",
        "why did you stop texting me?",
        "I'll stop by the office tomorrow",
        "I will stop sending you documents by mail",
        "Can we talk at the end of the month?",
        "I need to cancel my appointment",
        "I quit my job last year, is that a problem?",
        "Yes I am still looking",
        "I need help with my application",
        "I don't text much, call me",
        "Thanks!",
        "",
    ],
)
def test_ordinary_replies_are_not_opt_outs(text):
    assert classify_inbound_keywords(text) == KeywordResult("none", "")
