from django.conf import settings
from django.db import models
from django.utils import timezone


class SavedView(models.Model):
    """A person's named list view: the lead list's filters and sort, kept as a cleaned query string."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    # Only known list filters, re-encoded by pipeline.forms.clean_query_string (never raw user text).
    query_string = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_name_unique_per_user")
        ]

    def __str__(self):
        return self.name
