"""The file formats the admin imports (django-import-export), listed in settings.IMPORT_FORMATS.

CSV, XLSX and TSV as import-export reads them; JSON through the project's one JSON reader
(lst/json_documents.py: depth limit, no duplicate keys, no NaN or lone surrogates) under the
API's size cap, instead of tablib's `json.load`, which a deeply nested upload drives into
Python's recursion limit. YAML and HTML imports, which nobody documented or asked for, are off.
A refused file is an error on the import form, and nothing is imported.
"""

from __future__ import annotations

from typing import Any

import tablib
from django.conf import settings
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from lst.json_documents import JSONDocumentError, json_document_loads


class JSON(base_formats.JSON):
    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        raw = (
            in_stream.encode("utf-8", "surrogatepass") if isinstance(in_stream, str) else in_stream
        )
        if len(raw) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise JSONDocumentError(_("The file is too large."))
        document = json_document_loads(raw)
        if not isinstance(document, list):
            raise JSONDocumentError(_("The file must hold a list of rows."))
        dataset = tablib.Dataset()
        dataset.dict = document
        return dataset


IMPORT_FORMATS = [base_formats.CSV, base_formats.XLSX, base_formats.TSV, JSON]
