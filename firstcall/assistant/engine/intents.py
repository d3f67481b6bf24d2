"""The fixed set of reply intents and the high-precision phrasings that decide one without the model.

Rules are tried in the order below: the more specific and the more costly to miss come first (a borrower who says
"wrong number" may also say "stop"; one who "already closed with another lender" is not asking about rates)."""

import re

INTENTS = (
    "opt_out",
    "wrong_number",
    "callback_request",
    "appointment_request",
    "interested",
    "not_now",
    "not_interested",
    "closed_elsewhere",
    "rate_question",
    "document_update",
    "question",
    "other",
)

DOCUMENT_WORDS = (
    r"w-?2s?|pay ?stubs?|paystubs?|stubs|check stubs?|statements?|bank statements?|tax returns?|returns|1040s?|"
    r"1099s?|docs|documents?|paperwork|papers|id|license|licence|licencia|talones|estados? de cuenta|documentos|"
    r"papeles|declaraci[oó]n(es)?|impuestos|pics|photos|fotos|pictures|letter|carta"
)

RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "wrong_number",
        (
            r"\bwrong (number|person|persn|guy|girl|lady|#|num|contact)\b",
            r"\bnumero (equivocado|incorrecto|equivocada)\b",
            r"\bequivocad[oa]s? de (numero|persona)\b",
            r"\bse equivoc(o|aron|an)\b",
            r"\bno soy (esa persona|yo|el|ella|quien)\b",
            r"\b(no one|nobody|noone) (by|with) that name\b",
            r"\bthere('s| is) no \w+ (at|here|on)\b",
            r"\bnot the person you'?re looking for\b",
            r"\baqui no (vive|hay|existe) ning",
            r"\bno conozco a esa persona\b",
            r"\b(this|that)( is|'s)? not my name\b|\bmy name (is not|isn't)\b",
            r"\b(doesn'?t|does not|no longer) belong(s)? to\b",
            r"\bi (never|didn'?t) (fill|filled|request|requested|apply|applied|sign|signed)\b.*\b(not|isn'?t|wrong)\b",
        ),
    ),
    (
        "closed_elsewhere",
        (
            r"\b(already|ya)\b.{0,40}\b(closed|bought|refinanced|refi'?d|financed|purchased|cerramos|compramos|"
            r"refinanciamos|conseguimos|cerre|compre|refinancie)\b",
            r"\b(already|ya)\b.{0,30}\b(got|have|has|found|tengo|tenemos|estoy trabajando|estamos trabajando)\b.{0,25}"
            r"\b(loan|mortgage|lender|loan officer|broker|prestamo|hipoteca|otra persona|otro banco|otra compania)\b",
            r"\b(went|go|going|signed|closed|refinanced|refi'?d|bought) with (another|a different|other|our|my|\w+ (bank|credit union)|rocket|chase|wells|quicken|uwm|better)\b",
            r"\bwent with \w+",
            r"\bnos fuimos con\b|\bnos quedamos con otr",
            r"\bcon otr[oa] (banco|compania|prestamista|persona|lender)\b",
            r"\b(financing|mortgage|loan|financed) (elsewhere|somewhere else)\b|\belsewhere\b",
            r"\b(through|with) (wells fargo|chase|bank of america|my credit union|our credit union|my bank|our bank)\b.{0,20}$",
            r"\b(my|our) (credit union|bank) (already )?(approved|pre-?approved) (me|us)\b",
            r"\bmi banco ya me aprobo\b",
            r"\b(realtor|agent)'?s lender\b",
            r"\b(beat|beaten) your rate\b",
            r"\btoo late\b.{0,20}\b(closed|bought)\b",
            r"^(bought|closed) already\b",
        ),
    ),
    (
        "document_update",
        (
            rf"^(?!(how|where|what|can|should|do|which)\b).{{0,40}}\b(just |already )?(sent|send|sending|uploaded|upload|uploading|attached|emailed|faxed|submitted|put|dropped|mande|envie|subi|mandamos|enviamos|subimos|adjunte|le mande|le envie)\b.{{0,40}}\b({DOCUMENT_WORDS})\b",
            rf"\b(did|have) you (get|got|receive|received|see|seen) (my|the|our) ({DOCUMENT_WORDS})\b",
            rf"\b({DOCUMENT_WORDS}) (is |are )?(uploaded|sent|attached|in the portal|submitted)\b",
            rf"\bhere (is|are|'s) (my|the|our) ({DOCUMENT_WORDS})\b",
            rf"\bdid (my|the) ({DOCUMENT_WORDS}) (come|go) through\b",
            rf"\brecibi(o|eron|ste) (mis|los|mi|el) ({DOCUMENT_WORDS})\b",
            r"\bdocuments uploaded\b",
        ),
    ),
    (
        "rate_question",
        (
            r"\b(what|what's|whats|how|current|today'?s?|going|lowest|lower|better|best|your|the|any|lock|beat|get|offer)\b.{0,30}\b(rates?|apr|interest)\b(?! (in|on) (buying|a loan|getting))",
            r"\b(rates?|apr|interest rate)\b.{0,25}\?",
            r"^rates?\s*\??$",
            r"\bcan you beat \d",
            r"\b(have|are) rates (dropped|going|gone|coming) (down|up)?",
            r"\brates? (dropped|going down|going up|today)\b",
            r"\btasas?\b",
            r"\binteres\b(?! en)",
        ),
    ),
    (
        "appointment_request",
        (
            r"\b(appointment|appt|consultation|consult|cita|citas|reunion|reunirnos|vernos|agendar|agendame|agendeme|programar una)\b",
            r"\b(meeting|meet with|meet in person|meet at|to meet|we meet|can meet|like to meet|let'?s meet)\b",
            r"\bbook (a|an|me|us|some|time)\b",
            r"\b(schedule|set up|setup|arrange)\b.{0,20}\b(time|call|meeting|appointment|consultation|zoom|video)\b",
            r"\b(come|stop|swing|drop) (by|in|to)\b.{0,20}\b(office|branch)\b|\bstop by\b.{0,25}\bmeet\b|\bstop by the office\b",
            r"\b(pasar|ir) a (su|la|tu) oficina\b",
            r"\b(zoom|video call|video meeting|teams call|facetime)\b",
            r"\bopenings?\b.{0,20}\b(meet|week|today|tomorrow)\b",
        ),
    ),
    (
        "callback_request",
        (
            r"\b(call|ring|phone|call back) (me|us)\b",
            r"\bcall (me )?back\b|\bcall my (cell|phone|number|work)\b",
            r"\bgive (me|us) a (call|ring|buzz)\b",
            r"\b(llamame|llameme|llamenme|llamarme|marcame|marqueme|marquenme|hablame|hableme)\b",
            r"\bme (puede|puedes|pueden|podria|podrias) (llamar|marcar|hablar)\b|\bme (llamas|llama|marcas)\b",
            r"\bdevuelv(a|e|an)me la llamada\b|\bprefiero (una )?llamada\b",
            r"\bcall (then|at|after|before|around|tomorrow|tonight|later|anytime|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
            r"\b(talk|speak) (on|by|over) (the )?phone\b|\bphone call\b|\bfree to (talk|chat)\b|\breach me\b",
            r"\bcan (you|someone|somebody) call\b|\bcould (you|someone) call\b|\bplease call\b|\bcall please\b",
            r"\bcall\b.{0,10}\b(at|after|around|before) \d",
        ),
    ),
    (
        "not_now",
        (
            r"\b(not|no) (right )?now\b(?!.{0,5}\b(thanks|thank you)\b.{0,3}$)",
            r"\bnot (just )?yet\b|\bnot ready( yet)?\b|\btoo early\b|\bnot at the moment\b|\bnot at this time\b",
            r"\b(todavia|aun|ahora|ahorita|por ahora|por el momento) no\b|\bno (todavia|aun|por ahora|por el momento)\b",
            r"\bmas adelante\b|\ben unos meses\b|\baun no estamos\b|\btodavia no estamos\b",
            r"\b(check|circle) back\b|\bcheck in (later|in|with me)\b",
            r"\b(follow up|reach out|contact me|contact us|try me|try us|hit me up|ask me|text me|write me|revisit|escribame|contacteme|contactenme|buscame|busqueme)\b.{0,25}\b(in|next|after|later|again|around|en|el|la|despues)\b",
            r"\b(hold off|holding off|waiting until|wait until|taking a break|still saving|saving up|fix my credit|fix our credit|arreglar mi credito|primero tengo que)\b",
            r"\b(maybe|probably|tal vez|quizas|quiza) (in|next|later|after|en|el|la|despues|cuando)\b",
            r"\b(lease|contrato|rent)\b.{0,25}\b(ends?|up|termine|is up|expires)\b",
            r"\bin (a|about a) year or so\b|^in (a|about a) year\b",
            r"\bready (in|after)\b",
            r"\bnot now but\b",
        ),
    ),
    (
        "not_interested",
        (
            r"\b(not|no|nt) (really )?(interested|intrested|interesed|intersted)\b",
            r"\bno (longer|more) (interested|looking|buying)\b|\bnot (looking|buying)( anymore)?\b",
            r"\bno (me|nos) interesa\b|\bno (estoy|estamos) interesad",
            r"^(no|nope|nah|nel|pass|no+|naw)[.!]*$",
            r"^no[,.!]? (thanks|thank you|thx|gracias|we'?re fine|we'?re good|i'?m good)\b",
            r"\bno (thanks|thank you|gracias)\b",
            r"\bnot for me\b|\bnot for us\b",
            r"\b(i'?m|we'?re|i am|we are) (good|all set|fine|set)\b(?!.{0,10}\b(with|to|for)\b)",
            r"\bkeep renting\b|\bseguir rentando\b|\bstaying put\b|\bnot moving\b",
            r"\bchanged (our|my) minds?\b|\bcambiamos de opinion\b",
            r"\bdecided (not|against)\b|\bdecidimos no\b",
            r"\b(don'?t|do not|no) need (a|any|the)? ?(loan|mortgage|help|refi|refinance)\b|\bno necesito\b",
            r"\bya no (estoy|estamos) buscando\b|\bya no (queremos|quiero) comprar\b",
            r"\bjust (browsing|looking)\b",
        ),
    ),
)

