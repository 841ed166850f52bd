"""Parquet IO manager for the staged (already pseudonymised) and model frames.

Staged output per Leerwinkel partition is kept between runs: a Leerwinkel whose new
delivery cannot be read keeps its last good staged data here, and a failure marker says why.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import dagster as dg
import polars as pl

from leerwinkels.ingest.readers import file_identity

FAILURE_MARKER = "_failed.json"


def _asset_path(base_dir: str, asset_key: dg.AssetKey, partition: str | None) -> Path:
    path = Path(base_dir).joinpath(*asset_key.path)
    return path / partition if partition else path


class StagingStore(dg.ConfigurableResource):
    """The staging folder as seen by assets: failure markers of partitions whose delivery
    could not be read (the IO manager keeps their last good data in place)."""

    base_dir: str = "data/staging"

    def _path(self, asset_key: dg.AssetKey, partition: str | None) -> Path:
        return _asset_path(self.base_dir, asset_key, partition)

    def mark_failed(self, asset_key: dg.AssetKey, partition: str, message: str, state: str = "unreadable") -> None:
        """Record why this run did not use the partition's delivery (its last good data stays)."""
        folder = self._path(asset_key, None)
        folder.mkdir(parents=True, exist_ok=True)
        marker = folder / f"{partition}{FAILURE_MARKER}"
        tmp = folder / f".{marker.name}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps({"state": state, "message": message}), encoding="utf-8")
        os.replace(tmp, marker)

    def clear_failed(self, asset_key: dg.AssetKey, partition: str) -> None:
        (self._path(asset_key, None) / f"{partition}{FAILURE_MARKER}").unlink(missing_ok=True)

    def failures(self, asset_key: dg.AssetKey) -> dict[str, dict[str, str]]:
        """Partition → {state, message} of the deliveries the latest run of that partition did not use."""
        folder = self._path(asset_key, None)
        if not folder.is_dir():
            return {}
        found = {}
        for marker in folder.glob(f"*{FAILURE_MARKER}"):
            try:
                record = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record = {"message": "the record of the failed delivery cannot be read"}
            found[marker.name[: -len(FAILURE_MARKER)]] = {"state": record.get("state", "unreadable"), "message": record.get("message", "")}
        return found

    def partition_dir(self, asset_key: dg.AssetKey, partition: str) -> Path:
        """Where the partition's last good staged data lies."""
        return self._path(asset_key, partition)


class StagingIOManager(dg.ConfigurableIOManager):
    base_dir: str = "data/staging"

    def _path(self, asset_key: dg.AssetKey, partition: str | None) -> Path:
        return _asset_path(self.base_dir, asset_key, partition)

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        if obj is None:
            return
        partition = context.asset_partition_key if context.has_asset_partitions else None
        target = self._path(context.asset_key, partition)
        # A Leerwinkel's staged frames are read once, by the model step; the model's by a dozen
        # steps. In a large run keeping the staged ones as well held up to 0.4 GB during the
        # ingest of the largest partition (1,000,000 trajectories), to save one Parquet read.
        write_frames(target, obj, remember=partition is None or not _SAVE_MEMORY)

    def load_input(self, context: dg.InputContext):
        key = context.asset_key
        if _SAVE_MEMORY:
            free_finished_steps((context.step_context.run_id, context.step_context.step.key))
        if context.has_asset_partitions:
            result = {}
            for partition in context.asset_partition_keys:
                path = self._path(key, partition)
                if path.exists():  # a partition that never succeeded has no data yet
                    result[partition] = read_frames(path, lazily=True)
            return result
        return read_frames(self._path(key, None))


#: A large run saves memory (:func:`save_memory`).
_SAVE_MEMORY = False
#: The step whose inputs were loaded last (run id, step key): see :func:`free_finished_steps`.
_LAST_STEP: tuple[str, str] | None = None


