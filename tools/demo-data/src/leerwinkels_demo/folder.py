"""The demo folder: refused when it holds someone's files, marked as demo data when written."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from leerwinkels.privacy.pseudonymise import DEMO_MARKER


class NotADemoFolder(RuntimeError):
    """The destination holds files but is not a demo folder: real data is never overwritten."""


def demo_folder_refusal(dest: Path) -> str | None:
    """Why demo data may not be written into ``dest`` (it holds files but no demo marker),
    or None. A folder that does not exist, or holds only empty folders, is fine."""
    dest = Path(dest)
    if (dest / DEMO_MARKER).is_file() or not dest.exists():
        return None
    if not dest.is_dir() or any(path.is_file() or path.is_symlink() for path in dest.rglob("*")):
        return (f"{dest} holds files but no {DEMO_MARKER} marker, so it may be a real landing folder: "
                "demo data is never written over it. Choose an empty or new folder "
                "(`make run` uses data/demo/landing).")
    return None


def write_demo_marker(dest: Path, *, seed: int, trajectories: int) -> Path:
    """``dest/.leerwinkels-demo``: says the folder holds generated demo data (so the demo key
    may be used on it, and the generator may write into it again)."""
    dest.mkdir(parents=True, exist_ok=True)
    marker = dest / DEMO_MARKER
    marker.write_text(json.dumps({
        "generator": "leerwinkels_demo (leerwinkels demo-data)",
        "seed": seed,
        "trajectories": trajectories,
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
    }, indent=1), encoding="utf-8")
    return marker
