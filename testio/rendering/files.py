"""Where report files may be written: only inside the reports directory, owner-readable only."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from testio.errors import InvalidArgumentError
from testio.rendering.formats import Format

EXTENSIONS: dict[str, Format] = {
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}
FILE_FORMATS: tuple[Format, ...] = ("json", "csv", "markdown", "html")


def format_for(name: str, requested: str | None) -> Format:
    """The file format: the one asked for, else from the extension, else JSON."""
    if requested is not None:
        if requested not in FILE_FORMATS:
            raise InvalidArgumentError(
                f"Unknown report format {requested!r}; use json, csv, markdown or html."
            )
        return requested  # pyright: ignore[reportReturnType]  # narrowed by the check above
    return EXTENSIONS.get(Path(name).suffix.lower(), "json")


def safe_report_path(reports_dir: Path, name: str) -> Path:
    """The path of `name` inside `reports_dir`; absolute paths, `..` and symlinks out are refused."""
    if "\x00" in name or not name.strip():
        raise InvalidArgumentError("output_file must be a plain file name such as ebr-2025.md.")
    if (
        PurePosixPath(name).is_absolute()
        or PureWindowsPath(name).is_absolute()
        or name.startswith("~")
    ):
        raise InvalidArgumentError(
            f"output_file must be relative to the reports directory ({reports_dir}), not an absolute path."
        )
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if any(p == ".." for p in parts):
        raise InvalidArgumentError(
            "output_file must stay inside the reports directory; '..' is not allowed."
        )
    root = reports_dir.expanduser().resolve()
    target = (root / Path(*parts)).resolve()
    if target != root and root not in target.parents:
        raise InvalidArgumentError(
            "output_file must stay inside the reports directory; symlinks out are refused."
        )
    if target.is_dir():
        raise InvalidArgumentError(f"output_file {name!r} is a directory; give a file name.")
    return target


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only, atomically (a partial file is never left behind)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)
