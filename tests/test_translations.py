"""Every message the code marks for translation is in the Chinese catalogue, including those marked with
`_lazy("…")` (the lazy gettext under a second name, which plain xgettext does not read: the project's
`makemessages` adds the keyword). A message missing from the catalogue shows in English on Chinese pages."""
import ast
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
MARKERS = {"_", "_lazy", "gettext", "gettext_lazy"}


def _marked_messages():
    for package in ("operations", "cms", "site"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str) and node.args[0].value.strip()):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0].value


def test_every_marked_message_has_a_chinese_translation():
    messages = list(_marked_messages())
    assert len(messages) > 1000  # the walk found the code
    with translation.override("zh-hant"):
        missing = [f"{where}: {text!r}" for where, text in messages
                   if translation.gettext(text) == text and any(c.isalpha() for c in text)]
    assert not missing, "\n".join(missing[:40])


@pytest.mark.parametrize("text", ["The sign-up window is closed.", "This recruitment is not open."])
def test_the_rule_book_speaks_chinese(text):
    with translation.override("zh-hant"):
        assert translation.gettext(text) != text
