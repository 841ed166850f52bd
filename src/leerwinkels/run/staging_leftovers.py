"""What a killed run leaves in the staging folder, and how the next run clears it.

``write_frames`` (resources/staging_store.py) replaces a stored folder ``X`` by writing
``.X.<uuid hex>.tmp``, renaming ``X`` to ``.X.<uuid hex>.old``, renaming the ``.tmp`` folder
to ``X`` and removing the ``.old`` one. A kill between those steps leaves a ``.tmp`` or
``.old`` folder; a kill between the two renames leaves no ``X`` at all, and then the ``.old``
folder is the last good data (the step that wrote the ``.tmp`` never succeeded): it is put
back. Call only while holding the consolidation lock (run_lock.py): then no other writer's
folders are in flight.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

_LEFTOVER = re.compile(r"^\.(?P<target>.+)\.[0-9a-f]{32}\.(?P<kind>tmp|old)$")


def clear_staging_leftovers(staging_dir: Path) -> list[str]:
    """Remove ``.tmp``/``.old`` folders of interrupted writes under ``staging_dir`` (an
    ``.old`` folder whose target is missing is restored instead). Returns what it did,
    as paths relative to the staging folder."""
    staging_dir = Path(staging_dir)
    if not staging_dir.is_dir():
        return []
    done: list[str] = []
    for parent, dirs, _files in os.walk(staging_dir):
        found = [(name, m) for name in dirs if (m := _LEFTOVER.match(name))]
        # .old first: restoring one must happen before the matching .tmp is removed
        for name, match in sorted(found, key=lambda item: item[1]["kind"] != "old"):
            path = Path(parent) / name
            target = Path(parent) / match["target"]
            relative = path.relative_to(staging_dir)
            if match["kind"] == "old" and not target.exists():
                path.rename(target)
                done.append(f"restored {relative.parent / match['target']} from an interrupted write")
            else:
                shutil.rmtree(path, ignore_errors=True)
                done.append(f"removed {relative}")
        dirs[:] = [d for d in dirs if not _LEFTOVER.match(d)]  # never descend into them
    return done


__all__ = ["clear_staging_leftovers"]
