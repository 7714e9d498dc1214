from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from ..models import Membership


def volunteer_export_rows(*, user, queryset) -> tuple[list[str], Iterator[list], int]:
    """Header, rows and row count of a volunteer export. Identity numbers are always masked here;
    full numbers are only shown on the reveal screen, one at a time, with a recorded reason."""
    headers = [
        _("Name"), _("English name"), _("ID number"), _("Sex"), _("Date of birth"), _("Mobile phone"),
        _("E-mail"), _("Current teams"), _("Languages"),
    ]
    queryset = queryset.prefetch_related(None).prefetch_related(
        Prefetch(
            "memberships", queryset=Membership.objects.current().select_related("team"), to_attr="current_memberships"
        ),
        "languages",
    )
    count = queryset.count()

    def rows():
        # chunked iteration keeps memory flat; prefetches run per chunk
        for volunteer in queryset.iterator(chunk_size=2000):
            yield [
                volunteer.name,
                volunteer.english_name,
                volunteer.masked_id,
                volunteer.get_sex_display(),
                volunteer.birth_date,
                volunteer.phone,
                volunteer.email,
                "、".join(m.team.display_name for m in volunteer.current_memberships),
                "、".join(str(lang) for lang in volunteer.languages.all()),
            ]

    return headers, rows(), count
