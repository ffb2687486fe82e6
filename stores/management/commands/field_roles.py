from typing import Any

from django.core.management.base import BaseCommand

from stores.admin_roles import field_agent_group


class Command(BaseCommand):
    help = "Create or refresh the 'field agents' group and its admin permissions (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        group = field_agent_group()
        self.stdout.write(f"{group.name}: {group.permissions.count()} permissions")
