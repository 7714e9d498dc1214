"""Check that the monthly roll-up of service hours (`ServiceHoursMonth`) equals a GROUP BY over the ledger
(`ServiceRecord`), and that the count-from dates (`TrainingCountFrom`) equal what the certificates give;
`--repair` rebuilds what differs from its source. Exit status 1 when a difference was found (before repair), so
that cron or CI notices."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from operations.selectors.hours import count_from_differences, rollup_differences
from operations.services.hours import count_from_rebuild, hours_rollup_rebuild


class Command(BaseCommand):
    help = ("Check (and with --repair rebuild) the monthly roll-up of service hours against the ledger and the "
            "count-from dates against the certificates.")

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
        if not found:
            self.stdout.write(self.style.SUCCESS("The monthly roll-up equals the ledger."))
        if not dates:
            self.stdout.write(self.style.SUCCESS("The count-from dates equal the certificates."))
        if not found and not dates:
            return
        if not repair:
            raise CommandError(f"{len(found) + len(dates)} difference(s) (at most 100 of each shown); run with "
                               f"--repair to rebuild.")
        if found:
            rows = hours_rollup_rebuild()
            self.stdout.write(self.style.WARNING(f"Rebuilt: {rows:,} roll-up rows."))
        if dates:
            rows = count_from_rebuild()
            self.stdout.write(self.style.WARNING(f"Rebuilt: {rows:,} count-from dates."))
