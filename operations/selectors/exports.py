from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Value
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..identity import mask_id_number
from ..localised import join_list, localised
from ..models import Language, Membership, Sex, Volunteer

CHUNK = 2000


def volunteer_export_rows(*, user, queryset, full_ids: bool = False) -> tuple[list[str], Iterator[list], int]:
    """Header, rows and row count of a volunteer export. Identity numbers are masked, except with
    `full_ids` for the rows the user may reveal (volunteer.reveal_id in scope; the caller audits it)."""
    headers = [
        _("Name"), _("English name"), _("ID number"), _("Sex"), _("Date of birth"), _("Mobile phone"),
        _("E-mail"), _("Current teams"), _("Languages"),
    ]
    queryset = queryset.prefetch_related(None)
    count = queryset.count()
    if full_ids:
        queryset = _with_reveal(user, queryset)

    def rows():
        # Plain column tuples, read in chunks from a server-side cursor, and per chunk of CHUNK volunteers
        # one query for their current teams and one for their languages: no model instances (building
        # them was most of the time of a 150,000-row export), memory flat.
        sex_labels = {value: str(label) for value, label in Sex.choices}
        english = (get_language() or "").startswith("en")
        columns = ["pk", "name", "english_name", "id_number", "sex", "birth_date", "phone", "email"]
        if full_ids:
            columns.append("reveal_ok")
        batch: list[tuple] = []
        for row in queryset.values_list(*columns).iterator(chunk_size=CHUNK):
            batch.append(row)
            if len(batch) == CHUNK:
                yield from _export_chunk(batch, sex_labels, english, full_ids)
                batch = []
        if batch:
            yield from _export_chunk(batch, sex_labels, english, full_ids)

    return headers, rows(), count


def _with_reveal(user, queryset):
    """`queryset` annotated with `reveal_ok`: may `user` see this volunteer's full identity number (the
    volunteer.reveal_id verb, in its scope)."""
    from django.db.models import Exists, OuterRef

    from ..rules import VERB_ROLES
    from ..scoping import is_unrestricted, scope_q

    roles = VERB_ROLES["operations.volunteer.reveal_id"]
    if is_unrestricted(user, roles=roles):
        return queryset.annotate(reveal_ok=Value(True))
    return queryset.annotate(reveal_ok=Exists(
        Membership.objects.filter(scope_q(user, "team", roles=roles), volunteer=OuterRef("pk"))
    ))


def insurer_roster_rows(*, user, queryset, full_ids: bool = False) -> tuple[list[str], Iterator[list], int]:
    """The insurer's roster of the insured on a date: name, sex, date of birth and identity number, as
    insurers ask for it (DOMAIN §1.7), nothing else. Numbers are masked unless `full_ids` is asked for by a
    user who may reveal them (only the rows in their reveal scope; the caller audits it)."""
    headers = [_("Name"), _("Sex"), _("Date of birth"), _("ID number")]
    queryset = queryset.prefetch_related(None)
    count = queryset.count()
    if full_ids:
        queryset = _with_reveal(user, queryset)
    columns = ["name", "sex", "birth_date", "id_number"] + (["reveal_ok"] if full_ids else [])

    def rows():
        sex_labels = {value: str(label) for value, label in Sex.choices}
        for row in queryset.values_list(*columns).iterator(chunk_size=CHUNK):
            name, sex, birth_date, id_number = row[:4]
            revealed = full_ids and row[4]
            yield [name, sex_labels.get(sex, sex), birth_date, id_number if revealed else mask_id_number(id_number)]

    return headers, rows(), count


def _export_chunk(batch: list[tuple], sex_labels: dict, english: bool, full_ids: bool) -> Iterator[list]:
    ids = [row[0] for row in batch]
    teams: dict[int, list[str]] = defaultdict(list)
    for volunteer_id, name, name_en in (Membership.objects.current().filter(volunteer_id__in=ids)
                                        .values_list("volunteer_id", "team__name", "team__name_en")):
        teams[volunteer_id].append(localised(name, name_en))
    languages: dict[int, list[str]] = defaultdict(list)
    order = [f"language__{field}" for field in Language._meta.ordering]
    for volunteer_id, name, name_en in (Volunteer.languages.through.objects.filter(volunteer_id__in=ids)
                                        .order_by(*order).values_list("volunteer_id", "language__name",
                                                                      "language__name_en")):
        languages[volunteer_id].append(name_en if english else name)
    for row in batch:
        pk, name, english_name, id_number, sex, birth_date, phone, email = row[:8]
        revealed = full_ids and row[8]
        yield [
            name,
            english_name,
            id_number if revealed else mask_id_number(id_number),
            sex_labels.get(sex, sex),
            birth_date,
            phone,
            email,
            join_list(teams.get(pk, ())),
            join_list(languages.get(pk, ())),
        ]
