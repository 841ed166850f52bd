"""The demo landing-folder generator: invented people in the six Leerwinkels' delivery formats.

A dev tool of this repo (tools/demo-data), not part of the production package. Run it as
``leerwinkels demo-data DIR --trajectories N --seed S``.
"""

from leerwinkels_demo.generate import (
    AS_OF,
    NotADemoFolder,
    demo_folder_refusal,
    generate_landing,
    make_national_number,
    national_number_is_valid,
    write_demo_marker,
)

__all__ = [
    "AS_OF",
    "NotADemoFolder",
    "demo_folder_refusal",
    "generate_landing",
    "make_national_number",
    "national_number_is_valid",
    "write_demo_marker",
]
