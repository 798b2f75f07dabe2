"""Uploading materials and reading them back (owners only; ids are random)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, UploadFile
from fastapi import Path as InPath
from fastapi.responses import FileResponse
from pydantic import BaseModel

from onething.files import service as files
from onething.http.deps import PrincipalDep, SessionDep
from onething.http.files import file_response
from onething.http.problems import ProblemOut
from onething.kernel.db import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["files"],
                   responses={401: {"model": ProblemOut}, 422: {"model": ProblemOut}})

FileId = Annotated[str, InPath(pattern=files.ID_PATTERN, description="上传时返回的 id")]


class FileOut(BaseModel):
    id: str
    filename: str
    size: int
    content_type: str
    sha256: str


@router.post("/files", response_model=FileOut, status_code=201,
             summary="上传材料（PDF/JPEG/PNG，按内容判断类型）")
def upload(file: UploadFile, request: Request, principal: PrincipalDep,
           session: SessionDep) -> FileOut:
    """The form is parsed first (a file part is spooled to disk past 1 MB); the material is
    then read in chunks from there, in a worker thread."""
    with UnitOfWork(session):
        row = files.store(session, request.app.state.settings.data_dir, principal,
                          file.filename or "upload", file.file)
    return FileOut(id=row.id, filename=row.filename, size=row.size,
                   content_type=row.content_type, sha256=row.sha256)


@router.get("/files/{file_id}", summary="下载自己上传的材料", response_class=FileResponse)
def download(file_id: FileId, request: Request, principal: PrincipalDep,
             session: SessionDep) -> FileResponse:
    row = files.get_for(session, principal, file_id)
    return file_response(request.app.state.settings.data_dir, row)

