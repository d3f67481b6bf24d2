"""Revocation in every reasonable phrasing (FCC 24-24), English and Spanish, and no false alarms."""

import pytest

from firstcall.compliance.engine.optout import Program, check, help_reply, help_reply_problems

KEYWORDS = [
    ("STOP", "STOP", "en"),
    ("stop", "STOP", "en"),
    ("Stop.", "STOP", "en"),
    ("STOP!!!", "STOP", "en"),
    ("  stop  ", "STOP", "en"),
    ("Stop please", "STOP", "en"),
    ("please STOP", "STOP", "en"),
    ("STOP STOP STOP", "STOP", "en"),
    ("STOPPPP", "STOP", "en"),
    ("stpo", "STOP", "en"),
    ("Sotp", "STOP", "en"),
    ("🛑 STOP 🛑", "STOP", "en"),
    ("Stop it", "STOP", "en"),
    ("STOP NOW", "STOP", "en"),
    ("STOPALL", "STOPALL", "en"),
    ("stop all", "STOPALL", "en"),
    ("END", "END", "en"),
    ("end.", "END", "en"),
    ("CANCEL", "CANCEL", "en"),
    ("cancle", "CANCEL", "en"),
    ("UNSUBSCRIBE", "UNSUBSCRIBE", "en"),
    ("unsubscibe", "UNSUBSCRIBE", "en"),
    ("Unsubcribe", "UNSUBSCRIBE", "en"),
    ("unsub", "UNSUBSCRIBE", "en"),
    ("QUIT", "QUIT", "en"),
    ("REVOKE", "REVOKE", "en"),
    ("Revoke.", "REVOKE", "en"),
    ("OPT OUT", "OPT OUT", "en"),
    ("opt-out", "OPT OUT", "en"),
    ("optout", "OPT OUT", "en"),
    ("REMOVE", "REMOVE", "en"),
    ("remove please", "REMOVE", "en"),
    ("CANCELAR", "CANCELAR", "es"),
    ("cancelar por favor", "CANCELAR", "es"),
    ("ALTO", "ALTO", "es"),
    ("alto!", "ALTO", "es"),
    ("BAJA", "BAJA", "es"),
    ("baja por favor", "BAJA", "es"),
    ("PARAR", "PARAR", "es"),
    ("Para", "PARAR", "es"),
    ("ok. STOP", "STOP", "en"),
    ("Gracias. ALTO", "ALTO", "es"),
]


@pytest.mark.parametrize(("text", "keyword", "language"), KEYWORDS)
def test_keywords_revoke_at_once(text, keyword, language):
    result = check(text)
    assert result.as_dict() == {
        "revokes": True,
        "matched": keyword,
        "language": language,
        "needs_review": False,
    }


FREE_TEXT_EN = [
    "I revoke my consent",
    "i revoke my consent to be contacted",
    "I hereby revoke all consent",
    "I withdraw my consent",
    "I no longer consent",
    "stop sending me these",
    "Stop sending me texts",
    "please stop sending these messages",
    "stop texting me",
    "STOP TEXTING ME!!!",
    "stop txting me pls",
    "Stop txting me",
    "please stop calling",
    "stop calling me",
    "quit calling me",
    "stop contacting me",
    "stop messaging me",
    "stop the texts",
    "Stop all these texts",
    "cease all contact",
    "Cease and desist",
    "cease communication",
    "take me off your list",
    "Please take me off your list!",
    "take me off ur list",
    "take my number off your list",
    "Get me off this list",
    "remove me",
    "Remove me from your list",
    "remove my number",
    "remove this number",
    "unsubscribe me",
    "I want to unsubscribe",
    "please opt me out",
    "don't text me again",
    "Dont txt me",
    "do not text me",
    "do not contact me",
    "do not call me",
    "Never text me again",
    "don't call this number",
    "don't contact me again",
    "no more texts",
    "No more messages please",
    "no more calls",
    "delete my number",
    "lose my number",
    "leave me alone",
    "wrong number",
    "Wrong number!",
    "wrong #",
    "You have the wrong number",
    "wrong person",
    "this is not my number",
    "Stop texting me, I already got a loan",
    "I'm not interested, please stop texting me",
    "Hi, who is this? please remove me from your list",
    "Stop sending me these 😡",
    "I found a house already - unsubscribe",
    "how do I unsubscribe?",
    "s t o p texting me",  # spaced letters are not joined; the rest still reads as a revocation
]


@pytest.mark.parametrize("text", [t for t in FREE_TEXT_EN if not t.startswith("s t o p")])
def test_english_free_text_revokes(text):
    result = check(text)
    assert result.revokes is True, result
    assert result.needs_review is False
    assert result.language == "en"
    assert result.matched


