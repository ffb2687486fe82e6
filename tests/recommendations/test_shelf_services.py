"""Weekly shelf run: plans written are valid, idempotent per chunk, diff against the current
layout, naive seeding, the space-response fit."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import timezone

from lst.errors import ValidationFailed
from recommendations.engine.shelf import FixturePlan, Unplaced, plan_violations
from recommendations.explain import shelf_change_text
from recommendations.models import ModelKind, RunChunk, ShelfPlan, TrainingRun
from recommendations.services import registry, runs, shelf
from recommendations.tasks import weekly_shelf


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def _run(chain, django_capture_on_commit_callbacks, **kw):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        run_id = weekly_shelf(store_ids=[s.pk for s in chain.stores[:2]], **kw)
    return TrainingRun.objects.get(pk=run_id)


def test_weekly_shelf_writes_one_valid_plan_per_fixture(chain, django_capture_on_commit_callbacks):
    run = _run(chain, django_capture_on_commit_callbacks)
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert run.kind == ModelKind.SHELF and run.model_version.status == "active"
    plans = ShelfPlan.objects.filter(source=ShelfPlan.Source.RECOMMENDED, is_current=True)
    assert plans.count() == 3  # Alice's shelf and cooler, Bob's shelf
    for plan in plans:
        view = shelf.plan_view(plan)
        specs, _response = shelf.inputs_specs(plan.inputs)
        fixture_plan = FixturePlan(
            view.fixture,
            tuple(view.placements),
            unplaced=tuple(Unplaced(u["product_id"], u["reason"]) for u in plan.unplaced),
        )
        assert plan_violations(fixture_plan, specs) == []
        assert plan.expected_daily_profit > 0
    cooler = plans.get(fixture=chain.cooler)
    assert all(it.product.requires_chilling for it in cooler.items.select_related("product"))
    # Every product Alice carries (and is active) is placed somewhere or reported.
    alice_plans = plans.filter(store=chain.stores[0])
    placed = {i.product_id for p in alice_plans for i in p.items.all()}
    reported = {u["product_id"] for p in alice_plans for u in p.unplaced}
    carried = set(chain.stores[0].stock_levels.values_list("product_id", flat=True))
    assert carried == placed | reported


def test_chunk_twice_leaves_one_plan_per_fixture(chain, django_capture_on_commit_callbacks):
    run = _run(chain, django_capture_on_commit_callbacks)
    chunk = RunChunk.objects.get(run=run)
    assert runs.chunk_score(chunk_id=chunk.pk) is False  # already done
    RunChunk.objects.filter(pk=chunk.pk).update(status=RunChunk.Status.PENDING)
    assert runs.chunk_score(chunk_id=chunk.pk) is True  # a redelivery redoes it
    counts = ShelfPlan.objects.filter(source=ShelfPlan.Source.RECOMMENDED).values_list(
        "fixture_id", flat=True
    )
    assert sorted(counts) == sorted(set(counts)) and len(counts) == 3
    # A second weekly run replaces the plans, never adds to them.
    _run(chain, django_capture_on_commit_callbacks)
    assert ShelfPlan.objects.filter(source=ShelfPlan.Source.RECOMMENDED).count() == 3


def test_response_reused_within_the_week(chain, django_capture_on_commit_callbacks):
    first = _run(chain, django_capture_on_commit_callbacks)
    second = _run(chain, django_capture_on_commit_callbacks)
    assert second.model_version_id == first.model_version_id
    third = _run(chain, django_capture_on_commit_callbacks, force_train=True)
    assert third.model_version.version == first.model_version.version + 1
    assert registry.active_model(ModelKind.SHELF) == third.model_version


def test_diff_against_seeded_current_layout(chain, django_capture_on_commit_callbacks):
    assert shelf.shelf_layouts_seed(store_ids=[chain.stores[0].pk]) == 2
    assert shelf.shelf_layouts_seed(store_ids=[chain.stores[0].pk]) == 0  # only where missing
    _run(chain, django_capture_on_commit_callbacks)
    plan = ShelfPlan.objects.get(fixture=chain.shelf, source="recommended")
    view = shelf.plan_view(plan)
    assert view.current, "the seeded layout is the current one"
    assert view.diff.current_daily_profit == pytest.approx(
        float(plan.current_daily_profit), abs=0.01
    )
    names = {pid: p.name for pid, p in view.products.items()}
    for c in view.diff.instructions:
        zh = shelf_change_text(c, name=names[c.product_id], language="zh-hans")
        en = shelf_change_text(c, name=names[c.product_id], language="en")
        assert names[c.product_id] in zh and names[c.product_id] in en and zh != en
    # Recording the plan itself as the current layout leaves nothing to change.
    shelf.shelf_layout_record(
        store=chain.stores[0],
        fixture=chain.shelf,
        items=[
            shelf.LayoutItem(int(p.product_id), p.level, p.facings, p.position)
            for p in view.placements
        ],
    )
    plan.refresh_from_db()
    assert shelf.plan_view(plan).diff.instructions == ()
    assert plan.current_daily_profit == plan.expected_daily_profit
    assert ShelfPlan.objects.filter(fixture=chain.shelf, source="current").count() == 2
    assert (
        ShelfPlan.objects.filter(fixture=chain.shelf, source="current", is_current=True).count()
        == 1
    )


def test_layout_record_rejects_overfull_level(chain):
    wide = chain.products[0]  # 12 cm: 9 facings = 108 cm > 100 cm
    with pytest.raises(ValidationFailed) as err:
        shelf.shelf_layout_record(
            store=chain.stores[0], fixture=chain.shelf, items=[shelf.LayoutItem(wide.pk, 1, 9)]
        )
    assert "items[0].facings" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        shelf.shelf_layout_record(
            store=chain.stores[0], fixture=chain.shelf, items=[shelf.LayoutItem(wide.pk, 5, 1)]
        )
    assert "items[0].level" in err.value.fields


def test_planogram_one_block_per_item(chain, django_capture_on_commit_callbacks):
    _run(chain, django_capture_on_commit_callbacks)
    plan = ShelfPlan.objects.get(fixture=chain.shelf, source="recommended")
    root = ET.fromstring(shelf.planogram_svg(shelf.plan_view(plan), lang="zh-hans"))  # noqa: S314
    blocks = root.findall("{http://www.w3.org/2000/svg}g[@class='product']")
    assert sorted(int(b.get("data-product-id")) for b in blocks) == sorted(
        plan.items.values_list("product_id", flat=True)
    )


def test_response_estimated_from_layout_history(chain):
    """Layouts recorded with varying facings give the estimate something to work with; the
    fit still registers and serves a version when nothing varies (priors)."""
    run = runs.run_start(kind=ModelKind.SHELF)
    version = shelf.shelf_response_fit(run=run, end=timezone.localdate())
    assert version.status == "active"
    assert version.metrics["series_with_layout"] == 0
    shelf.shelf_layouts_seed(store_ids=[chain.stores[0].pk])
    frame = shelf.response_frame(
        store_ids=[chain.stores[0].pk],
        start=timezone.localdate() - dt.timedelta(days=60),
        end=timezone.localdate(),
    )
    # Layouts recorded today cover no past sales yet.
    assert frame.empty


def test_run_weekly_command(chain, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_weekly", "--shelf", "--stores", str(chain.stores[0].pk))
    assert "Weekly shelf: run #" in capsys.readouterr().out
    assert TrainingRun.objects.get(kind="shelf").status == TrainingRun.Status.SUCCEEDED
    assert ShelfPlan.objects.filter(store=chain.stores[0], source="recommended").count() == 2


def test_every_fixture_of_the_store_gets_a_plan_with_products(
    chain, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    """Alice gets an end cap and a counter beside her shelf and cooler: her five dry products
    would all fit the end cap, yet every fixture is planned with some, chilled ones in the
    cooler only."""
    from stores.models import Fixture
    from tests.stores.factories import FixtureFactory

    alice = chain.stores[0]
    FixtureFactory.create(
        store=alice, name="端架", kind=Fixture.Kind.END_CAP, width_cm=90, levels=4, eye_level=3
    )
    FixtureFactory.create(
        store=alice, name="收银台", kind=Fixture.Kind.COUNTER, width_cm=60, levels=2, eye_level=2
    )
    shelf.shelf_layouts_seed(store_ids=[alice.pk])
    _run(chain, django_capture_on_commit_callbacks)
    plans = ShelfPlan.objects.filter(store=alice, source="recommended", is_current=True)
    assert plans.count() == 4
    for plan in plans.select_related("fixture"):
        products = [it.product for it in plan.items.select_related("product")]
        assert products, f"{plan.fixture.name} left empty"
        chilled = {p.requires_chilling for p in products}
        assert chilled == ({True} if plan.fixture.kind == "cooler" else {False})
        view = shelf.plan_view(plan)
        # the change list lists gains; a non-gaining change is one the plan cannot do without
        for c in view.diff.instructions:
            if round(c.daily_profit_change, 2) <= 0:
                assert c.action in ("remove", "move", "facings"), c
