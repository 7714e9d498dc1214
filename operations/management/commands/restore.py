"""manage.py restore BACKUP_DIR [--database-url URL] [--files-root NAME=PATH ...] [--verify-only]"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, restore_backup, verify_backup


class Command(BaseCommand):
    help = ("Restore a backup into an empty database and empty file roots, then check every table and "
            "file against the manifest.")

    def add_arguments(self, parser):
        parser.add_argument("source", help="a backup-<time> directory written by manage.py backup")
        parser.add_argument("--database-url", help="restore into this (empty) database instead of DATABASE_URL")
        parser.add_argument("--files-root", action="append", default=[], metavar="NAME=PATH",
                            help="restore the file root NAME (media, private) into PATH instead")
        parser.add_argument("--skip-files", action="store_true")
        parser.add_argument("--skip-database", action="store_true")
        parser.add_argument("--verify-only", action="store_true", help="only check the backup's checksums")

    def handle(self, *args, **options):
        source = Path(options["source"])
        try:
            if options["verify_only"]:
                manifest = verify_backup(source)
                self.stdout.write(f"backup {manifest['created_at']} is complete and undamaged")
                return
            roots = None
            if options["files_root"]:
                from operations.backup import file_roots

                roots = dict(file_roots())
                for item in options["files_root"]:
                    name, _, path = item.partition("=")
                    if not name or not path:
                        raise CommandError(f"--files-root expects NAME=PATH, not {item!r}")
                    roots[name] = Path(path)
            summary = restore_backup(source, database_url=options["database_url"], files_roots=roots,
                                     database=not options["skip_database"], files=not options["skip_files"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {summary['tables']} tables ({summary['rows']} rows) and "
                          f"{summary['files']} files; every checksum matches the manifest")
