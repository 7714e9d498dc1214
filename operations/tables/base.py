from __future__ import annotations

import django_tables2 as tables


class DisplayColumn(tables.Column):
    """An object's label in the user's language, the same on screen and in exports: the `attr`
    (display_name, display_title, name) of the column's value — a related object — or, with `own=True`,
    of the row's record itself."""

    def __init__(self, *args, attr: str = "display_name", own: bool = False, **kwargs):
        self.attr, self.own = attr, own
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        return getattr(record if self.own else value, self.attr)


def time_range(record) -> str:
    return f"{record.start_time:%H:%M}–{record.end_time:%H:%M}"


class TimeRangeColumn(tables.Column):
    """A shift's 08:00–12:00, on screen and in exports."""

    def render(self, record):
        return time_range(record)
