"""The shapes of personal data, written once: a national number, an e-mail address, a phone number.

Two uses read them, each with the boundaries it needs:

- the scan of tables and published files (personal_data.py, the ``no_personal_data`` checks):
  a value anywhere in a cell, between word boundaries (``\\b``), so that a run of digits inside
  a hex pseudonym is not taken for a national number (11 decimal digits in a row occur in about
  one in three 64-digit pseudonyms);
- the masking of what is shown (shown_values.py): file and sheet names mask a national number
  or an e-mail address even between letters or underscores (``klant_85073112345.xlsx``), so the
  national number is bounded by "no digit" instead of ``\\b``; messages mask every long run of
  digits (:data:`LONG_DIGIT_RUN`), which covers national and phone numbers in any punctuation.

Where the two former copies differed, each use keeps the stricter one: both now accept a space
between the groups of a national number (``850731 123 45``, only masking did) and a dot or
dash before its serial (only the scan did). The e-mail shapes differed only in accepting
``a@b..`` (the scan's), which is no address.
"""

from __future__ import annotations

# 85.07.31-123.45, 850731-123.45, 850731 123 45, 85073112345 (no boundaries: see the module text)
NATIONAL_NUMBER = r"\d{2}[. ]?\d{2}[. ]?\d{2}[-. ]?\d{3}[. ]?\d{2}"
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
# a Belgian mobile (0470 12 34 56, +32 470 12 34 56) or a fixed line with separators (09 123 45 67)
PHONE = r"(?:\+32|\b0)\s?4\d{2}(?:[ ./]?\d{2}){3}\b|\b0\d{1,2}[ /.]\d{2,3}(?:[ .]?\d{2}){2}\b"
# any run of 9 digits or more, with separators between: national numbers, phone numbers
LONG_DIGIT_RUN = r"\d[\d .\-/]{7,}\d"

# The scan's patterns, by the name its checks report.
IN_VALUES = {
    "national_number": rf"\b{NATIONAL_NUMBER}\b",
    "email": EMAIL,
    "phone": PHONE,
}
# A national number inside a name: not inside a longer run of digits, but between letters.
NATIONAL_NUMBER_IN_NAMES = rf"(?<!\d){NATIONAL_NUMBER}(?!\d)"
