"""operations never imports cms (nor the project package's commands): the arrow goes from the public site
to operations only. The demo loader that fills both is the project-level `load_demo_data` command."""
from __future__ import annotations

from tests.import_graph import imports, modules


def cms_imports_in_operations() -> dict[str, list[str]]:
    found = {}
    for module, path in modules("operations", migrations=True).items():
        wrong = sorted(n for n in imports(module, path)
                       if n == "cms" or n.startswith("cms.") or n.startswith("volunteer_site.management"))
        if wrong:
            found[module] = wrong
    return found


def test_the_walker_reads_every_operations_module():
    found = modules("operations", migrations=True)
    assert "operations.demo" in found and "operations.selectors.public" in found
    assert "operations.models" in imports("operations.demo", found["operations.demo"])
    assert "cms.demo" in imports("volunteer_site.management.commands.load_demo_data",
                                 modules("volunteer_site")["volunteer_site.management.commands.load_demo_data"])


def test_operations_never_imports_cms():
    assert cms_imports_in_operations() == {}
