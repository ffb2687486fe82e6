"""python manage.py seed_demo [--stores N --products N --days N --seed S]"""

from __future__ import annotations

import datetime as dt
import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from lst.demo.seed import demo_logins, seed_demo
from lst.models import User
from stores.models import Store


class Command(BaseCommand):
    help = "Build a realistic, deterministic demo chain (warehouses, stores, catalog, sales)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stores", type=int, default=20)
        parser.add_argument("--products", type=int, default=100)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--end-date",
            type=dt.date.fromisoformat,
            default=None,
            help="Last day of sales history (default: yesterday, store-local).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already has stores.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if Store.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("Database already has data; demo seed skipped.")
                if User.objects.filter(username="owner001").exists():
                    self._print_logins(demo_logins())
                return
            raise CommandError(
                "The database already has stores; seed_demo needs an empty one "
                "(python manage.py flush, or delete db.sqlite3)."
            )
        for name in ("stores", "products", "days"):
            if opts[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        end = opts["end_date"] or timezone.localdate() - dt.timedelta(days=1)
        bars: list[tqdm] = []

        def progress(label: str, total: int):  # type: ignore[no-untyped-def]
            bar = tqdm(total=total, desc=label, unit="rows", disable=opts["verbosity"] < 1)
            bars.append(bar)
            return bar.update

        started = time.monotonic()
        report = seed_demo(
            stores=opts["stores"],
            products=opts["products"],
            days=opts["days"],
            seed=opts["seed"],
            end_date=end,
            progress=progress,
        )
        for bar in bars:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo chain built in {time.monotonic() - started:.1f}s: {report.stores} stores, "
                f"{report.products} products, {report.sales_rows} daily sales rows up to {end}."
            )
        )
        self._print_logins(report.logins)

    def _print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        self.stdout.write("Demo logins (admin at /admin/, apps at /api/v1/):")
        for line in login_table(logins):
            self.stdout.write(line)


def display_width(text: str) -> int:
    """Terminal columns: Chinese characters (East Asian wide or full-width) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def login_table(rows: list[tuple[str, str, str]]) -> list[str]:
    """Role, user and password in columns that line up in a terminal, Chinese included."""
    head = ("role", "user", "password")
    widths = [max(display_width(r[i]) for r in [head, *rows]) for i in range(2)]

    def line(row: tuple[str, str, str]) -> str:
        cells = [cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(row[:2])]
        return "  " + "  ".join([*cells, row[2]])

    return [line(head), *(line(r) for r in rows)]
