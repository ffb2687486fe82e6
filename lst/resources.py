"""Base of the admin's bulk imports (django-import-export).

Every import is previewed first (a dry run inside a rolled-back transaction), then confirmed;
any invalid row means nothing is written (`use_transactions`, and the confirm step is refused
while the preview shows errors). Rows are matched on natural keys (`import_id_fields`), so
importing the same file twice changes nothing the second time. Errors are keyed by the file's
column names, not the model's attribute names.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from import_export import resources


class ColumnErrorsResource(resources.ModelResource):
    def __init__(self, user: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user

    def validate_instance(
        self, instance: Any, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as exc:
            columns = {f.attribute: f.column_name for f in self.get_import_fields()}
            errors = exc.update_error_dict({})
            raise ValidationError({columns.get(k, k): v for k, v in errors.items()}) from exc

    def get_instance(self, instance_loader: Any, row: Any) -> Any:
        # A key column that does not resolve (unknown store, SKU...) is reported by
        # `import_instance` as an error on that column, not as a crash of the row.
        try:
            return super().get_instance(instance_loader, row)
        except (ValueError, ObjectDoesNotExist):
            return None

    class Meta:
        abstract = True
