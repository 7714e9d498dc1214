"""Check that the monthly roll-up of service hours (`ServiceHoursMonth`) equals a GROUP BY over the ledger
(`ServiceRecord`), that the count-from dates (`TrainingCountFrom`) equal what the certificates give, and that the
kept report figures (`UnitHoursMonth`, `UnitMember`) equal what their rows give;
`--repair` rebuilds what differs from its source. Exit status 1 when a difference was found (before repair), so
that cron or CI notices."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from operations.selectors.hours import count_from_differences, rollup_differences
from operations.selectors.kept import unit_hours_differences, unit_member_differences
from operations.services.hours import count_from_rebuild, hours_rollup_rebuild
from operations.services.kept import kept_rebuild


class Command(BaseCommand):
    help = ("Check (and with --repair rebuild) the monthly roll-up of service hours against the ledger and the "
            "count-from dates against the certificates, and the kept report figures against their rows.")

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Rebuild the roll-up from the ledger.")

    def handle(self, *args, repair=False, **options):
        found = rollup_differences()
        for row in found:
            self.stdout.write(f"volunteer {row['volunteer_id']} unit {row['unit_id']} category {row['category']!r} "
                              f"month {row['month']}: ledger {row['ledger']}, roll-up {row['rollup']}")
        dates = count_from_differences()
        for row in dates:
            self.stdout.write(f"volunteer {row['volunteer_id']} category {row['category']!r}: counts from "
                              f"{row['certificates']} by the certificates, {row['kept']} kept")
        kept = unit_hours_differences() + unit_member_differences()
        for row in kept:
            self.stdout.write(f"kept report figures: {row}")
        if not found:
            self.stdout.write(self.style.SUCCESS("The monthly roll-up equals the ledger."))
        if not dates:
            self.stdout.write(self.style.SUCCESS("The count-from dates equal the certificates."))
        if not kept:
            self.stdout.write(self.style.SUCCESS("The kept report figures equal their rows."))
        if not found and not dates and not kept:
            return
        if not repair:
            raise CommandError(f"{len(found) + len(dates) + len(kept)} difference(s) (at most 100 of each shown); "
                               f"run with --repair to rebuild.")
        if found:
            rows = hours_rollup_rebuild()
            self.stdout.write(self.style.WARNING(f"Rebuilt: {rows:,} roll-up rows."))
        if dates:  # the kept hours of the units are rebuilt with them
            rows = count_from_rebuild()
            self.stdout.write(self.style.WARNING(f"Rebuilt: {rows:,} count-from dates."))
        if kept and not dates:
            rows = kept_rebuild()
            self.stdout.write(self.style.WARNING(f"Rebuilt: {rows.get('hours', 0):,} kept hours rows and "
                                                 f"{rows.get('members', 0):,} kept spans of membership."))
