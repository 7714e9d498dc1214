"""Wagtail admin additions: newsletter subscribers as a read-only list for moderators."""
from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import NewsletterSubscriber


class NewsletterSubscriberViewSet(SnippetViewSet):
    model = NewsletterSubscriber
    icon = "mail"
    menu_label = _("Newsletter subscribers")
    list_display = ["email", "status", "language", "created_at", "confirmed_at"]
    list_filter = ["status", "language"]
    search_fields = ["email"]
    inspect_view_enabled = True
    add_to_admin_menu = False


register_snippet(NewsletterSubscriberViewSet)
