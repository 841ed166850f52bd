"""The demo landing-folder generator: invented people in the six Leerwinkels' delivery formats.

A dev tool of this repo (tools/demo-data), not part of the production package. Run it as
``leerwinkels demo-data DIR --trajectories N --seed S``. Its parts, one concern each:

- sources: the six Leerwinkels by index; people: invented names and national numbers;
- labels: code -> label, read from sources/*.yaml; code_tables: the labels and weights per code list;
- dates: the date forms the sources write; defects: the planted faults, shared by every writer;
- plan: everything drawn once (numpy, seeded) before a file is written; manifest: the expected accounting;
- writers/: one writer per source file; folder: the demo marker; generate: runs it all.
"""

from leerwinkels_demo.folder import NotADemoFolder, demo_folder_refusal, write_demo_marker
from leerwinkels_demo.generate import generate_landing
from leerwinkels_demo.people import make_national_number, national_number_is_valid
from leerwinkels_demo.sources import AS_OF

__all__ = [
    "AS_OF",
    "NotADemoFolder",
    "demo_folder_refusal",
    "generate_landing",
    "make_national_number",
    "national_number_is_valid",
    "write_demo_marker",
]
