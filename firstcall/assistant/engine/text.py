"""Reply text made comparable: case, accents, stretched letters, texting shorthand and emoji."""

import re
import unicodedata

# Texting shorthand a borrower uses, written out so that rules and the model see one spelling.
SHORTHAND = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "plss": "please", "pleas": "please",
    "thx": "thanks", "thnx": "thanks", "ty": "thank you", "tmrw": "tomorrow", "tmr": "tomorrow",
    "tomorow": "tomorrow", "tommorow": "tomorrow", "tommorrow": "tomorrow", "2morrow": "tomorrow",
    "tonite": "tonight", "txt": "text", "txts": "texts", "txting": "texting", "msg": "message",
    "msgs": "messages", "im": "i'm", "dont": "don't", "cant": "can't", "wont": "won't", "didnt": "didn't",
    "isnt": "isn't", "whats": "what's", "thats": "that's", "ya": "ya", "yea": "yeah", "yep": "yes",
    "yup": "yes", "ok": "ok", "okay": "ok", "k": "ok", "kk": "ok", "appt": "appointment", "w2": "w-2",
    "w2s": "w-2s", "wk": "week", "wknd": "weekend", "hr": "hour", "hrs": "hours", "min": "minutes",
    "mins": "minutes", "b4": "before", "l8r": "later", "abt": "about", "porfa": "por favor", "xfa": "por favor",
    "q": "que", "xq": "porque", "pq": "porque", "tmb": "tambien", "mñn": "manana",
}  # fmt: skip

EMOJI_WORDS = {
    "👍": " thumbs_up ", "👌": " thumbs_up ", "🙂": " smile ", "😊": " smile ", "😀": " smile ",
    "🙏": " thanks ", "❤": " smile ", "📞": " call ", "☎": " call ", "📱": " phone ", "🛑": " stop ",
    "🚫": " stop ", "😡": " angry ", "🤬": " angry ", "👎": " thumbs_down ", "📄": " document ",
    "📅": " appointment ", "🗓": " appointment ", "👋": " hello ",
}  # fmt: skip

_STRETCH = re.compile(r"([a-z])\1{2,}")
_TOKEN = re.compile(r"[a-z0-9ñ'#%$./:-]+|\S", re.UNICODE)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) or ch == "\u0303")


def normalise(text: str) -> str:
    """Lower case, emoji as words, accents removed (ñ kept as n), stretched letters shortened, shorthand expanded."""
    text = unicodedata.normalize("NFKC", text or "")
    for emoji, word in EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    text = strip_accents(text.lower()).replace("\u0303", "")
    text = text.replace("’", "'").replace("‘", "'").replace("¿", " ").replace("¡", " ")
    text = _STRETCH.sub(r"\1\1", text)
    words = []
    for token in _TOKEN.findall(text):
        bare = token.strip(".,!?;:")
        words.append(SHORTHAND.get(bare, token))
    return " ".join(words)


SPANISH_MARKERS = {
    "que", "por", "favor", "gracias", "quiero", "mi", "mis", "mas", "ya", "esta", "estoy", "estamos", "los",
    "las", "el", "la", "de", "del", "en", "un", "una", "no", "si", "me", "le", "les", "nos", "para", "con",
    "manana", "tarde", "noche", "hoy", "llamame", "llameme", "llamar", "llamada", "tasa", "interes", "cita",
    "oficina", "cuanto", "cual", "necesito", "tengo", "hola", "buenas", "buenos", "dias", "numero",
    "equivocado", "soy", "ahora", "todavia", "aun", "tal", "vez", "despues", "antes", "lunes", "martes",
    "miercoles", "jueves", "viernes", "sabado", "domingo", "semana", "ano", "meses", "mes", "primavera",
    "verano", "otono", "invierno", "compramos", "casa", "prestamo", "banco", "enganche", "credito",
    "documentos", "mande", "envie", "subi", "escriban", "envies", "manden", "mensajes", "baja", "alto",
    "cancelar", "parar", "claro", "bueno", "pero", "porque", "tambien", "puede", "puedo", "podemos", "quisiera",
    "gustaria", "cuando", "donde", "quien", "ahorita", "listos", "puedes", "marcar", "marcame", "marqueme",
    "llamas", "llama", "escribame", "mucho", "interesa", "interesado", "interesados", "comprar", "rentando",
    "vamos", "seguir", "decidimos", "conozco", "persona", "perfecto", "empecemos", "recibido", "jaja", "feliz",
    "navidad", "muchas", "bien", "pues", "ok", "sigue", "queremos", "hablar", "dinero", "pago", "mensual",
    "hijo", "hija", "esposo", "esposa", "trabajo", "trabajando", "manejando", "luego", "escribo", "vive",
    "llene", "equivocaron", "contacten", "borren", "deja", "escribirme", "mandarme", "quitenme", "lista",
    "recibir", "buenisimo", "listo", "seguimos", "buscando", "precalificar", "refinanciar", "informacion",
    "nada", "nadie", "ningun", "ninguna", "aqui", "usted", "ustedes", "estan", "son",
}  # fmt: skip
ENGLISH_MARKERS = {
    "the", "you", "your", "i", "i'm", "me", "my", "we", "our", "is", "are", "to", "and", "a", "an", "for",
    "what", "when", "call", "please", "thanks", "thank", "yes", "not", "no", "stop", "can", "do", "does", "this",
    "that", "it", "of", "on", "at", "in", "with", "rate", "loan", "tomorrow", "today", "tonight", "interested",
    "want", "need", "have", "just", "sent", "number", "wrong", "meet", "schedule", "maybe", "next", "year",
    "already", "closed", "how", "much", "who", "would", "like", "get", "got", "be", "will", "after", "before",
    "remove", "text", "texting", "don't", "ok", "hi", "hello", "sure", "good", "great", "house", "home",
}  # fmt: skip


def language_of(normalised: str, original: str = "") -> str:
    """'es' or 'en' by counting each language's common words; ties and unknown text count as English."""
    if re.search(r"[¿¡ñÑ]|[áéíóú]", original):
        return "es"
    words = re.findall(r"[a-zñ']+", normalised)
    spanish = sum(1 for word in words if word in SPANISH_MARKERS)
    english = sum(1 for word in words if word in ENGLISH_MARKERS)
    # Words both languages share ("no", "me", "ok") should not tip the balance on their own.
    shared = sum(1 for word in words if word in SPANISH_MARKERS and word in ENGLISH_MARKERS)
    spanish -= shared
    english -= shared
    if spanish > english:
        return "es"
    if spanish == english and spanish == 0 and re.search(r"\b(si|gracias|ola|nel|sip)\b", normalised):
        return "es"
    return "en"
