"""Import services: preview (validate every row, store the batch) → commit (write the valid rows).

Preview and commit are separate requests. The upload is read once, at preview; its valid rows
are kept with the ``ImportBatch`` normalised and encrypted (``staged``) and deleted once written,
so clear ID numbers never sit on disk. Commit re-checks what may have changed since the preview
and writes in one transaction: either every valid row is saved or none is.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from typing import IO, Any

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.scoping import scope_for
from linli.people.importing import Outcome, commit_staged, preview_sheet
from linli.people.models import ImportBatch, ImportStatus

logger = logging.getLogger(__name__)
MAX_IMPORT_BYTES: int = settings.IMPORT_MAX_BYTES
MAX_STORED_ERRORS = 5000
STAGING_MAX_HOURS: int = settings.IMPORT_STAGING_HOURS


def _require_importer(actor: Any) -> None:
    if scope_for(actor, "manage").empty:
        raise Forbidden(_("只有社区工作人员及以上可以导入台账"))


def check_upload_size(size: int) -> None:
    if size > MAX_IMPORT_BYTES:
        raise InvalidInput(
            _("文件太大(%(size)s MB),上限为 %(limit)d MB;请分成几个文件上传")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_IMPORT_BYTES // 1024 // 1024},
            field="file",
        )
    if size == 0:
        raise InvalidInput(_("文件是空的"), field="file")


def import_preview(*, actor: Any, upload: IO[bytes], name: str, size: int) -> ImportBatch:
    """Validate every row of an uploaded sheet and keep it as a batch awaiting commit."""
    _require_importer(actor)
    check_upload_size(size)
    with tempfile.TemporaryFile() as staging:
        outcome = preview_sheet(upload, name, actor=actor, staging=staging)
        staging.seek(0)
        with transaction.atomic():
            batch = ImportBatch(created_by=actor, original_name=name[:200], size=size)
            _apply(batch, outcome)
            batch.staged.save(f"import-{timezone.now():%Y%m%d%H%M%S}.staged", File(staging), save=False)
            batch.save()
        audit_record(
            action="resident.import_preview",
            actor=actor,
            target=batch,
            rows=outcome.total,
            valid=outcome.valid,
            error_rows=outcome.error_rows,
        )
    return batch


def _apply(batch: ImportBatch, outcome: Outcome) -> None:
    batch.file_kind = outcome.kind
    batch.encoding = outcome.encoding
    batch.total_rows = outcome.total
    batch.valid_rows = outcome.valid
    batch.error_rows = outcome.error_rows
    batch.new_rows = outcome.new
    batch.update_rows = outcome.updated
    batch.party_dropped = outcome.party_dropped
    batch.errors = outcome.errors[:MAX_STORED_ERRORS]


def access_batch(actor: Any, pk: Any) -> ImportBatch:
    """A batch is its uploader's own; anyone else gets the same 404 as a missing id."""
    try:
        return ImportBatch.objects.get(pk=pk, created_by=actor)
    except (ImportBatch.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("未找到该导入批次")) from None


def import_commit(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """Queue the write of a previewed batch (a Huey task; immediate in tests and small setups)."""
    from linli.people.tasks import import_execute_task

    _require_importer(actor)
    if batch.created_by_id != actor.pk:
        raise NotFound(_("未找到该导入批次"))
    if batch.status == ImportStatus.EXPIRED:
        raise Conflict(
            ngettext(
                "预检结果已超过 %(hours)d 小时未导入,已删除;请重新上传文件",
                "预检结果已超过 %(hours)d 小时未导入,已删除;请重新上传文件",
                STAGING_MAX_HOURS,
            )
            % {"hours": STAGING_MAX_HOURS}
        )
    if batch.valid_rows == 0:
        raise Conflict(_("没有可导入的有效行"))
    # One UPDATE guards against a double click: only the first request moves it to "queued".
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(status=ImportStatus.QUEUED)
    if not claimed:
        raise Conflict(_("该批次已经提交过导入"))
    import_execute_task(batch.pk, translation.get_language())
    batch.refresh_from_db()
    return batch


def import_execute(*, batch_id: int, language: str | None = None) -> ImportBatch:
    """Write the staged rows of a queued batch in one transaction, then delete the staged file.

    What it adds to the batch (the errors of rows refused at commit, why the import failed) is written
    in ``language``, the uploader's when they committed: a worker has no request to take it from."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _execute(batch_id)


def _execute(batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.status != ImportStatus.QUEUED:
        return batch
    actor = batch.created_by
    try:
        with transaction.atomic():
            with batch.staged.open("rb") as staging:
                outcome = commit_staged(staging, actor=actor, source=f"导入批次 {batch.pk}")
            batch.errors = sorted(batch.errors + outcome.errors, key=lambda e: e[0])[:MAX_STORED_ERRORS]
            batch.error_rows += outcome.error_rows
            batch.valid_rows = outcome.valid
            batch.created_count = outcome.new
            batch.updated_count = outcome.updated
            batch.status = ImportStatus.COMMITTED
            batch.committed_at = timezone.now()
            batch.message = ""
            batch.save()
            audit_record(
                action="resident.import",
                actor=actor,
                target=batch,
                created=outcome.new,
                updated=outcome.updated,
                error_rows=outcome.error_rows,
            )
    except InvalidInput as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, message=exc.message)
    except Exception:
        # Nothing was written (the transaction rolled back); say so on the batch, keep the traceback in the log.
        logger.exception("import batch %s failed", batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED, message=_("导入时发生系统错误,未写入任何记录;请联系管理员")
        )
    # Written or failed, the staged rows (clear ID numbers, encrypted) have no further use: a failed
    # batch cannot be committed again, the user uploads the sheet anew.
    _drop_staged(batch)
    batch.refresh_from_db()
    return batch


def _drop_staged(batch: ImportBatch) -> None:
    if batch.staged:
        batch.staged.delete(save=False)  # a file already gone is not an error
    ImportBatch.objects.filter(pk=batch.pk).update(staged="")


def import_staging_cleanup(*, older_than_hours: int = STAGING_MAX_HOURS, now: dt.datetime | None = None) -> int:
    """Delete the staged rows of previews nobody committed within ``older_than_hours`` (and of
    failed batches); such batches become "expired" and keep their counts and error list.
    Queued batches are left alone: a worker may be writing them. Returns how many were cleaned."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=older_than_hours)
    stale = ImportBatch.objects.filter(created_at__lt=cutoff).exclude(staged="")
    cleaned = 0
    for batch in stale.filter(status__in=[ImportStatus.PREVIEWED, ImportStatus.FAILED]).iterator():
        # Claim it first: a commit racing with the sweep either wins (status queued) or finds it expired.
        expired = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
            status=ImportStatus.EXPIRED
        )
        if not expired and batch.status != ImportStatus.FAILED:
            continue
        _drop_staged(batch)
        audit_record(action="resident.import_expired", target=batch, hours=older_than_hours)
        cleaned += 1
    if cleaned:
        logger.info("deleted the staged rows of %s abandoned import previews", cleaned)
    return cleaned
