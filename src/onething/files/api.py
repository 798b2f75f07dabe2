"""Uploading materials and reading them back (owners only; ids are random)."""

from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel

from onething.deps import PrincipalDep, SessionDep
from onething.errors import Invalid
from onething.files import service as files
from onething.problems import ProblemOut

router = APIRouter(prefix="/api/v1", tags=["files"],
                   responses={401: {"model": ProblemOut}, 422: {"model": ProblemOut}})


class FileOut(BaseModel):
    id: str
    filename: str
    size: int
    content_type: str
    sha256: str


@router.post("/files", response_model=FileOut, status_code=201,
             summary="上传材料（PDF/JPEG/PNG，按内容判断类型）")
async def upload(file: UploadFile, request: Request, principal: PrincipalDep,
                 session: SessionDep) -> FileOut:
    data = await file.read(files.MAX_BYTES + 1)
    if len(data) > files.MAX_BYTES:
        raise Invalid("文件过大", code="file_too_large")
    row = files.store(session, request.app.state.settings.data_dir, principal,
                      file.filename or "upload", data)
    session.commit()
    return FileOut(id=row.id, filename=row.filename, size=row.size,
                   content_type=row.content_type, sha256=row.sha256)


@router.get("/files/{file_id}", summary="下载自己上传的材料", response_class=FileResponse)
def download(file_id: str, request: Request, principal: PrincipalDep,
             session: SessionDep) -> FileResponse:
    row = files.get_for(session, principal, file_id)
    path = files.blob_path(request.app.state.settings.data_dir, row.sha256)
    return FileResponse(path, media_type=row.content_type, filename=row.filename)
