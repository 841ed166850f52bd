"""The publication folder as a series of releases, switched atomically (DELIVERIES.md,
"A run is one release").

A directory cannot be replaced by ``rename`` while it exists, so the publication path
(``LEERWINKELS_PUBLICATION_DIR``, e.g. ``data/publication``) is a **symlink** to a
complete release folder next to it::

    data/publication -> .publication.releases/<run id>
    data/.publication.releases/<run id>/            the current release (CSV + workbook)
    data/.publication.releases/<previous run id>/   kept until the next switch
    data/.publication.releases/.<run id>.partial/   being written (never a reader's path)
    data/.publication.releases/.lock                held while a release is written

:func:`publish_release` writes a whole release into a hidden ``.partial`` folder, lets the
caller verify it, fsyncs it, renames it to its run id and then swaps the symlink with
``os.replace`` of a temporary symlink (atomic on POSIX): a reader of
``data/publication/*.csv`` sees the previous release or the new one, never a mix. A real
directory found at the publication path (the layout before releases) becomes a release
on the first switch.

Every temporary name starts with a dot and never ends in an output's extension, so a
``*.csv`` glob never matches one. :func:`remove_leftovers` clears what a killed run left
behind; a pending switch (its symlink made only after the release was complete and the
warehouse had committed) is completed rather than thrown away.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

_PARTIAL = ".partial"
_SWITCH = ".switch."
_LOCK = ".lock"
_MIGRATED = "migrated-"


class ReleaseError(RuntimeError):
    """The release could not be written or switched; the previous release is still current."""


def releases_dir(publication: Path) -> Path:
    """Where the release folders of ``publication`` live: a hidden sibling folder."""
    publication = Path(publication)
    return publication.parent / f".{publication.name}.releases"


def _is_release_link(path: Path) -> bool:
    return path.is_symlink() and (path.parent / os.readlink(path)).parent.absolute() == releases_dir(path).absolute()


def managed_path(publication: Path) -> Path:
    """The path whose symlink the releases switch. Usually ``publication`` itself; when an
    operator made ``publication`` a symlink to a folder of their own (a web root, say), that
    folder: it becomes the release symlink, and the operator's link keeps working."""
    path = Path(publication)
    for _ in range(40):  # the kernel's own limit on a chain of links
        if not path.is_symlink() or _is_release_link(path):
            return path
        path = path.parent / os.readlink(path)
    raise ReleaseError(f"{publication}: too many levels of symbolic links")


def current_release(publication: Path) -> str | None:
    """The name (run id) of the release the publication path points to, or None when it is
    not a release symlink (no run published yet, or the layout before releases)."""
    publication = managed_path(publication)
    if not publication.is_symlink():
        return None
    return Path(os.readlink(publication)).name


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """Every file of a freshly written (flat) folder, then the folder itself, on disk."""
    for entry in folder.iterdir():
        if entry.is_file():
            _fsync_path(entry)
    _fsync_path(folder)


@contextlib.contextmanager
def _release_lock(publication: Path) -> Iterator[Path]:
    """Only one writer of releases of ``publication`` at a time (a kernel lock: a killed
    holder releases it). Whoever holds it may treat every partial folder as a leftover."""
    folder = releases_dir(publication)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        os.close(fd)  # closing releases the flock


def _link_target(publication: Path, release: Path) -> str:
    # relative: the data folder can be moved or mounted elsewhere as a whole
    return os.path.join(releases_dir(publication).name, release.name)


def _migrate_real_folder(publication: Path, folder: Path) -> None:
    """The layout before releases: a real folder at the publication path becomes a release
    (its old-style temporary files removed), so the symlink can take its place."""
    for leftover in publication.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    publication.rename(folder / f"{_MIGRATED}{stamp}")


