"""Expire shopper orders not accepted in time and release their stock (what the beat task
does); safe to run at any time, any number of times."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shoppers.services import orders_expire_due


class Command(BaseCommand):
    help = "Expire shopper orders past their acceptance deadline and release their stock."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=500, help="Orders per batch.")

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        total = 0
        while True:
            n = orders_expire_due(limit=limit)
            total += n
            if n < limit:
                break
        self.stdout.write(f"expired {total} order(s)")
