"""Onboarding, bulk import, dashboards and recommender operations in the admin."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone

from lst.models import User
from recommendations.models import ModelVersion
from stores.models import Fixture, StockLevel, StockMovement, Store

from .conftest import catalogue_editor, login

IMPORT_FORMAT_CSV = "0"  # index of CSV in the import form's format choices


def _import(client, model: str, csv_text: str):  # type: ignore[no-untyped-def]
    url = reverse(f"admin:{model}_import")
    upload = io.BytesIO(csv_text.encode("utf-8"))
    upload.name = "rows.csv"
    return client.post(url, {"format": IMPORT_FORMAT_CSV, "import_file": upload})


def _confirm(client, model: str, preview):  # type: ignore[no-untyped-def]
    form = preview.context["confirm_form"]
    data = dict(form.initial)
    return client.post(reverse(f"admin:{model}_process_import"), data)


def test_onboarding_creates_store_owner_and_fixtures(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    response = client.post(
        reverse("admin:lst_store_onboard"),
        {
            "code": "hz-a-new",
            "name": "新店",
            "territory": world.hz_a.pk,
            "warehouse": world.warehouse.pk,
            "address": "文三路1号",
            "city": "杭州",
            "district": "西湖区",
            "latitude": "30.28",
            "longitude": "120.13",
            "neighbourhood": "office",
            "owner_username": "new-owner",
            "owner_phone": "13912345678",
            "owner_name": "张三",
            "fixtures-TOTAL_FORMS": "1",
            "fixtures-INITIAL_FORMS": "0",
            "fixtures-0-name": "主货架",
            "fixtures-0-kind": "shelf",
            "fixtures-0-width_cm": "120",
            "fixtures-0-depth_cm": "40",
            "fixtures-0-levels": "5",
            "fixtures-0-eye_level": "3",
        },
    )
    assert response.status_code == 200
    otp = response.context["result"].one_time_password
    assert otp in response.content.decode()
    store = Store.objects.get(code="hz-a-new")
    assert store.status == Store.Status.ONBOARDING
    owner = User.objects.get(username="new-owner")
    assert owner.check_password(otp)
    assert Fixture.objects.filter(store=store).count() == 1
    assert "no-store" in response["Cache-Control"]
    # the checklist: profile and fixtures done, the rest to do
    page = client.get(reverse("admin:stores_store_changelist"))
    assert 'data-done="2"' in page.content.decode()


def test_onboarding_refuses_foreign_territory(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    response = client.post(
        reverse("admin:lst_store_onboard"),
        {
            "code": "x",
            "name": "x",
            "territory": world.sz_a.pk,
            "owner_username": "x",
            "fixtures-TOTAL_FORMS": "0",
            "fixtures-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "territory" in response.context["form"].errors
    assert not Store.objects.filter(code="x").exists()


STORES_CSV = (
    "code,name,address,city,district,latitude,longitude,neighbourhood,territory,warehouse\n"
    "imp-1,导入店一,路1号,杭州,西湖区,30.1,120.1,residential,hz-a,wh-east\n"
    "imp-2,导入店二,路2号,杭州,西湖区,30.2,120.2,office,hz-a,wh-east\n"
)


def test_store_import_preview_commit_and_idempotence(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    preview = _import(client, "stores_store", STORES_CSV)
    assert preview.status_code == 200
    assert not preview.context["result"].has_validation_errors()
    assert not Store.objects.filter(code__startswith="imp-").exists()  # dry run
    _confirm(client, "stores_store", preview)
    assert Store.objects.filter(code__startswith="imp-", territory=world.hz_a).count() == 2
    again = _import(client, "stores_store", STORES_CSV)
    totals = again.context["result"].totals
    assert totals["new"] == 0 and totals["update"] == 0 and totals["skip"] == 2


def test_store_import_with_one_bad_row_writes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    bad = STORES_CSV + "imp-3,坏店,路3号,杭州,南山区,30.3,120.3,residential,sz-a,wh-east\n"
    preview = _import(client, "stores_store", bad)
    result = preview.context["result"]
    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert invalid.number == 3
    assert "territory" in invalid.error_dict
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert not Store.objects.filter(code__startswith="imp-").exists()
    assert "territory" in preview.content.decode()


def test_store_import_cannot_take_over_a_foreign_store(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    csv = (
        "code,name,address,city,district,latitude,longitude,neighbourhood,territory,warehouse\n"
        "sz-a-1,抢店,路,杭州,西湖区,30.1,120.1,residential,hz-a,wh-east\n"
    )
    result = _import(client, "stores_store", csv).context["result"]
    assert result.has_validation_errors()
    assert Store.objects.get(code="sz-a-1").territory == world.sz_a


def test_opening_stock_goes_through_the_ledger(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    from tests.catalog.factories import ProductFactory

    tea = ProductFactory.create(sku="SKU-TEA")
    csv = "store,product,quantity\nhz-a-1,SKU-TEA,24\nhz-a-1,SKU-COLA,10\n"
    preview = _import(client, "stores_stocklevel", csv)
    assert not preview.context["result"].has_validation_errors()
    _confirm(client, "stores_stocklevel", preview)
    level = StockLevel.objects.get(store=world.home.store, product=tea)
    assert level.on_hand == 24 and level.last_counted_at is not None
    moves = StockMovement.objects.filter(store=world.home.store, product=tea)
    assert [(m.kind, m.quantity) for m in moves] == [("count_correction", 24)]
    # idempotent: the same file again adds no movement
    _confirm(client, "stores_stocklevel", _import(client, "stores_stocklevel", csv))
    assert moves.count() == 1


def test_opening_stock_errors_name_the_column(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    csv = "store,product,quantity\nhz-a-1,SKU-COLA,-3\nhz-a-1,NOPE,2\nsz-a-1,SKU-COLA,1\n"
    result = _import(client, "stores_stocklevel", csv).context["result"]
    errors = {row.number: set(row.error_dict) for row in result.invalid_rows}
    assert errors == {1: {"quantity"}, 2: {"product"}, 3: {"store"}}


def test_product_and_fixture_import(world) -> None:  # type: ignore[no-untyped-def]
    """Products are imported by catalogue staff (the agent's group may only read them), fixtures
    by the agent."""
    from tests.catalog.factories import make_ean13

    client = login(catalogue_editor())

    cat = world.product.category.code
    products = (
        "sku,barcode,name,category,case_pack,unit_cost,retail_price\n"
        f"SKU-NEW,{make_ean13(777)},新品,{cat},6,1.50,2.50\n"
        f"SKU-BAD,1234567890123,坏码,{cat},6,1.50,2.50\n"
    )
    result = _import(client, "catalog_product", products).context["result"]
    assert {row.number: set(row.error_dict) for row in result.invalid_rows} == {2: {"barcode"}}
    client = login(world.agent)
    fixtures = "store,name,kind,width_cm,depth_cm,levels,eye_level\nhz-a-1,冷柜,cooler,90,60,4,6\n"
    result = _import(client, "stores_fixture", fixtures).context["result"]
    assert result.has_validation_errors()


def test_dashboard_renders_chart_and_sections(world) -> None:  # type: ignore[no-untyped-def]
    from recommendations.models import SuggestionFeedback

    SuggestionFeedback.objects.create(
        store=world.home.store,
        product=world.product,
        for_date=timezone.localdate(),
        action="accepted",
        suggested_quantity=6,
        final_quantity=6,
    )
    SuggestionFeedback.objects.create(
        store=world.home.store,
        product=world.product,
        for_date=timezone.localdate(),
        action="dismissed",
        suggested_quantity=6,
    )
    client = login(world.agent)
    page = client.get(reverse("admin:lst_store_dashboard", args=[world.home.store.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'class="history"' in html
    assert page.context["dash"].acceptance == 0.5
    assert "50%" in html
    assert (
        client.get(reverse("admin:lst_store_dashboard", args=[world.foreign.store.pk])).status_code
        == 404
    )


def test_dashboard_shows_forecast_band_of_active_model(world, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    from recommendations import data
    from recommendations.engine.forecast import ForecastParams, build_panel, fit
    from recommendations.services import registry
    from stores.models import DailySales

    settings.MEDIA_ROOT = str(tmp_path)
    today = timezone.localdate()
    rows = [
        DailySales(
            store=world.home.store,
            product=world.product,
            date=today - dt.timedelta(days=d),
            units=3 + d % 7,
            revenue=10,
        )
        for d in range(2, 60)
    ]
    DailySales.objects.bulk_create(rows)
    sales = data.sales_frame(store_ids=None, start=today - dt.timedelta(days=80), end=today)
    model = fit(build_panel(sales, freq="D"), ForecastParams(horizon=7, method="seasonal_naive"))
    version = registry.model_register(
        kind="forecast", model=model, parameters={}, metrics={}, data_start=None, data_end=None
    )
    registry.model_promote(version=version)
    page = login(world.agent).get(reverse("admin:lst_store_dashboard", args=[world.home.store.pk]))
    band = page.context["dash"].forecast
    assert band is not None and len(band.mean) == 7
    assert all(p >= m - 1e-9 for m, p in zip(band.mean, band.p90, strict=True))
    assert 'class="band"' in page.content.decode()


def test_territory_overview_ranks_only_scoped_stores(world) -> None:  # type: ignore[no-untyped-def]
    page = login(world.manager).get(reverse("admin:lst_territory_overview") + "?sort=stockout")
    codes = [r.code for r in page.context["rows"]]
    assert sorted(codes) == ["hz-a-1", "hz-b-1"]


def test_model_versions_compare_promote_rollback(world, model_versions, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for v in model_versions:
        path = tmp_path / f"v{v.version}.pkl"
        path.write_bytes(b"x")
        ModelVersion.objects.filter(pk=v.pk).update(artifact=str(path))
    client = login(world.admin)
    url = reverse("admin:recommendations_modelversion_changelist")
    page = client.get(url)
    assert "0.720" in page.content.decode()  # v2's wrmsse column
    ids = [str(v.pk) for v in model_versions]
    compare = client.post(url, {"action": "compare", "_selected_action": ids})
    assert "id='backtest-table'" in compare.content.decode()
    client.post(url, {"action": "promote", "_selected_action": [ids[2]]})
    assert ModelVersion.objects.get(pk=ids[2]).status == "active"
    client.post(url, {"action": "rollback", "_selected_action": [ids[2]]})
    assert ModelVersion.objects.get(pk=ids[1]).status == "active"
    # field agents can look, not act
    agent_page = login(world.agent).get(url)
    assert agent_page.status_code == 200
    assert "promote" not in dict(agent_page.context["action_form"].fields["action"].choices)


def test_run_pipeline_action_queues_selected_stores(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from recommendations import tasks

    calls: list[dict[str, object]] = []

    class Result:
        id = "t-1"

    def delay(**kw: object) -> Result:
        calls.append(kw)
        return Result()

    monkeypatch.setattr(tasks.nightly_pipeline, "delay", delay)
    client = login(world.manager)
    client.post(
        reverse("admin:stores_store_changelist"),
        {
            "action": "run_pipeline",
            "_selected_action": [world.home.store.pk, world.foreign.store.pk],
        },
    )
    assert calls == [{"store_ids": [world.home.store.pk]}]  # the foreign one is filtered out


def test_run_pipeline_action_with_the_broker_down_says_so(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kombu.exceptions import OperationalError as BrokerError

    from recommendations import tasks

    def refuse(**kwargs: object) -> None:
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.nightly_pipeline, "delay", refuse)
    page = login(world.manager).post(
        reverse("admin:stores_store_changelist"),
        {"action": "run_pipeline", "_selected_action": [world.home.store.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    assert "The task queue is unavailable" in page.content.decode()
