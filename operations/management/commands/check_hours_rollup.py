"""Check that the monthly roll-up of service hours (`ServiceHoursMonth`) equals a GROUP BY over the ledger
(`ServiceRecord`); `--repair` rebuilds it from the ledger. Exit status 1 when a difference was found (before
repair), so that cron or CI notices."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from operations.selectors.hours import rollup_differences
from operations.services.hours import hours_rollup_rebuild


class Command(BaseCommand):
    help = "Check (and with --repair rebuild) the monthly roll-up of service hours against the ledger."

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Rebuild the roll-up from the ledger.")

    def handle(self, *args, repair=False, **options):
        found = rollup_differences()
        for row in found:
            self.stdout.write(f"volunteer {row['volunteer_id']} unit {row['unit_id']} category {row['category']!r} "
                              f"month {row['month']}: ledger {row['ledger']}, roll-up {row['rollup']}")
        if not found:
            self.stdout.write(self.style.SUCCESS("The monthly roll-up equals the ledger."))
            return
        if not repair:
            raise CommandError(f"{len(found)} difference(s) (at most 100 shown); run with --repair to rebuild.")
        rows = hours_rollup_rebuild()
        self.stdout.write(self.style.WARNING(f"Rebuilt: {rows:,} roll-up rows."))
