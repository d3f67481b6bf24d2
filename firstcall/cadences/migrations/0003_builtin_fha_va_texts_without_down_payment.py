"""The built-in FHA and VA first texts and the FHA day-3 email no longer state a down payment ("3.5% down", "no
down payment", "as little as 3.5%"; in Spanish "3.5% de enganche", "enganche desde 3.5%"): a down payment is a
Regulation Z trigger term (12 CFR 1026.24(d)(1)) that needs the full disclosures in the same message,
so the send lint refuses the old texts. Organisations seeded before the change still hold them; this gives them the
texts new organisations get, but only where the row is still exactly the built-in text. A lender's own edit is
left alone (the template pages show why its sends are refused).

The texts are written out here, not read from cadences.library, so the migration does the same thing whatever the
library says later. Going back is a no-op: it never puts a refused text back.
"""

from django.db import migrations
from django.utils import timezone

FIRST = '{{ borrower.first_name|default:"there" }}'
ME = '{{ officer.first_name|default:"the team" }}'
ORG = "{{ organisation.name }}"
STOP = "Reply STOP to opt out."

FHA_EMAIL_EN = (
    f"Hi {FIRST},\n\n"
    "I wanted to follow up on your question about buying a home. FHA loans are made for people in your shoes: "
    "<<offer>>, flexible credit guidelines, and gift funds from family are welcome.\n\n"
    "Here's how it usually goes:\n"
    "1. A 15-minute call so I understand your budget and timing.\n"
    "2. A pre-approval, so sellers take your offer seriously.\n"
    "3. House hunting with a number you're comfortable with.\n\n"
    "If you'd like, reply with a good time to talk, or call me directly at "
    '{{ officer.phone|default:"the number below" }}. No pressure and no cost to ask questions.\n\n'
    "Talk soon,"
)
FHA_EMAIL_ES = (
    '{{ borrower.first_name|default:"Hola" }},\n\n'
    "Le escribo para seguir con su consulta sobre la compra de una casa. Los préstamos FHA están pensados para "
    "compradores como usted: <<offer>>, requisitos flexibles, y se aceptan regalos de familiares para el "
    "enganche.\n\n"
    "Normalmente el proceso es así:\n"
    "1. Una llamada de 15 minutos para entender su presupuesto.\n"
    "2. Una preaprobación, para que los vendedores tomen en serio su oferta.\n"
    "3. Buscar casa con un número con el que se sienta cómodo.\n\n"
    "Si gusta, responda con una buena hora para hablar o llámeme al "
    '{{ officer.phone|default:"número de abajo" }}. Sin compromiso.\n\n'
    "Saludos,"
)

# (name, channel, language): (the old built-in text, the text new organisations get)
REPLACEMENTS = {
    ("FHA buyer · day 1 text", "sms", "en"): (
        f"Hi {FIRST}, it's {ME} from {ORG}. Buying your first home with FHA is very doable, often with "
        f"3.5% down. Want me to run real numbers with you? Just reply with a good time. {STOP}",
        f"Hi {FIRST}, it's {ME} from {ORG}. Buying your first home with FHA is very doable, and the "
        f"down payment can be low. Want me to run real numbers with you? Just reply with a good time. {STOP}",
    ),
    ("FHA buyer · day 1 text", "sms", "es"): (
        '{{ borrower.first_name|default:"Hola" }}, soy {{ officer.first_name|default:"el equipo" }} de '
        f"{ORG}. Comprar su primera casa con FHA es posible, a menudo con 3.5% de enganche. ¿Le ayudo "
        "con los números? Responda con una buena hora. Responda STOP para cancelar.",
        '{{ borrower.first_name|default:"Hola" }}, soy {{ officer.first_name|default:"el equipo" }} de '
        f"{ORG}. Comprar su primera casa con FHA es posible, y el enganche puede ser bajo. ¿Le ayudo "
        "con los números? Responda con una buena hora. Responda STOP para cancelar.",
    ),
    ("VA buyer · day 1 text", "sms", "en"): (
        f"Hi {FIRST}, {ME} from {ORG}. Thank you for your service. VA loans can mean no down payment "
        f"and no monthly mortgage insurance. Want to walk through your options? {STOP}",
        f"Hi {FIRST}, {ME} from {ORG}. Thank you for your service. VA loans have benefits built for "
        f"veterans, like no monthly mortgage insurance. Want to walk through your options? {STOP}",
    ),
    ("FHA buyer · day 3 email", "email", "en"): (
        FHA_EMAIL_EN.replace(
            "<<offer>>", "a lower down payment (as little as 3.5% with a 580+ credit score)"
        ),
        FHA_EMAIL_EN.replace("<<offer>>", "a lower down payment than many loans"),
    ),
    ("FHA buyer · day 3 email", "email", "es"): (
        FHA_EMAIL_ES.replace("<<offer>>", "enganche desde 3.5% con crédito de 580 o más"),
        FHA_EMAIL_ES.replace("<<offer>>", "un enganche más bajo que en muchos préstamos"),
    ),
}


def replace_unedited_builtin_texts(apps, schema_editor):
    MessageTemplate = apps.get_model("cadences", "MessageTemplate")
    now = timezone.now()
    for (name, channel, language), (old, new) in REPLACEMENTS.items():
        MessageTemplate.objects.filter(
            is_builtin=True, builtin_key=name, name=name, channel=channel, language=language, body=old
        ).update(body=new, updated_at=now)


class Migration(migrations.Migration):
    dependencies = [
        ("cadences", "0002_enrolment_pipeline_in_leads"),
    ]

    operations = [
        migrations.RunPython(replace_unedited_builtin_texts, migrations.RunPython.noop, elidable=True),
    ]
