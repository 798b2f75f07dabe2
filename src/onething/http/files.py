"""Stored files as downloads, through either door (API and pages)."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse

from onething.files import service as files
from onething.files.models import StoredFile
from onething.kernel.errors import NotFound


def file_response(root: Path, row: StoredFile) -> FileResponse:
    """The stored bytes as a download under the sanitised name, never rendered in the page."""
    path = files.blob_path(root, row.sha256)
    if not path.is_file():
        raise NotFound("文件内容已不存在，请重新上传", code="file_missing")
    return FileResponse(path, media_type=row.content_type, filename=row.filename,
                        headers={"X-Content-Type-Options": "nosniff"})
