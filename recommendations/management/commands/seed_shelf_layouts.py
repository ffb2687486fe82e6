"""python manage.py seed_shelf_layouts [--stores ID ...]

Gives every fixture without a recorded current layout a plain one (products by category, two
facings where they fit): the demo's "before" picture the shelf plans are compared with.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from recommendations import data
from recommendations.services.shelf import shelf_layouts_seed


class Command(BaseCommand):
    help = "Record a plain current layout for every fixture that has none (demo data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stores", type=int, nargs="*", help="Only these store ids.")

    def handle(self, *args: Any, **opts: Any) -> None:
        ids = opts["stores"] or data.active_store_ids()
        n = shelf_layouts_seed(store_ids=ids)
        self.stdout.write(self.style.SUCCESS(f"{n} fixture layouts recorded."))
