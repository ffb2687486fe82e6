"""import_sales: round trip of a file it writes, idempotence, and clean refusal of bad files."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Product
from catalog.selectors import products_list
from stores.models import DailySales, Store

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def _write(tmp: Path, sales_rows: list[list[str]], gz: bool = True) -> dict[str, Path]:
    stores = tmp / "stores.csv"
    stores.write_text(
        "store_id,name,city,segment\nS1,North,Springfield,UPSCALE\nS2,South,Springfield,VALUE\n",
        encoding="utf-8",
    )
    products = tmp / "products.csv"
    products.write_text(
        "product_id,name,category,manufacturer\nP1,Oat cereal,CEREAL,Acme\n"
        "P2,Pretzels,BAG SNACKS,Acme\n",
        encoding="utf-8",
    )
    sales = tmp / ("sales.csv.gz" if gz else "sales.csv")
    opener = gzip.open if gz else open
    with opener(sales, "wt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
        w = csv.writer(fh)
        w.writerow(
            [
                "date",
                "store_id",
                "product_id",
                "units",
                "price",
                "base_price",
                "promo",
                "display",
                "feature",
                "tpr",
            ]
        )
        w.writerows(sales_rows)
    return {"sales": sales, "stores": stores, "products": products}


GOOD = [
    ["2024-01-07", "S1", "P1", "5", "2.50", "3.00", "1", "0", "0", "1"],
    ["2024-01-14", "S1", "P1", "3", "3.00", "3.00", "0", "0", "0", "0"],
    ["2024-01-07", "S2", "P2", "7", "1.20", "1.20", "0", "1", "0", "0"],
    ["2024-01-14", "S2", "P1", "0", "3.00", "3.00", "0", "0", "0", "0"],
]


def test_round_trip_of_a_file_it_writes(tmp_path: Path) -> None:
    call_command("import_sales", **{k: str(v) for k, v in _write(tmp_path, GOOD).items()})
    assert sorted(Store.objects.values_list("code", "name")) == [("s1", "North"), ("s2", "South")]
    p1 = Product.objects.get(sku="P1")
    assert (p1.name, p1.category.name, p1.brand, p1.retail_price) == (
        "Oat cereal",
        "CEREAL",
        "Acme",
        Decimal("3.00"),
    )
    rows = sorted(
        DailySales.objects.values_list(
            "store__code", "product__sku", "date", "units", "revenue", "promo"
        )
    )
    assert rows == [
        ("s1", "P1", dt.date(2024, 1, 7), 5, Decimal("12.50"), True),
        ("s1", "P1", dt.date(2024, 1, 14), 3, Decimal("9.00"), False),
        ("s2", "P1", dt.date(2024, 1, 14), 0, Decimal("0.00"), False),
        ("s2", "P2", dt.date(2024, 1, 7), 7, Decimal("8.40"), True),
    ]


def test_imported_products_are_found_by_pinyin(tmp_path: Path) -> None:
    """The import writes products in bulk (no Product.save): it sets their pinyin keys itself."""
    files = _write(tmp_path, GOOD)
    files["products"].write_text(
        "product_id,name,category,manufacturer\nP1,可口可乐 330ml,饮料,可口可乐\n"
        "P2,乐事薯片,零食,乐事\n",
        encoding="utf-8",
    )
    call_command("import_sales", **{k: str(v) for k, v in files.items()})
    found = products_list(q="kele").values_list("sku", flat=True)
    assert list(found) == ["P1"]
    assert list(products_list(q="lssp").values_list("sku", flat=True)) == ["P2"]


def test_reimport_changes_nothing_and_a_changed_row_is_updated(tmp_path: Path) -> None:
    files = {k: str(v) for k, v in _write(tmp_path, GOOD).items()}
    call_command("import_sales", **files)
    before = list(DailySales.objects.order_by("pk").values_list("pk", "units", "updated_at"))
    call_command("import_sales", **files)
    assert (
        list(DailySales.objects.order_by("pk").values_list("pk", "units", "updated_at")) == before
    )
    changed = [r[:] for r in GOOD]
    changed[1][3] = "4"
    call_command("import_sales", **{k: str(v) for k, v in _write(tmp_path, changed).items()})
    assert DailySales.objects.get(date=dt.date(2024, 1, 14), store__code="s1").units == 4
    assert DailySales.objects.count() == 4


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["2024-13-07", "S1", "P1", "5", "2.5", "3", "1", "0", "0", "1"],
            "sales.csv line 3, column date: '2024-13-07'",
        ),
        (
            ["2024-01-21", "S1", "P1", "-2", "2.5", "3", "1", "0", "0", "1"],
            "sales.csv line 3, column units: '-2'",
        ),
        (
            ["2024-01-21", "S9", "P1", "2", "2.5", "3", "1", "0", "0", "1"],
            "sales.csv line 3, column store_id: 'S9' is not in stores.csv",
        ),
        (
            ["2024-01-21", "S1", "P1", "2", "abc", "3", "1", "0", "0", "1"],
            "sales.csv line 3, column price: 'abc'",
        ),
        (
            ["2024-01-21", "S1", "P1", "2", "2.5", "3", "yes", "0", "0", "1"],
            "sales.csv line 3, column promo: 'yes' is not 0 or 1",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_line_and_column_and_nothing_is_written(
    tmp_path: Path, row: list[str], message: str
) -> None:
    files = _write(tmp_path, [GOOD[0], row], gz=False)
    with pytest.raises(CommandError) as err:
        call_command("import_sales", **{k: str(v) for k, v in files.items()})
    assert message in str(err.value)
    assert Store.objects.count() == Product.objects.count() == DailySales.objects.count() == 0


def test_missing_columns_are_named(tmp_path: Path) -> None:
    files = _write(tmp_path, GOOD)
    files["products"].write_text("product_id,title\nP1,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"products\.csv: missing column"):
        call_command("import_sales", **{k: str(v) for k, v in files.items()})
