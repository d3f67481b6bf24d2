"""Does this reply revoke consent? English and Spanish, keywords and free text. Pure Python (no Django).

FCC 24-24 (adopted 2024-02-15, 89 FR 15756; 47 CFR 64.1200(a)(10), in force 2025-04-11): consent may be revoked
by any reasonable means; the replies "stop, quit, end, revoke, opt out, cancel, unsubscribe" are valid per se, and
other wording counts when reasonable. CTIA adds STOPALL and REMOVE (REFERENCE §4.1, §4.4; checked 2026-12-07).

``check(text)`` returns:
  * ``revokes``: stop now (consent revoked, pending messages suppressed, open call tasks closed);
  * ``needs_review``: a person should look. Either a likely revocation worded loosely ("ok STOP lol", a
    keyword inside a longer message) that is honoured at once and reviewed afterwards, or an unclear reply
    ("not interested", "ya no me interesa") where sending stops meanwhile and a person decides;
  * ``matched``: the keyword or the phrase found; ``language``: "en" or "es".
  * ``kind``: "opt_out", "possible_opt_out", "help", "opt_in" or "none".

Tolerant of case, punctuation, accents, emoji, repeated letters ("STOPPP") and one-letter typos in longer words
("unsubcribe", "cancle"); wary of ordinary sentences that use the same words ("stop by the office tomorrow",
"don't stop", "can you remove the PMI?", "la tasa es muy alta", "bajaron las tasas").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Whole-message keywords: canonical keyword -> language.
OPT_OUT_KEYWORDS: dict[str, tuple[str, str]] = {
    "stop": ("STOP", "en"),
    "stopall": ("STOPALL", "en"),
    "stop all": ("STOPALL", "en"),
    "end": ("END", "en"),
    "cancel": ("CANCEL", "en"),
    "unsubscribe": ("UNSUBSCRIBE", "en"),
    "unsub": ("UNSUBSCRIBE", "en"),
    "quit": ("QUIT", "en"),
    "revoke": ("REVOKE", "en"),
    "opt out": ("OPT OUT", "en"),
    "optout": ("OPT OUT", "en"),
    "remove": ("REMOVE", "en"),
    "cancelar": ("CANCELAR", "es"),
    "alto": ("ALTO", "es"),
    "baja": ("BAJA", "es"),
    "darme de baja": ("BAJA", "es"),
    "dar de baja": ("BAJA", "es"),
    "parar": ("PARAR", "es"),
    "para": ("PARAR", "es"),
    "detener": ("PARAR", "es"),
}
HELP_KEYWORDS = {"help": ("HELP", "en"), "info": ("INFO", "en"), "ayuda": ("AYUDA", "es")}
OPT_IN_KEYWORDS = {
    "start": ("START", "en"),
    "unstop": ("UNSTOP", "en"),
    "yes": ("YES", "en"),
    "si": ("SI", "es"),
    "comenzar": ("COMENZAR", "es"),
}

# Words that do not change a keyword: "STOP please", "Stop it!!", "STOP NOW", "alto por favor".
FILLER = frozenset(
    "please pls plz plss thanks thank you thx ty now it already ok okay k just ur yr sir maam "
    "por favor gracias ya ahora mismo".split()
)
SPANISH_HINTS = frozenset(
    "no me mas por favor los las sus mensajes envien envies escriban escribas llamen llames numero "
    "equivocado lista quiero dejen molesten contacten gracias ya de".split()
)

# One-letter typos are corrected only in words at least this long: "stop" and "shop" are one letter apart.
MIN_TYPO_LENGTH = 5
VOCABULARY = frozenset(
    """
    unsubscribe cancel revoke remove stopall optout texting messaging sending messages message contacting
    calling emailing bothering spamming contact consent cease desist number wrong anymore please emails
    delete cancelar mensajes mensaje envies envien mandes manden escriban escribas llamen llames contacten
    contactes molesten molestes equivocado numero quitenme quiten borren borrenme eliminen eliminar
    revoco revocar consentimiento retiro
    """.split()
)

_CONTACT_NOUN = (
    r"(?:texts?|txts?|messages?|msgs?|sms|calls?|emails?|e ?mails?|spam|these|them|those|this|stuff)"
)
_CONTACT_VERB = r"(?:text|txt|message|msg|contact|call|email|e ?mail|sms|bother|spam|write)"
_CONTACT_GERUND = r"(?:texting|txting|messaging|contacting|calling|emailing|bothering|spamming)"
_ME = r"(?:me|us|my (?:number|phone|cell|email)|this number)"

ENGLISH_REVOCATIONS = tuple(
    re.compile(p)
    for p in (
        r"\b(?:i )?(?:revoke|withdraw|rescind|cancel)s? (?:my |all |any )*(?:consent|permission|authori[sz]ation)\b",
        r"\bi (?:do not|dont|no longer) (?:consent|give (?:my )?(?:consent|permission))\b",
        rf"\b(?:stop|quit|cease|end) (?:all )?{_CONTACT_GERUND}\b",
        r"\b(?:stop|quit|cease) sending (?:me|us)\b",
        rf"\b(?:stop|quit|cease) sending (?:any ?more |these |those |your |all )?{_CONTACT_NOUN}\b",
        rf"\b(?:stop|quit|end|cease) (?:the |these |those |your |all |all the |all these )?{_CONTACT_NOUN}\b",
        r"\bcease (?:and desist|all (?:contact|communication)s?|contact|communications?)\b",
        r"\b(?:take|get) (?:me|us|my (?:number|name|info|information|email)) off\b",
        rf"\bremove {_ME}\b",
        r"\b(?:unsubscribe|opt) (?:me|us)\b",
        r"\b(?:i want to |i wanna |please )?(?:unsubscribe|opt out)\b",
        rf"\bno (?:more|further) {_CONTACT_NOUN}\b",
        r"\b(?:delete|erase|lose) (?:my (?:number|info|information|contact|details|data|email))\b",
        r"\bleave me alone\b",
        r"\bwrong (?:number|person|#)",
        r"\bnot (?:my|the right) number\b",
        r"\bdo not call\b",
        rf"\b(?:don't|dont|do not|never|quit|stop) (?:ever )?{_CONTACT_VERB} (?:me|us|this number|my number)\b",
        rf"\b(?:don't|dont|do not) (?:ever )?{_CONTACT_VERB} again\b",
        rf"\b(?:don't|dont|do not) (?:ever )?{_CONTACT_VERB}(?= \.|$)",
        r"\blose (?:this|my) number\b",
    )
)
SPANISH_REVOCATIONS = tuple(
    re.compile(p)
    for p in (
        r"\bno me (?:\w+ )?(?:envies|envien|mandes|manden|escribas|escriban|llames|llamen|contactes|contacten|"
        r"molestes|molesten|textees|texteen)\b",
        r"\b(?:dejen|deja|dejar) de (?:enviar|mandar|escribir|llamar|contactar|molestar|textear)(?:me|nos)?\b",
        r"\b(?:quiero|quisiera|favor de|por favor) (?:darme de baja|que (?:me )?(?:borren|quiten|eliminen))\b",
        r"\bcancelar (?:la |mi |los |las )?(?:suscripcion|mensajes|textos|llamadas|todo)\b",
        r"\b(?:quitenme|quiteme|borrenme|eliminenme|sacame|saquenme|sacarme)\b",
        r"\b(?:quiten|borren|eliminen|saquen) (?:mi (?:numero|nombre|correo|telefono)|me)\b",
        r"\bde (?:su|la|tu) lista\b",
        r"\bdarme de baja\b",
        r"\bnumero equivocado\b",
        r"\bno (?:es|soy) (?:mi numero|la persona|esa persona)\b",
        r"\b(?:revoco|retiro|cancelo) (?:mi |el )?(?:consentimiento|permiso|autorizacion)\b",
        r"\bno (?:mas|quiero (?:mas|recibir)) (?:mensajes|textos|llamadas|correos)\b",
        r"\bya no (?:me )?(?:envien|manden|escriban|llamen)\b",
    )
)
# Unclear: not clearly a revocation, but a person should see it before anything else goes out.
UNCLEAR = (
    (re.compile(r"\bnot interested\b|\bno thanks?( you)?\b|\bno thank you\b|\bi'?m all set\b"), "en"),
    (re.compile(r"\bhow did you get (?:my|this) number\b|\bi never (?:signed up|asked)\b"), "en"),
    (re.compile(r"\bno me interesa\b|\bno gracias\b|\bno estoy interesad[oa]\b"), "es"),
)
# A keyword used in an ordinary sentence: "stop by", "stop at", "don't stop", "remove the PMI", "cancel my
# appointment" ... A keyword only counts inside a longer message when it stands alone in its clause.
HESITATION = frozenset("wait keep but actually kidding jk joking espera pero".split())
NEGATIONS = frozenset("don't dont not never didn't didnt won't wont can't cant why no nunca".split())


@dataclass(frozen=True)
class OptOutCheck:
    revokes: bool
    matched: str
    language: str
    needs_review: bool
    kind: str

    def as_dict(self) -> dict:
        return {
            "revokes": self.revokes,
            "matched": self.matched,
            "language": self.language,
            "needs_review": self.needs_review,
        }


# ---------------------------------------------------------------------------------------------- normalise


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Lower case, no accents, straight apostrophes, emoji and symbols gone, letters repeated 3+ times cut to 1."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = _strip_accents(text)
    text = re.sub(r"[^\w\s'.,!?;:\n#-]", " ", text)  # emoji and symbols
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)  # "stoppp" -> "stop", "pleeease" -> "plese"
    return text


def _words(fragment: str) -> list[str]:
    words = re.findall(r"[a-z0-9'#]+", fragment.replace("-", " ").replace("_", " "))
    return [w.strip("'") for w in words if w.strip("'")]


def _distance_at_most_one(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (one insertion, deletion, substitution or swap of neighbours)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    for i in range(len(long_)):
        if long_[:i] + long_[i + 1 :] == short:
            return True
    return False


SHORT_TYPOS = {
    # Four-letter keywords get only the common slips, never a one-letter change that makes another word.
    "stpo": "stop", "sotp": "stop", "stopp": "stop", "sstop": "stop", "stoop": "stop", "st0p": "stop",
    "quitt": "quit", "qiut": "quit", "unsub": "unsub", "unsubscibe": "unsubscribe", "opt-out": "optout",
    "txt": "text", "txting": "texting", "msgs": "messages", "pls": "please", "plz": "please",
    "dont": "don't", "u": "you", "ur": "your", "numbr": "number", "numero": "numero", "q": "que",
}  # fmt: skip


def _correct(word: str) -> str:
    if word in SHORT_TYPOS:
        return SHORT_TYPOS[word]
    if len(word) < MIN_TYPO_LENGTH or word in VOCABULARY:
        return word
    for candidate in VOCABULARY:
        if abs(len(candidate) - len(word)) <= 1 and _distance_at_most_one(word, candidate):
            return candidate
    # "unsubscibe", "unsubscrbe": two slips in an 11-letter word.
    if word.startswith("unsu") and 9 <= len(word) <= 13:
        return "unsubscribe"
    return word


def _corrected(words: list[str]) -> list[str]:
    return [_correct(w) for w in words]


# ----------------------------------------------------------------------------------------------- matching


def _keyword(words: list[str]) -> tuple[str, str, str] | None:
    """(kind, canonical keyword, language) when the words, minus politeness and repeats, are one keyword."""
    meaningful = [w for w in words if w not in FILLER]
    if not meaningful:
        return None
    if len(set(meaningful)) == 1:
        meaningful = meaningful[:1]  # "STOP STOP STOP"
    phrase = " ".join(meaningful)
    for kind, table in (("opt_out", OPT_OUT_KEYWORDS), ("help", HELP_KEYWORDS), ("opt_in", OPT_IN_KEYWORDS)):
        if phrase in table:
            return kind, *table[phrase]
    return None


def _language_of(words: list[str], default: str = "en") -> str:
    spanish = sum(w in SPANISH_HINTS for w in words)
    english = sum(
        w in {"me", "my", "the", "you", "your", "please", "stop", "text", "don't", "i"} for w in words
    )
    if spanish > english:
        return "es"
    return default


def _clauses(text: str) -> list[str]:
    return [c for c in re.split(r"[.!?;,:\n\r()\"]+|\s-\s", text) if c.strip()]


def _negated(before: list[str]) -> bool:
    return any(word in NEGATIONS for word in before[-3:])


def _phrase(text: str) -> tuple[str, str] | None:
    joined = " ".join(text.split())
    for pattern in SPANISH_REVOCATIONS:
        match = pattern.search(joined)
        if match:
            return match.group(0), "es"
    for pattern in ENGLISH_REVOCATIONS:
        for match in pattern.finditer(joined):
            phrase = match.group(0)
            negative_form = phrase.startswith(("don't", "dont", "do not", "never"))
            if negative_form or not _negated(joined[: match.start()].split()):
                return phrase, "en"
    return None


def check(text: str) -> OptOutCheck:
    """Classify one inbound message (see the module docstring)."""
    normal = normalise(text)
    words = _corrected(_words(normal))
    whole = _keyword(words)
    if whole:
        kind, keyword, language = whole
        return OptOutCheck(kind == "opt_out", keyword, language, False, kind)

    clauses = [_corrected(_words(c)) for c in _clauses(normal)]
    corrected_text = " . ".join(" ".join(c) for c in clauses)
    found = _phrase(corrected_text)
    if found:
        # Honoured at once; a message that also takes something back ("no wait", "keep this one") goes to a
        # person afterwards.
        hesitant = bool(HESITATION & set(words))
        return OptOutCheck(True, found[0], found[1], hesitant, "opt_out")

    for clause in clauses:
        hit = _keyword(clause)
        if hit and hit[0] == "opt_out":
            # "Not interested. STOP": honoured at once, then a person confirms.
            return OptOutCheck(True, hit[1], _language_of(words, hit[2]), True, "possible_opt_out")
    for pattern, language in UNCLEAR:
        match = pattern.search(" ".join(words))
        if match:
            return OptOutCheck(False, match.group(0), language, True, "possible_opt_out")
    return OptOutCheck(False, "", _language_of(words), False, "none")


# ------------------------------------------------------------------------------------------------- HELP


@dataclass(frozen=True)
class Program:
    brand: str
    contact: str  # a phone number or an address people can reach
    frequency: str = "Message frequency varies"
    frequency_es: str = "La frecuencia de mensajes varía"


def help_reply(program: Program, language: str = "en") -> str:
    """CTIA (REFERENCE §4.4): program name, help contact, message frequency, "Msg & data rates may apply", and
    how to stop."""
    if language == "es":
        return (
            f"{program.brand}: ayuda en {program.contact}. {program.frequency_es}. "
            "Pueden aplicarse tarifas de mensajes y datos (Msg & data rates may apply). "
            "Responda STOP o ALTO para cancelar."
        )
    return (
        f"{program.brand}: help at {program.contact}. {program.frequency}. Msg & data rates may apply. "
        "Reply STOP to opt out."
    )


def help_reply_problems(text: str, program: Program) -> list[str]:
    """What a HELP answer is missing, for organisations that write their own."""
    problems = []
    if program.brand.lower() not in text.lower():
        problems.append("the brand name")
    if program.contact.lower() not in text.lower():
        problems.append("a contact number or address")
    if not re.search(r"frequen|msgs?/|messages? (?:per|a|each)|recurring", text, re.I):
        problems.append("the message frequency")
    if "msg & data rates may apply" not in text.lower() and "msg&data rates may apply" not in text.lower():
        problems.append('"Msg & data rates may apply"')
    if "stop" not in text.lower():
        problems.append("how to stop (reply STOP)")
    return problems
