"""The shared table columns: labels in the user's language, the same on screen and in exports."""
from __future__ import annotations

import pytest
from django.utils import translation

from operations.models import Shift
from operations.tables.recruitment import ShiftTable
from tests.factories import PositionFactory, ShiftFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language, venue, position", [("zh-hant", "臺北大巨蛋", "競賽組"),
                                                       ("en", "Taipei Dome", "Competition")])
def test_shift_table_labels_on_screen_and_in_exports(language, venue, position):
    dome = UnitFactory(name="臺北大巨蛋", name_en="Taipei Dome")
    ShiftFactory(position=PositionFactory(venue=dome, title="競賽組", title_en="Competition"))
    with translation.override(language):
        table = ShiftTable(Shift.objects.select_related("position__venue"))
        row = table.rows[0]
        for cell in (row.get_cell("venue"), row.get_cell_value("venue")):
            assert cell == venue
        assert row.get_cell("position") == row.get_cell_value("position") == position
        assert row.get_cell("time") == row.get_cell_value("time") == "08:00–12:00"
        exported = list(table.as_values())
    assert [venue, position, "08:00–12:00"] == [exported[1][i] for i in (4, 3, 2)]