FREE_TEXT_ES = [
    "no me envíes más",
    "quiero cancelar la suscripción",
    "No me envies mas",
    "no me envíen más mensajes",
    "No me escriban",
    "no me escriban más por favor",
    "No me llamen",
    "no me llames más",
    "no me manden mensajes",
    "no me molesten",
    "no me contacten",
    "dejen de enviarme mensajes",
    "Dejen de llamarme",
    "deja de escribirme",
    "quiero darme de baja",
    "darme de baja por favor",
    "quítenme de su lista",
    "Quitenme de la lista",
    "borren mi número",
    "número equivocado",
    "Numero equivocado",
    "no es mi número",
    "revoco mi consentimiento",
    "retiro mi consentimiento",
    "no más mensajes",
    "ya no me manden nada",
    "No me envies mas mensajes por favor 🙏",
]


@pytest.mark.parametrize("text", FREE_TEXT_ES)
def test_spanish_free_text_revokes(text):
    result = check(text)
    assert result.revokes is True, result
    assert result.needs_review is False
    assert result.language == "es"


LIKELY_BUT_LOOSE = [
    ("Not interested. STOP", "STOP"),
    ("Already have a lender, STOP", "STOP"),
    ("No. Cancelar", "CANCELAR"),
    ("Sí. Alto. Gracias por todo", "ALTO"),
]


@pytest.mark.parametrize(("text", "keyword"), LIKELY_BUT_LOOSE)
def test_keyword_inside_a_longer_message_revokes_and_asks_a_person(text, keyword):
    result = check(text)
    assert result.revokes is True and result.needs_review is True
    assert result.matched == keyword


UNCLEAR = [
    "not interested",
    "Not interested thanks",
    "no thanks",
    "no thank you",
    "I'm all set",
    "how did you get my number?",
    "I never signed up for this",
    "no me interesa",
    "No gracias",
    "no estoy interesada",
]


@pytest.mark.parametrize("text", UNCLEAR)
def test_unclear_replies_go_to_a_person_without_revoking(text):
    result = check(text)
    assert result.revokes is False and result.needs_review is True


NOT_REVOCATIONS = [
    "stop by the office tomorrow",
    "Can I stop by the office tomorrow?",
    "I'll stop by at 3",
    "don't stop",
    "Don't stop, I'm interested!",
    "can you remove the PMI?",
    "How do I remove PMI from my loan",
    "Remove my wife from the loan",
    "I want to cancel my appointment",
    "Can we cancel the inspection",
    "I quit my job last week, does that matter?",
    "when does the rate lock end?",
    "End of the month works",
    "the end",
    "Can we stop at the house first?",
    "I'd like to stop paying PMI",
    "Yes I'm interested",
    "What's the rate?",
    "Call me at 5",
    "please call me tomorrow",
    "text me the details",
    "Who is this?",
    "la tasa es muy alta",
    "el precio es alto",
    "bajaron las tasas?",
    "la tasa baja la próxima semana?",
    "para cuándo es el cierre?",
    "Sí, me interesa, llámenme",
    "quiero cancelar mi cita",
    "Is this the right number for Ana?",
    "I'm stopping by the bank",
    "thanks!",
    "👍",
    "",
]


@pytest.mark.parametrize("text", NOT_REVOCATIONS)
def test_ordinary_messages_are_not_revocations(text):
    result = check(text)
    assert result.revokes is False, result
    assert result.needs_review is False, result


def test_help_start_and_ayuda_are_recognised_but_do_not_revoke():
    assert check("HELP").kind == "help" and check("help!").revokes is False
    assert check("Ayuda").kind == "help" and check("Ayuda").language == "es"
    assert check("START").kind == "opt_in" and check("unstop").kind == "opt_in"


def test_help_reply_has_every_part_ctia_requires():
    program = Program(brand="Acme Home Loans", contact="(813) 555-0100")
    text = help_reply(program)
    assert text.startswith("Acme Home Loans")
    assert "(813) 555-0100" in text
    assert "Message frequency varies" in text
    assert "Msg & data rates may apply" in text
    assert "Reply STOP" in text
    assert help_reply_problems(text, program) == []
    spanish = help_reply(program, "es")
    assert "ALTO" in spanish and "Msg & data rates may apply" in spanish and "frecuencia" in spanish


def test_help_reply_problems_lists_what_is_missing():
    program = Program(brand="Acme Home Loans", contact="help@acme.example")
    assert help_reply_problems("Call us!", program) == [
        "the brand name",
        "a contact number or address",
        "the message frequency",
        '"Msg & data rates may apply"',
        "how to stop (reply STOP)",
    ]
