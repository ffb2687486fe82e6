"""The model registry: versions, artifacts, promotion and rollback."""

from __future__ import annotations

import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lst.errors import Conflict

from ..models import ModelVersion

Status = ModelVersion.Status


def artifact_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def model_register(
    *,
    kind: str,
    model: Any,
    parameters: dict[str, Any],
    metrics: dict[str, Any],
    data_start: Any,
    data_end: Any,
    note: str = "",
) -> ModelVersion:
    """Store a trained model as a new candidate version (artifact pickled next to the media)."""
    last = ModelVersion.objects.select_for_update().filter(kind=kind).aggregate(v=Max("version"))
    version = (last["v"] or 0) + 1
    path = artifact_dir() / f"{kind}-v{version}.pkl"
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)  # atomic: a reader never sees half an artifact
    return ModelVersion.objects.create(
        kind=kind,
        version=version,
        status=Status.CANDIDATE,
        trained_at=timezone.now(),
        data_start=data_start,
        data_end=data_end,
        parameters=parameters,
        metrics=metrics,
        artifact=str(path),
        note=note,
    )


@transaction.atomic
def model_promote(*, version: ModelVersion, note: str = "") -> ModelVersion:
    """Make `version` the active model of its kind; the previous active one is retired."""
    locked = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if not locked.artifact or not Path(locked.artifact).exists():
        raise Conflict(_("This model version has no artifact to serve."), code="no_artifact")
    ModelVersion.objects.filter(kind=locked.kind, status=Status.ACTIVE).exclude(
        pk=locked.pk
    ).update(status=Status.RETIRED, updated_at=timezone.now())
    locked.status = Status.ACTIVE
    if note:
        locked.note = f"{locked.note}\n{note}".strip()
    locked.save(update_fields=["status", "note", "updated_at"])
    return locked


@transaction.atomic
def model_reject(*, version: ModelVersion, note: str) -> ModelVersion:
    ModelVersion.objects.filter(pk=version.pk).update(
        status=Status.REJECTED, note=note, updated_at=timezone.now()
    )
    version.refresh_from_db()
    return version


def model_rollback(*, kind: str) -> ModelVersion:
    """Serve the most recent retired version again (undo the last promotion)."""
    previous = (
        ModelVersion.objects.filter(kind=kind, status=Status.RETIRED).order_by("-version").first()
    )
    if previous is None:
        raise Conflict(_("There is no earlier model to roll back to."), code="no_previous_model")
    return model_promote(version=previous, note="rolled back")


def active_model(kind: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(kind=kind, status=Status.ACTIVE).first()


@lru_cache(maxsize=4)
def load_artifact(path: str, mtime: float) -> Any:
    """Unpickle an artifact written by `model_register` (cached per process by path + mtime)."""
    with open(path, "rb") as fh:
        return pickle.load(fh)  # noqa: S301 - our own artifacts, written by model_register


def load_model(version: ModelVersion) -> Any:
    path = Path(version.artifact)
    return load_artifact(str(path), path.stat().st_mtime)
