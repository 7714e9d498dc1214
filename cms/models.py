"""Wagtail page models of the public site. The full set of front-site pages grows here; the home page
already exists in both languages."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    intro = models.CharField(_("introduction"), max_length=255, blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    api_fields = [APIField("intro"), APIField("body")]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")
