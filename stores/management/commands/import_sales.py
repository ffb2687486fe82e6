"""python manage.py import_sales --sales F --stores F --products F"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stores.importers import ImportErrors, sales_import


class Command(BaseCommand):
    help = "Import stores, products and daily/weekly sales from the plain CSV schema."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sales", type=Path, required=True, help="sales.csv or sales.csv.gz")
        parser.add_argument("--stores", type=Path, required=True, help="stores.csv")
        parser.add_argument("--products", type=Path, required=True, help="products.csv")

    def handle(self, *args: Any, **opts: Any) -> None:
        for name in ("sales", "stores", "products"):
            opts[name] = Path(opts[name])
            if not opts[name].is_file():
                raise CommandError(f"--{name}: no such file {opts[name]}")
        started = time.monotonic()
        try:
            r = sales_import(sales=opts["sales"], stores=opts["stores"], products=opts["products"])
        except ImportErrors as exc:
            raise CommandError("\n".join([exc.message, *exc.fields.get("errors", [])])) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported in {time.monotonic() - started:.1f}s ({'weekly' if r.frequency == 'W' else 'daily'} data): "
                f"stores {r.stores_created} new / {r.stores_updated} updated; "
                f"products {r.products_created} new / {r.products_updated} updated; "
                f"sales rows {r.sales_created} new / {r.sales_updated} updated / "
                f"{r.sales_unchanged} unchanged."
            )
        )