def _switch(publication: Path, release: Path) -> None:
    """Point ``publication`` at ``release`` atomically (``os.replace`` of a new symlink)."""
    folder = releases_dir(publication)
    link = publication.parent / f".{publication.name}{_SWITCH}{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(_link_target(publication, release), link)
    if publication.exists() and not publication.is_symlink():
        if not publication.is_dir():
            link.unlink(missing_ok=True)
            raise ReleaseError(f"{publication} is a file, not a publication folder: move it away")
        # From here until the replace below the path is briefly absent; remove_leftovers
        # completes this pending switch if the run is killed in between.
        _migrate_real_folder(publication, folder)
    os.replace(link, publication)
    _fsync_path(publication.parent)


def _prune(folder: Path, keep: set[str]) -> None:
    for entry in folder.iterdir():
        if entry.name == _LOCK or entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _remove_leftovers_locked(publication: Path) -> list[str]:
    folder = releases_dir(publication)
    removed: list[str] = []
    # A killed run's pending switch: its release was complete (renamed from .partial only
    # after fsync and verification) and its warehouse load had committed before the link was
    # made (publication_export runs after warehouse_tables), so completing it makes the
    # publication match the warehouse again.
    for link in sorted(publication.parent.glob(f".{publication.name}{_SWITCH}*")):
        target = publication.parent / os.readlink(link) if link.is_symlink() else None
        if target is not None and target.is_dir() and target.parent == folder and not target.name.startswith("."):
            if publication.exists() and not publication.is_symlink():
                _migrate_real_folder(publication, folder)
            os.replace(link, publication)
            _fsync_path(publication.parent)
            removed.append(f"completed the interrupted switch to release {target.name}")
        else:
            link.unlink(missing_ok=True)
            removed.append(link.name)
    for entry in folder.glob(f".*{_PARTIAL}"):
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry.name)
    if publication.is_dir() and not publication.is_symlink():
        for leftover in publication.glob(".*.tmp"):  # temporary files of the layout before releases
            leftover.unlink(missing_ok=True)
            removed.append(leftover.name)
    return removed


def remove_leftovers(publication: Path) -> list[str]:
    """Clear what a killed run left next to ``publication``: partial release folders,
    temporary switch links (a complete pending switch is finished instead) and the
    temporary files of the layout before releases. Returns what it did (names only)."""
    publication = managed_path(publication)
    if not releases_dir(publication).is_dir() and not publication.is_dir():
        return []
    with _release_lock(publication):
        return _remove_leftovers_locked(publication)


def publish_release(
    publication: Path,
    release_id: str,
    write: Callable[[Path], list[Path]],
    verify: Callable[[Path], None] | None = None,
) -> Path:
    """Write a complete release with ``write(folder)``, check it with ``verify(folder)``
    (raise to refuse it), then switch ``publication`` to it. Returns the release folder.

    Anything raised before the switch leaves the previous release current and removes the
    partial folder. After the switch the previous release is kept (a reader that opened
    it mid-way keeps its files) and older ones are removed.
    """
    publication = managed_path(publication)
    with _release_lock(publication) as folder:
        _remove_leftovers_locked(publication)
        previous = current_release(publication)
        partial = folder / f".{release_id}{_PARTIAL}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        try:
            write(partial)
            if verify is not None:
                verify(partial)
            _fsync_tree(partial)
            final = folder / release_id
            if final.exists() and release_id != previous:
                shutil.rmtree(final)  # a stale copy of this id (never the current one)
            elif final.exists():
                raise ReleaseError(f"release {release_id} is already the current publication")
            partial.rename(final)
            _fsync_path(folder)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        _switch(publication, final)
        keep = {final.name, *([previous] if previous else [])}
        if previous is None:  # a migrated folder is the previous release
            keep |= {e.name for e in folder.glob(f"{_MIGRATED}*")}
        _prune(folder, keep)
        return final


__all__ = [
    "ReleaseError",
    "current_release",
    "managed_path",
    "publish_release",
    "releases_dir",
    "remove_leftovers",
]
