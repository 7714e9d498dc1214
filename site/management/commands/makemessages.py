"""`makemessages` that also reads `_lazy("…")`, the name under which modules that need both gettext and
gettext_lazy import the lazy one (xgettext only knows the standard names)."""
from django.core.management.commands.makemessages import Command as MakeMessagesCommand


class Command(MakeMessagesCommand):
    xgettext_options = [*MakeMessagesCommand.xgettext_options, "--keyword=_lazy"]