def save_memory(enabled: bool) -> None:
    """For a large run (the CLI's, leerwinkels.run.process): a step's first input frees the
    finished steps' frames (:func:`free_finished_steps`), and a Leerwinkel's staged frames are
    not kept in the frame memo (the model step reads them once from Parquet). At 1,000,000
    trajectories these took ~1.7 GB off the peak; on a small run they cost ~0.3 s and save
    nothing that matters. Off by default (a test, a run of the UI)."""
    global _SAVE_MEMORY
    _SAVE_MEMORY = enabled


def free_finished_steps(step: tuple[str, str] | None = None) -> None:
    """Free the frames of the steps that have finished, before a step loads its inputs.

    Dagster's step contexts form reference cycles, so a finished step's frames are freed only
    by a full collection of the cyclic garbage collector, which comes rarely: it counts objects,
    not bytes, and a frame of 300 MB is one object. At 1,000,000 trajectories the run then held
    the frames of several finished steps at once (+1.7 GB of its peak, measured). Only when
    :func:`save_memory` is on, in a process that froze what it had set up before (so that a
    collection scans only what the steps allocated); a step's first input triggers it, its
    other inputs do not."""
    global _LAST_STEP
    if not _SAVE_MEMORY or (step is not None and step == _LAST_STEP):
        return
    _LAST_STEP = step
    gc.collect()


