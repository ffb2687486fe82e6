"""The model registry: versions, artifacts, promotion and rollback."""

from __future__ import annotations

import contextlib
import os
import pickle
import uuid
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
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


def _write_artifact(kind: str, model: Any) -> Path:
    """Pickle `model` under a name no other registration can choose (the kind, the time and a
    random token), through a temporary file of its own, renamed when complete: a reader never
    sees half an artifact and two registrations never write the same file."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    path = artifact_dir() / f"{kind}-{stamp}-{uuid.uuid4().hex[:12]}.pkl"
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("xb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _lock_versions(kind: str) -> None:
    """Serialise the numbering of `kind`'s versions until the transaction ends.

    A PostgreSQL transaction-level advisory lock on a key derived from the kind: `SELECT ...
    FOR UPDATE` cannot lock an aggregate (Django drops it from a `MAX()`), and there is no
    parent row per kind to lock. The embedded SQLite default runs one process with
    eager tasks, so nothing registers concurrently there.
    """
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(f"lst.model_register:{kind}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _next_version(kind: str) -> int:
    """The number the next version of `kind` gets (call it under `_lock_versions`)."""
    last = ModelVersion.objects.filter(kind=kind).aggregate(v=Max("version"))
    return int(last["v"] or 0) + 1


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
    """Store a trained model as a new candidate version of `kind`.

    The artifact is written first, under a unique name, before any lock is taken; the version
    number is then the next one under the kind's lock (`_lock_versions`), held until the row is
    committed (the caller's transaction, when there is one). Two registrations at once get
    consecutive versions and keep their own files; if the row is not written, the file is
    removed (a caller's transaction rolled back later leaves an unreferenced file, never a
    row pointing at another model's file).
    """
    path = _write_artifact(kind, model)
    try:
        with transaction.atomic():
            _lock_versions(kind)
            version = ModelVersion.objects.create(
                kind=kind,
                version=_next_version(kind),
                status=Status.CANDIDATE,
                trained_at=timezone.now(),
                data_start=data_start,
                data_end=data_end,
                parameters=parameters,
                metrics=metrics,
                artifact=str(path),
                note=note,
            )
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return version


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
