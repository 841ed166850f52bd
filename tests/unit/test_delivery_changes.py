"""What the delivery sensor puts in run tags and its log: counts per file pattern, no names."""

from __future__ import annotations

from leerwinkels.ingest.delivery_files import changes_by_pattern

PATTERNS = ["klanten_*.csv", "contacten_*.csv"]


def test_new_changed_and_removed_files_are_counted_per_pattern():
    before = {"klanten_Jan_Peeters.csv": "a", "contacten_1.csv": "b", "contacten_2.csv": "c"}
    after = {"klanten_Jan_Peeters.csv": "a2", "klanten_extra.csv": "d", "contacten_1.csv": "b"}
    text = changes_by_pattern(before, after, PATTERNS)
    assert text == "klanten_*.csv: 1 new, 1 changed; contacten_*.csv: 1 removed"
    assert "Peeters" not in text and "Jan" not in text


def test_nothing_changed_is_empty_and_a_first_delivery_is_all_new():
    same = {"klanten_1.csv": "a"}
    assert changes_by_pattern(same, dict(same), PATTERNS) == ""
    assert changes_by_pattern({}, {"KLANTEN_1.CSV": "a"}, PATTERNS) == "klanten_*.csv: 1 new"