class FrameMemo:
    """Frames this process wrote or read, by folder, up to a memory budget (least recently
    used go first): a later step of the same in-process run gets what an earlier step wrote
    without reading the Parquet files again. An entry counts only while its folder is still
    the one it was made from (inode and modification time of the folder, which
    :func:`write_frames` replaces as a whole), so data written by another process is read
    from disk. Frames are immutable; dicts are copied on the way out."""

    def __init__(self, budget_bytes: int):
        self.budget = budget_bytes
        self._entries: OrderedDict[str, tuple[tuple, object, int]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _size(obj) -> int:
        frames = obj.values() if isinstance(obj, dict) else [obj]
        return sum(frame.estimated_size() for frame in frames)

    def put(self, path: Path, obj, identity: tuple | None) -> None:
        size = self._size(obj)
        with self._lock:
            self._entries.pop(str(path), None)
            if identity is None or size > self.budget:
                return
            self._entries[str(path)] = (identity, dict(obj) if isinstance(obj, dict) else obj, size)
            total = sum(entry[2] for entry in self._entries.values())
            while total > self.budget and self._entries:
                _, (_, _, evicted) = self._entries.popitem(last=False)
                total -= evicted

    def get(self, path: Path):
        identity = file_identity(path)
        with self._lock:
            entry = self._entries.get(str(path))
            if entry is None or identity is None or entry[0] != identity:
                return None
            self._entries.move_to_end(str(path))
            obj = entry[1]
        return dict(obj) if isinstance(obj, dict) else obj

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: The memo of the consolidation running in this process, if it asked for one
#: (:func:`frame_memo`); none otherwise (a run in the UI, a test): frames come from disk.
_MEMO: FrameMemo | None = None


@contextmanager
def frame_memo(budget_bytes: int) -> Iterator[FrameMemo | None]:
    """Keep the frames written and read in this process in memory while a consolidation runs
    (the runner enters it around its runs); forgotten when it ends. A budget of 0 keeps none."""
    global _MEMO
    previous, _MEMO = _MEMO, (FrameMemo(budget_bytes) if budget_bytes > 0 else None)
    try:
        yield _MEMO
    finally:
        if _MEMO is not None:
            _MEMO.clear()
        _MEMO = previous


#: Staged frames are local intermediates read back within hours: lz4 writes them about twice
#: as fast as polars' default zstd, for files about 1.8x larger (measured on the 400k benchmark's
#: 89 files: 2.3 s vs 4.4 s, 351 MB vs 192 MB).
PARQUET_COMPRESSION: Final = "lz4"


def write_frames(target: Path, obj, *, remember: bool = True) -> None:
    """Write a frame, or a dict of frames, atomically: readers see the old or the new data.
    ``remember``: also keep it in this run's frame memo (if one is active)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    if isinstance(obj, pl.DataFrame):
        tmp.mkdir()
        obj.write_parquet(tmp / "frame.parquet", compression=PARQUET_COMPRESSION)
    elif isinstance(obj, dict):
        tmp.mkdir()
        for name, frame in obj.items():
            frame.write_parquet(tmp / f"{name}.parquet", compression=PARQUET_COMPRESSION)
    else:
        raise TypeError(f"cannot store {type(obj).__name__}: expected a polars DataFrame or a dict of them")
    identity = file_identity(tmp)  # a rename keeps it
    old = target.parent / f".{target.name}.{uuid.uuid4().hex}.old"
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    # as read_frames returns it: a dict in file-name order
    if _MEMO is not None and remember:
        _MEMO.put(target, {name: obj[name] for name in sorted(obj)} if isinstance(obj, dict) else obj, identity)


class StagedFrames(Mapping[str, pl.DataFrame]):
    """The frames of one stored folder, each read from its Parquet file when a step asks for it.
    A step that needs two small frames of every Leerwinkel (the scorecard: places and
    first-seen ledger) then does not hold every staged table of the network in memory (at
    1,000,000 trajectories that was +1.9 GB of peak memory). The folder must be the one it was
    when this was made: data replaced in between (another run) is an error, never a mix of two
    deliveries."""

    def __init__(self, folder: Path, files: list[Path], identity: tuple | None):
        self._folder, self._identity = folder, identity
        self._files = {f.stem: f for f in files}

    def __getitem__(self, name: str) -> pl.DataFrame:
        # Read at each access, not kept: the model step concatenates each table of every
        # Leerwinkel once, and a Leerwinkel's piece is freed as soon as the network's table is
        # built (kept here, the pieces of the large tables doubled the step's memory).
        return self._checked_read(name, lambda path: pl.read_parquet(path))

    def read(self, name: str, narrow: Callable[[pl.LazyFrame], pl.LazyFrame]) -> pl.DataFrame:
        """Only what ``narrow`` keeps of a frame (its columns and rows), read from the file
        without holding the whole frame (projection and filter are pushed into the Parquet
        read). The scorecard uses five of the first-seen ledger's seven columns, and the
        feedback only its late rows: at 1,000,000 trajectories the whole ledger, with its
        64-digit keys, was ~0.5 GB."""
        return self._checked_read(name, lambda path: narrow(pl.scan_parquet(path)).collect())

    def _checked_read(self, name: str, read: Callable[[Path], pl.DataFrame]) -> pl.DataFrame:
        path = self._files[name]  # KeyError for a frame the folder does not hold, as a dict
        self._still_the_same()
        frame = read(path)
        self._still_the_same()  # replaced during the read: which version was read is unknown
        return frame

    def _still_the_same(self) -> None:
        if file_identity(self._folder) != self._identity:
            raise RuntimeError(f"the stored data in {self._folder} was replaced while this step read it "
                               "(another run wrote it): run again")

    def __contains__(self, name: object) -> bool:  # without reading the frame (Mapping's would)
        return name in self._files

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __repr__(self) -> str:
        return f"StagedFrames({self._folder}, {sorted(self._files)})"


def read_frames(path: Path, *, lazily: bool = False):
    """A frame, or the frames of a folder as a dict in file-name order; from this run's memo
    when it still holds them. ``lazily``: a folder's frames as a :class:`StagedFrames`, each
    read when first used (the partitions of the staged input: a step may use two of ten)."""
    if not path.exists():
        raise FileNotFoundError(f"no stored data at {path}: materialise the upstream asset first")
    remembered = _MEMO.get(path) if _MEMO is not None else None
    if remembered is not None:
        return remembered
    identity = file_identity(path)
    files = sorted(path.glob("*.parquet"))
    result: pl.DataFrame | dict[str, pl.DataFrame]
    if [f.name for f in files] == ["frame.parquet"]:
        result = pl.read_parquet(files[0])
    elif lazily:
        return StagedFrames(path, files, identity)
    else:
        result = {f.stem: pl.read_parquet(f) for f in files}
    if _MEMO is not None:
        _MEMO.put(path, result, identity)
    return result
