"""Traditional Chinese formats as used in Taiwan: Django's, with numbers grouped by thousands
(150,000 — as on government forms and statistics) where a template asks for grouping (intcomma)."""
from django.conf.locale.zh_Hant.formats import *  # noqa: F401,F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
