"""One writer per source file: each writes its file(s) from the current plan and reports the rows and personal values it wrote."""
