from django.db import migrations, models
from django.db.models import Count


def count_replies_so_far(apps, schema_editor):
    """Every inbound text or email stored against a lead so far, as scoring counted them until now."""
    Lead = apps.get_model("leads", "Lead")
    Message = apps.get_model("messaging", "Message")
    counts = (
        Message.objects.filter(direction="inbound", lead__isnull=False)
        .values("lead_id")
        .annotate(replies=Count("pk"))
        .order_by()
    )
    for row in counts.iterator():
        Lead.objects.filter(pk=row["lead_id"]).update(reply_count=row["replies"])


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0009_merge_20261207_1934"),
        ("messaging", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="reply_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_replies_so_far, migrations.RunPython.noop, elidable=True),
    ]
