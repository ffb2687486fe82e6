"""Submit an admin change form as a browser would: every field of the page's form and inline
formsets with the values shown, then the test overrides the few it is about."""

from __future__ import annotations

from typing import Any

from django import forms


def form_data(page: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    shown = [page.context["adminform"].form]
    for inline in page.context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        shown.extend(formset.forms)
    for form in shown:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            widget = getattr(field.widget, "widget", field.widget)  # unwrap related wrappers
            key = bound.html_name
            if isinstance(widget, forms.MultiWidget):
                parts = value if isinstance(value, list) else widget.decompress(value) or []
                suffixes: list[str] = widget.widgets_names  # type: ignore[attr-defined]
                for suffix, part in zip(suffixes, parts, strict=True):
                    data[key + suffix] = "" if part is None else part
            elif isinstance(widget, forms.CheckboxInput):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = "" if value is None else str(value)
    return data
