"""manage.py backup --to DIR [--prune --keep-daily 7 --keep-weekly 4 --keep-monthly 12]"""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, create_backup, prune_backups


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format), the file roots and a manifest with checksums."

    def add_arguments(self, parser):
        parser.add_argument("--to", default=getattr(settings, "BACKUP_DIR", ""),
                            help="directory that receives backup-<UTC time>/ (default: BACKUP_DIR)")
        parser.add_argument("--no-checksums", action="store_true",
                            help="skip the per-table checksums (row counts and file checksums are kept)")
        parser.add_argument("--prune", action="store_true", help="then delete backups past the retention")
        parser.add_argument("--keep-daily", type=int, default=7)
        parser.add_argument("--keep-weekly", type=int, default=4)
        parser.add_argument("--keep-monthly", type=int, default=12)

    def handle(self, *args, **options):
        if not options["to"]:
            raise CommandError("Give --to DIR or set BACKUP_DIR.")
        destination = Path(options["to"])
        try:
            path = create_backup(destination, checksums=not options["no_checksums"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
        if options["prune"]:
            for removed in prune_backups(destination, daily=options["keep_daily"], weekly=options["keep_weekly"],
                                         monthly=options["keep_monthly"]):
                self.stdout.write(f"pruned {removed}")
