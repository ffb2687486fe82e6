"""Territory scoping for the admin: a field agent sees only the stores of the territories they
look after (and of every territory below them), and only those stores' rows in other models.

One rule, applied by one mixin:

- a superuser sees everything;
- any other staff user sees the rows whose store lies in a territory they are a field agent of,
  or below one (a regional manager is an agent of a region territory);
- a staff user with no territory sees no store-scoped row at all.

The filter is a SQL subquery (no extra query per request, no Python recursion), so it composes
with the changelist's own query and keeps query counts constant. Territories are at most
``MAX_DEPTH`` levels deep (region > city > district, and one spare level).

``get_object`` answers 404 for an object outside the user's territories, exactly as for a missing
one: opening another territory's store by URL tells nothing about it.
"""

from __future__ import annotations

from typing import Any, TypedDict

from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from .models import Store, Territory

MAX_DEPTH = len(Territory.Kind.choices) + 1


class _PkRow(TypedDict):
    pk: int


def territory_scope(user: Any) -> QuerySet[Territory, _PkRow]:
    """Territories `user` looks after, with all their descendants (a lazy subquery)."""
    q = Q()
    for depth in range(MAX_DEPTH):
        q |= Q(**{"parent__" * depth + "field_agents": user.pk})
    return Territory.objects.filter(q).values("pk")


def sees_everything(user: Any) -> bool:
    return bool(user.is_active and user.is_superuser)


def scope_queryset(qs: QuerySet[Any], user: Any, path: str) -> QuerySet[Any]:
    """Rows of `qs` whose territory (reached through `path`, "" for a Territory itself) is in
    the user's scope. `path` may cross a many-valued relation: then rows are matched by pk so
    the result has no duplicates."""
    if sees_everything(user):
        return qs
    if not user.is_active or not user.is_staff:
        return qs.none()
    scope = territory_scope(user)
    if path == "":
        return qs.filter(pk__in=scope)
    if path.startswith("!"):  # many-valued: match via a subquery on pk
        inner = qs.model._default_manager.filter(**{f"{path[1:]}__in": scope}).values("pk")
        return qs.filter(pk__in=inner)
    return qs.filter(**{f"{path}__in": scope})


def stores_in_scope(user: Any) -> QuerySet[Store]:
    return scope_queryset(Store.objects.all(), user, "territory")


class TerritoryScopedAdminMixin:
    """Mix into a ModelAdmin (or inline) and set `territory_path`: the ORM path from the model
    to its store's `Territory` ("store__territory"), "" for Territory itself, or a path prefixed
    with "!" when it crosses a many-valued relation (users: "!memberships__store__territory").

    Foreign keys to stores and territories offered in forms (selects, raw ids, autocompletes)
    are limited to the scope too, so nothing can be moved into another territory.
    """

    territory_path: str = "store__territory"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return scope_queryset(qs, request.user, self.territory_path)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404(_("No such object in your territories."))
        return obj

    def in_scope(self, request: HttpRequest, obj: Model) -> bool:
        if sees_everything(request.user):
            return True
        cache = request.__dict__.setdefault("_lst_in_scope", {})
        key = (type(obj), obj.pk)
        if key not in cache:
            model = type(obj)
            base = scope_queryset(model._default_manager.all(), request.user, self._path_for(obj))
            cache[key] = base.filter(pk=obj.pk).exists()
        return bool(cache[key])

    def _path_for(self, obj: Model) -> str:
        return self.territory_path

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)  # type: ignore[misc]
        return bool(allowed and (obj is None or self.in_scope(request, obj)))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return bool(allowed and (obj is None or self.in_scope(request, obj)))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_view_permission(request, obj)  # type: ignore[misc]
        return bool(allowed and (obj is None or self.in_scope(request, obj)))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related = db_field.related_model
        if related is Store:
            kwargs["queryset"] = stores_in_scope(request.user)
        elif related is Territory:
            kwargs["queryset"] = scope_queryset(Territory.objects.all(), request.user, "")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


def scoped_list_filter(field: str) -> tuple[str, Any]:
    """A list filter on a relation that offers only the values present in the scoped rows (so a
    field agent never sees the names of other territories' stores in the sidebar)."""
    return (field, RelatedOnlyFieldListFilter)
