"""The engine is the Django-free ML core: it must never import Django or the project's apps."""

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "recommendations" / "engine"
FORBIDDEN = {"django", "rest_framework", "celery", "catalog", "stores", "replenishment", "lst"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_sources_import_no_django_or_apps() -> None:
    offenders = {
        str(p.relative_to(ENGINE)): sorted(_imported_roots(p) & FORBIDDEN)
        for p in ENGINE.rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def test_importing_the_engine_loads_no_django_module() -> None:
    # A fresh interpreter, so modules loaded by the test run itself do not hide an import.
    code = (
        "import sys, pkgutil, importlib, recommendations.engine as e\n"
        "for m in pkgutil.walk_packages(e.__path__, 'recommendations.engine.'):\n"
        "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in "
        f"{sorted(FORBIDDEN)!r})\n"
        "print(','.join(bad))\n"
    )
    root = ENGINE.parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
