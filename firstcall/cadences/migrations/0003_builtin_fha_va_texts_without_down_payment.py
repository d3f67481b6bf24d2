"""The built-in FHA and VA first texts no longer state a down payment ("3.5% down", "no down payment"): a down
payment is a Regulation Z trigger term (12 CFR 1026.24(d)(1)) that needs the full disclosures in the same message,
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

# (name, language): (the old built-in text, the text new organisations get)
REPLACEMENTS = {
    ("FHA buyer · day 1 text", "en"): (
        f"Hi {FIRST}, it's {ME} from {ORG}. Buying your first home with FHA is very doable, often with "
        f"3.5% down. Want me to run real numbers with you? Just reply with a good time. {STOP}",
        f"Hi {FIRST}, it's {ME} from {ORG}. Buying your first home with FHA is very doable, and the "
        f"down payment can be low. Want me to run real numbers with you? Just reply with a good time. {STOP}",
    ),
    ("FHA buyer · day 1 text", "es"): (
        '{{ borrower.first_name|default:"Hola" }}, soy {{ officer.first_name|default:"el equipo" }} de '
        f"{ORG}. Comprar su primera casa con FHA es posible, a menudo con 3.5% de enganche. ¿Le ayudo "
        "con los números? Responda con una buena hora. Responda STOP para cancelar.",
        '{{ borrower.first_name|default:"Hola" }}, soy {{ officer.first_name|default:"el equipo" }} de '
        f"{ORG}. Comprar su primera casa con FHA es posible, y el enganche puede ser bajo. ¿Le ayudo "
        "con los números? Responda con una buena hora. Responda STOP para cancelar.",
    ),
    ("VA buyer · day 1 text", "en"): (
        f"Hi {FIRST}, {ME} from {ORG}. Thank you for your service. VA loans can mean no down payment "
        f"and no monthly mortgage insurance. Want to walk through your options? {STOP}",
        f"Hi {FIRST}, {ME} from {ORG}. Thank you for your service. VA loans have benefits built for "
        f"veterans, like no monthly mortgage insurance. Want to walk through your options? {STOP}",
    ),
}


def replace_unedited_builtin_texts(apps, schema_editor):
    MessageTemplate = apps.get_model("cadences", "MessageTemplate")
    now = timezone.now()
    for (name, language), (old, new) in REPLACEMENTS.items():
        MessageTemplate.objects.filter(
            is_builtin=True, builtin_key=name, name=name, channel="sms", language=language, body=old
        ).update(body=new, updated_at=now)


class Migration(migrations.Migration):
    dependencies = [
        ("cadences", "0002_enrolment_pipeline_in_leads"),
    ]

    operations = [
        migrations.RunPython(replace_unedited_builtin_texts, migrations.RunPython.noop, elidable=True),
    ]
