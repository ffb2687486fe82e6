"""The static registry of recommenders and the layering around it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from recommendations.models import ModelKind
from recommendations.services import assortment, pipeline, shelf
from recommendations.services.recommenders import RECOMMENDERS, recommender_for

ROOT = Path(__file__).resolve().parents[2]


def test_every_kind_has_exactly_one_recommender() -> None:
    assert set(RECOMMENDERS) == set(ModelKind.values)
    assert recommender_for(ModelKind.SHELF).score_chunk is shelf.shelf_score_chunk
    assert recommender_for(ModelKind.ASSORTMENT).score_chunk is assortment.assortment_score_chunk
    assert recommender_for(ModelKind.FORECAST).score_chunk is pipeline.purchase_score_chunk
    assert recommender_for(ModelKind.FORECAST).fit is pipeline.forecast_fit


def test_the_registry_needs_no_import_side_effect() -> None:
    """In a fresh interpreter, importing only the run machinery (what a worker without the
    system checks has) finds every kind: nothing depends on the URLconf or the views."""
    code = (
        "import django, sys; django.setup();"
        "from recommendations.services import runs;"
        "from recommendations.services.recommenders import recommender_for;"
        "kinds = [recommender_for(k).kind for k in ('forecast', 'shelf', 'assortment')];"
        "assert 'recommendations.api.views_shelf' not in sys.modules, 'views imported';"
        "print(','.join(kinds))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "lst.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "forecast,shelf,assortment"


def test_no_service_imports_the_task_layer() -> None:
    offenders = []
    for path in sorted((ROOT / "recommendations" / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom):
                names = [f"{'.' * node.level}{node.module or ''}"]
                names += [f"{names[0]}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n.endswith("tasks") or ".tasks." in n for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}")
    assert offenders == []
