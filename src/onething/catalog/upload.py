"""A catalog sent by upload: a zip of the catalog folder, or a single YAML file holding every
section. Unpacked into a temporary folder and validated by the same code as `onething
catalog load` (`validate.validate_directory`), each problem at its file (its path inside the
zip) and line."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from onething.catalog.source import Problem
from onething.catalog.spec import CatalogFileSpec
from onething.catalog.validate import validate_directory

MAX_BYTES = 10 * 1024 * 1024  # the upload
MAX_UNPACKED = 50 * 1024 * 1024  # every YAML file of a zip, unpacked
MAX_FILES = 2000
SUFFIXES = (".yaml", ".yml")


def read_upload(data: bytes, filename: str) -> tuple[CatalogFileSpec | None, list[Problem]]:
    """The catalog document of an uploaded zip or YAML file if valid, else None and every
    problem (a problem of the upload itself names the file at line 0)."""
    name = PurePosixPath(filename.replace("\\", "/")).name or "catalog.yaml"
    if not data:
        return None, [Problem(name, 0, "上传的文件是空的")]
    if len(data) > MAX_BYTES:
        return None, [Problem(name, 0, f"文件超过 {MAX_BYTES // 1024 // 1024} MB")]
    with tempfile.TemporaryDirectory(prefix="catalog-") as tmp:
        root = Path(tmp)
        if zipfile.is_zipfile(io.BytesIO(data)):
            problem = _unzip(data, name, root)
            if problem is not None:
                return None, [problem]
        elif name.endswith(SUFFIXES):
            (root / name).write_bytes(data)
        else:
            return None, [Problem(name, 0, "请上传目录文件夹的 zip 压缩包，或一个 .yaml 目录文件")]
        return validate_directory(root, relative=True)


def _unzip(data: bytes, name: str, root: Path) -> Problem | None:
    """Writes the zip's YAML files below `root` (nothing else); a problem if it cannot."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist()
                       if not m.is_dir() and m.filename.endswith(SUFFIXES)
                       and "__MACOSX" not in m.filename]
            if not members:
                return Problem(name, 0, "压缩包中没有 .yaml 目录文件")
            if len(members) > MAX_FILES:
                return Problem(name, 0, f"压缩包中的目录文件超过 {MAX_FILES} 个")
            if sum(m.file_size for m in members) > MAX_UNPACKED:
                return Problem(name, 0, f"解压后超过 {MAX_UNPACKED // 1024 // 1024} MB")
            for member in members:
                path = PurePosixPath(member.filename.replace("\\", "/"))
                if path.is_absolute() or ".." in path.parts:
                    return Problem(name, 0, f"压缩包中的路径不安全：{member.filename}")
                target = root.joinpath(*path.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        return Problem(name, 0, f"无法解压：{exc}")
    return None
