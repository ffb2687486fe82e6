from django.urls import URLPattern, URLResolver, path

from . import views_purchase as v

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "stores/<int:store_id>/suggestions/",
        v.SuggestionsView.as_view(),
        name="purchase-suggestions",
    ),
    path(
        "stores/<int:store_id>/suggestions/accept/",
        v.AcceptView.as_view(),
        name="purchase-suggestions-accept",
    ),
    path(
        "stores/<int:store_id>/suggestions/<int:suggestion_id>/dismiss/",
        v.DismissView.as_view(),
        name="purchase-suggestion-dismiss",
    ),
    path(
        "stores/<int:store_id>/purchase-settings/",
        v.PurchaseSettingsView.as_view(),
        name="purchase-settings",
    ),
]
