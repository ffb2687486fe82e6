"""What field agents may only read (issue 22): the chain's catalogue, and every number of a stock
level, which the domain keeps (ledger, reservations, counts)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.models import Category, Product
from stores.admin_roles import FIELD_AGENT_GROUP, field_agent_group
from stores.models import StockLevel
from tests.catalog.factories import make_ean13

from .conftest import catalogue_editor, login
from .forms import form_data

# --- The catalogue -----------------------------------------------------------------------


def test_the_agents_group_reads_products_and_categories_only(db) -> None:  # type: ignore[no-untyped-def]
    codes = set(
        field_agent_group()
        .permissions.filter(content_type__app_label="catalog")
        .values_list("codename", flat=True)
    )
    assert codes == {"view_product", "view_category"}


def test_refreshing_the_group_takes_back_catalogue_edits_granted_before(db) -> None:  # type: ignore[no-untyped-def]
    """A deployment whose group still has add/change product from an older release loses them
    when `field_roles` is run again."""
    from django.contrib.auth.models import Group

    old = Group.objects.create(name=FIELD_AGENT_GROUP)
    old.permissions.set(
        Permission.objects.filter(codename__in=["add_product", "change_product", "view_product"])
    )
    group = field_agent_group()
    assert group.pk == old.pk
    assert not group.permissions.filter(codename__in=["add_product", "change_product"]).exists()


@pytest.mark.parametrize("model", ["product", "category"])
def test_agent_cannot_add_catalogue_entries(world, model) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    assert client.get(reverse(f"admin:catalog_{model}_add")).status_code == 403
    before = (Product.objects.count(), Category.objects.count())
    r = client.post(reverse(f"admin:catalog_{model}_add"), {"code": "new", "name": "新"})
    assert r.status_code == 403
    assert (Product.objects.count(), Category.objects.count()) == before


def test_agent_sees_a_product_read_only_and_cannot_post_a_change(world) -> None:  # type: ignore[no-untyped-def]
    product = world.product
    url = reverse("admin:catalog_product_change", args=[product.pk])
    editor_page = login(world.admin).get(url)
    client = login(world.agent)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}  # a view page: no inputs
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert product.name in html
    data = form_data(editor_page)
    data["retail_price"] = "99.00"
    assert client.post(url, data).status_code == 403
    product.refresh_from_db()
    assert product.retail_price == Decimal("3.50")


def test_agent_sees_a_category_read_only(world) -> None:  # type: ignore[no-untyped-def]
    category = world.product.category
    url = reverse("admin:catalog_category_change", args=[category.pk])
    page = login(world.agent).get(url)
    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}
    assert login(world.agent).post(url, {"code": category.code, "name": "改名"}).status_code == 403
    category.refresh_from_db()
    assert category.name != "改名"


def test_agent_exports_products_but_cannot_import_them(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    changelist = client.get(reverse("admin:catalog_product_changelist")).content.decode()
    assert reverse("admin:catalog_product_export") in changelist
    assert reverse("admin:catalog_product_import") not in changelist
    assert client.get(reverse("admin:catalog_product_import")).status_code == 403
    upload = io.BytesIO(b"sku,name\nSKU-X,x\n")
    upload.name = "rows.csv"
    r = client.post(reverse("admin:catalog_product_import"), {"format": "0", "import_file": upload})
    assert r.status_code == 403
    assert client.get(reverse("admin:catalog_product_export")).status_code == 200


def test_catalogue_staff_keep_editing_products(world) -> None:  # type: ignore[no-untyped-def]
    """Staff holding the product permissions (not superusers, no territory) add and change."""
    client = login(catalogue_editor())
    url = reverse("admin:catalog_product_change", args=[world.product.pk])
    page = client.get(url)
    assert "retail_price" in page.context["adminform"].form.fields
    data = form_data(page)
    data["retail_price"] = "3.80"
    r = client.post(url, data)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    world.product.refresh_from_db()
    assert world.product.retail_price == Decimal("3.80")

    add = form_data(page)
    add.update(sku="SKU-NEW", barcode=make_ean13(777), name="新品")
    r = client.post(reverse("admin:catalog_product_add"), add)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    assert Product.objects.get(sku="SKU-NEW").name == "新品"
    # and the import, which adds and changes at once
    assert client.get(reverse("admin:catalog_product_import")).status_code == 200


def test_staff_with_add_but_not_change_cannot_import_products(world) -> None:  # type: ignore[no-untyped-def]
    """An import changes existing products (matched on SKU): it needs both permissions."""
    editor = catalogue_editor("adds-only")
    editor.user_permissions.remove(Permission.objects.get(codename="change_product"))
    assert login(editor).get(reverse("admin:catalog_product_import")).status_code == 403


# --- Stock levels --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "admin"])
def test_stock_level_numbers_are_read_only_for_everyone(world, who) -> None:  # type: ignore[no-untyped-def]
    level = world.home.objects["stores.stocklevel"]
    url = reverse("admin:stores_stocklevel_change", args=[level.pk])
    client = login(getattr(world, who))
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}
    readonly = set(page.context["adminform"].readonly_fields)
    assert {"on_hand", "reserved", "needs_count", "last_counted_at"} <= readonly
    html = page.content.decode()
    assert 'name="reserved"' not in html and 'name="_save"' not in html
    r = client.post(
        url,
        {"store": level.store_id, "product": level.product_id, "on_hand": 10, "reserved": 7},
    )
    assert r.status_code == 403
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (10, 0)


def test_every_stock_level_field_is_read_only(world) -> None:  # type: ignore[no-untyped-def]
    """A field added to the model later is read-only too."""
    from django.contrib import admin
    from django.test import RequestFactory

    model_admin = admin.site._registry[StockLevel]
    request = RequestFactory().get("/")
    request.user = world.admin
    fields = {f.name for f in StockLevel._meta.concrete_fields} - {"id"}
    assert set(model_admin.get_readonly_fields(request)) == fields
    assert "reserved" in fields


def test_opening_stock_import_still_works_for_agents(world) -> None:  # type: ignore[no-untyped-def]
    client = login(world.agent)
    assert client.get(reverse("admin:stores_stocklevel_import")).status_code == 200
