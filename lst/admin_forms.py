"""Forms of the admin's own pages (onboarding)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from stores.admin_scoping import scope_queryset
from stores.models import Fixture, Store, Territory


class OnboardStoreForm(forms.ModelForm):
    owner_username = forms.CharField(label=_("Owner's login name"), max_length=150)
    owner_phone = forms.CharField(label=_("Owner's mobile phone"), max_length=20, required=False)
    owner_name = forms.CharField(label=_("Owner's name"), max_length=150, required=False)

    class Meta:
        model = Store
        fields = (
            "code",
            "name",
            "territory",
            "warehouse",
            "address",
            "city",
            "district",
            "latitude",
            "longitude",
            "neighbourhood",
            "floor_area_m2",
        )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        territory = self.fields["territory"]
        territory.queryset = scope_queryset(Territory.objects.all(), user, "")  # type: ignore[attr-defined]
        for name in ("territory", "warehouse", "address", "latitude", "longitude"):
            self.fields[name].required = True

    def clean_owner_username(self) -> str:
        name = self.cleaned_data["owner_username"].strip()
        if get_user_model().objects.filter(username=name).exists():
            raise forms.ValidationError(_("This login name is taken."))
        return name

    def clean_owner_phone(self) -> str:
        phone = self.cleaned_data["owner_phone"].strip()
        if phone and get_user_model().objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("This phone number already has an account."))
        return phone


class FixtureRowForm(forms.ModelForm):
    class Meta:
        model = Fixture
        fields = ("name", "kind", "width_cm", "depth_cm", "levels", "eye_level")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        levels, eye = data.get("levels"), data.get("eye_level")
        if levels and eye and eye > levels:
            self.add_error("eye_level", _("Eye level must be within the fixture's levels."))
        return data


FixtureFormSet = forms.formset_factory(FixtureRowForm, extra=3, max_num=20)