COMPILED_RULES = tuple(
    (intent, tuple(re.compile(pattern) for pattern in patterns)) for intent, patterns in RULES
)

# A capitalised word after "I'm not" or "this is X not Y" names a person: the borrower says we have someone else.
NOT_A_NAME = {
    "interested", "sure", "ready", "looking", "buying", "home", "available", "able", "at", "in", "a", "the",
    "that", "going", "working", "free", "done", "certain", "moving", "selling", "you", "your",
}  # fmt: skip
_NAMED_SOMEONE_ELSE = re.compile(
    r"\b(?:I'?m|I am|this is(?: \w+)?,?)\s+not\s+([A-Z][a-z]+)\b|^\s*(?:no|there'?s no|there is no)\s+([A-Z][a-z]+)\s+(?:here|at this number)\b",
    re.IGNORECASE,
)


def rule_intent(normalised: str, original: str) -> tuple[str, str] | None:
    """The first intent whose phrasing matches, with the matched words, or None."""
    for match in _NAMED_SOMEONE_ELSE.finditer(original):
        name = match.group(1) or match.group(2)
        if name[0].isupper() and name.lower() not in NOT_A_NAME:
            return "wrong_number", match.group(0)
    for intent, patterns in COMPILED_RULES:
        for pattern in patterns:
            found = pattern.search(normalised)
            if found:
                return intent, found.group(0)
    return None
