from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, Value
from django.utils.translation import gettext as _

from ..models import Membership


def volunteer_export_rows(*, user, queryset, full_ids: bool = False) -> tuple[list[str], Iterator[list], int]:
    """Header, rows and row count of a volunteer export. Identity numbers are masked, except with
    `full_ids` for the rows the user may reveal (volunteer.reveal_id in scope; the caller audits it)."""
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
    if full_ids:
        from django.db.models import Exists, OuterRef

        from ..rules import VERB_ROLES
        from ..scoping import is_unrestricted, scope_q

        roles = VERB_ROLES["operations.volunteer.reveal_id"]
        if is_unrestricted(user, roles=roles):
            queryset = queryset.annotate(reveal_ok=Value(True))
        else:
            queryset = queryset.annotate(reveal_ok=Exists(
                Membership.objects.filter(scope_q(user, "team", roles=roles), volunteer=OuterRef("pk"))
            ))

    def rows():
        # chunked iteration keeps memory flat; prefetches run per chunk
        for volunteer in queryset.iterator(chunk_size=2000):
            yield [
                volunteer.name,
                volunteer.english_name,
                volunteer.id_number if getattr(volunteer, "reveal_ok", False) else volunteer.masked_id,
                volunteer.get_sex_display(),
                volunteer.birth_date,
                volunteer.phone,
                volunteer.email,
                "、".join(m.team.display_name for m in volunteer.current_memberships),
                "、".join(str(lang) for lang in volunteer.languages.all()),
            ]

    return headers, rows(), count
