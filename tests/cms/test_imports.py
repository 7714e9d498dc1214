"""cms reads operations only through `operations.selectors` and writes only through `operations.services`
(the import-linter contract "cms may import operations.selectors and operations.services only"), and the
modules of cms import each other without a circle (a model never imports a view)."""
from __future__ import annotations

from tests.import_graph import cycles, imports, internal_graph, modules

# Plumbing modules of operations that cms may also use, none of which holds a model, a query or a rule:
# names in the visitor's language (the Chinese-fallback marker), the transactional outbox that queues a
# task after the commit, and the exactly-once guard of a task's effect (both used by the newsletter mail).
PLUMBING = {"operations.localised", "operations.outbox", "operations.effects", "operations.mail"}
ALLOWED_PREFIXES = ("operations.selectors", "operations.services")


def _allowed(name: str) -> bool:
    allowed = (*ALLOWED_PREFIXES, *PLUMBING)
    return name == "operations" or name in allowed or name.startswith(tuple(f"{p}." for p in allowed))


def forbidden_operations_imports() -> dict[str, list[str]]:
    found = {}
    for module, path in modules("cms", migrations=False).items():
        wrong = sorted(n for n in imports(module, path)
                       if (n == "operations" or n.startswith("operations.")) and not _allowed(n))
        if wrong:
            found[module] = wrong
    return found


def test_the_walker_sees_function_level_and_relative_imports():
    """The test below can fail: the walker finds what cms imports today, top-level or in a function."""
    graph = internal_graph("cms")
    assert "cms.blocks" in graph["cms.models"] and "cms.models" in graph["cms.newsletter"]
    assert "operations.selectors.public" in imports("cms.models", modules("cms")["cms.models"])
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert not _allowed("operations.models") and not _allowed("operations.models.geo")
    assert not _allowed("operations.views") and not _allowed("operations.scoping")
    assert _allowed("operations.selectors.public") and _allowed("operations.services.unit_applications")
    assert _allowed("operations.outbox.enqueue") and not _allowed("operations.outboxes")


def test_cms_imports_operations_only_through_selectors_and_services():
    assert forbidden_operations_imports() == {}


def test_cms_has_no_import_cycle():
    assert cycles(internal_graph("cms")) == []


def test_cms_models_import_no_view():
    graph = internal_graph("cms")
    assert "cms.views" not in graph["cms.models"]
    assert not any(m.startswith("cms.views") for m in graph["cms.blocks"] | graph["cms.models"])
