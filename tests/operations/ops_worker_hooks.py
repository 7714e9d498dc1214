"""Loaded by the test workers (`celery worker --include`): record every task run in OPS_HOOK_DIR/runs.log
and, when the file OPS_HOOK_DIR/pause-after exists, stop after the first sign-up notification has done
its work (e-mail sent, sent-log committed) but before the worker acknowledges the message; with
OPS_HOOK_DIR/pause-before, stop when it starts (nothing sent yet). The test kills the worker there."""
import os
import time
from pathlib import Path

from celery.signals import task_postrun, task_prerun

HOOK_DIR = os.environ.get("OPS_HOOK_DIR")


@task_prerun.connect
def record_run(task_id=None, task=None, **kwargs):
    if HOOK_DIR:
        with open(Path(HOOK_DIR) / "runs.log", "a") as fh:
            fh.write(f"{task.name} {task_id}\n")
        _pause(task_id, task, "pause-before")


@task_postrun.connect
def pause_before_ack(task_id=None, task=None, **kwargs):
    _pause(task_id, task, "pause-after")


def _pause(task_id, task, name):
    if not HOOK_DIR or not task.name.endswith("send_signup_notification"):
        return
    marker = Path(HOOK_DIR) / name
    if marker.exists():
        marker.unlink()
        (Path(HOOK_DIR) / "paused").write_text(task_id)
        time.sleep(300)  # the test kills the worker now
