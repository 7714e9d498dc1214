"""manage.py outbox_drain [--loop SECONDS] [--retry-dead] [--purge]"""
import time

from django.core.management.base import BaseCommand

from operations import outbox


class Command(BaseCommand):
    help = "Publish the outbox messages that are due (Celery beat also does this every OUTBOX_DRAIN_SECONDS)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="keep draining every SECONDS")
        parser.add_argument("--retry-dead", action="store_true", help="give dead messages new attempts first")
        parser.add_argument("--purge", action="store_true", help="delete published messages and old sent-log rows")

    def handle(self, *args, **options):
        if options["retry_dead"]:
            self.stdout.write(f"{outbox.retry_dead()} dead messages queued again")
        while True:
            result = outbox.drain()
            self.stdout.write(f"published {result['published']}, failed {result['failed']}")
            if options["purge"]:
                self.stdout.write(f"purged {outbox.purge()}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
