"""Services queue Celery tasks by name (`enqueue("operations.tasks.…", …)`), so that no service imports
`operations.tasks`: every name they use must be a registered task, and no service imports the tasks."""
from __future__ import annotations

import pathlib
import re

from volunteer_site.celery import app

import operations

SERVICES = pathlib.Path(operations.__file__).parent / "services"


def test_every_task_a_service_queues_by_name_exists():
    import operations.tasks  # noqa: F401 - registers the tasks

    names = {name for path in SERVICES.glob("*.py")
             for name in re.findall(r'enqueue\(\s*"([\w.]+)"', path.read_text(encoding="utf-8"))}
    assert "operations.tasks.send_signup_notification" in names
    assert names <= set(app.tasks), names - set(app.tasks)


def test_no_service_imports_the_tasks_and_rosters_and_teams_do_not_import_each_other():
    for path in SERVICES.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"from \.\.tasks import|from operations\.tasks import|import operations\.tasks", text), path
    assert not re.search(r"from \.teams import|services\.teams", (SERVICES / "rosters.py").read_text(encoding="utf-8"))
    assert not re.search(r"from \.rosters import|services\.rosters", (SERVICES / "teams.py").read_text(encoding="utf-8"))
