"""Anonymise volunteers inactive for longer than PRIVACY["RETENTION_YEARS"] (the nightly retention job, run by
hand). Run with --dry-run first: it prints who would be anonymised and changes nothing."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from operations.services.privacy import privacy_retention_run


class Command(BaseCommand):
    help = "Anonymise volunteers inactive beyond the retention period (--dry-run lists them, changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List who would be anonymised; write nothing.")
        parser.add_argument("--limit", type=int, default=None, help="At most this many volunteers (default: "
                                                                     "PRIVACY_RETENTION_BATCH).")

    def handle(self, *args, dry_run=False, limit=None, **options):
        report = privacy_retention_run(dry_run=dry_run, limit=limit)
        self.stdout.write(f"retention cutoff: no activity since {report.cutoff.isoformat()}")
        for row in report.candidates:
            state = "personal data already deleted" if row["data_deleted"] else "active record"
            self.stdout.write(f"{'would anonymise' if dry_run else 'anonymise'} volunteer {row['id']} "
                              f"({row['id_number']}, created {row['created_at']}, {state})")
        if dry_run:
            self.stdout.write(self.style.WARNING(f"dry run: {len(report.candidates)} volunteer(s) would be "
                                                 "anonymised; nothing was changed."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{report.anonymised} volunteer(s) anonymised."))
