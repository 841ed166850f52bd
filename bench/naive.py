"""The naive baseline: what a data analyst would write instead of the pipeline.

    uv run --isolated --group bench python -m bench.naive LANDING_DIR [--as-of YYYY-MM-DD]

(pandas lives in the `bench` dependency group, outside the pipeline's environment.)

Every delivered file is read the way a notebook does it: ``pandas.read_excel(engine=
"openpyxl", sheet_name=None)`` (openpyxl walks the cells row by row) for every workbook and
every sheet, ``pandas.read_csv`` for the CSV files. Then ``ind_reach``-like counts per
Leerwinkel (and the network, ``all``) and year: new trajectories, active trajectories and
distinct clients (national number where there is one, else the Leerwinkel's own id).

No validation, quarantine, pseudonymisation, code mapping, warehouse or publication: it does
a fraction of the pipeline's work, so "baseline / pipeline" flatters the baseline. The
header names come from ``sources/*.yaml`` (an analyst would type them in).

Prints one JSON line: seconds (imports excluded), rows read, peak_mb, totals, and the table.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import warnings
from datetime import date
from pathlib import Path


def _dates(values):
    """Dates as they come: real dates, dd/mm/yyyy text, ISO text, Excel serial numbers."""
    import pandas as pd

    text = values.astype("string")
    dmy = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    iso = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    number = pd.to_numeric(values, errors="coerce")
    serial = pd.to_datetime("1899-12-30") + pd.to_timedelta(number.where(number.between(10_000, 100_000)), unit="D")
    return dmy.fillna(iso).fillna(serial)


def _nn(values):
    import pandas as pd

    digits = values.astype("string").str.replace(r"\D", "", regex=True)
    digits = digits.where(digits.str.len() != 10, "0" + digits)
    return digits.where(digits.str.len() == 11, pd.NA)


def _read(path: Path, file_spec, header_row: int = 1) -> dict:
    import pandas as pd

    if file_spec.format == "csv":
        encoding = "cp1252" if file_spec.encoding.lower() in {"windows-1252", "cp1252"} else "utf-8-sig"
        return {"": pd.read_csv(path, sep=file_spec.separator, encoding=encoding, dtype=str)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.read_excel(path, sheet_name=None, engine="openpyxl", header=header_row - 1)


def _trajectories(code: str, spec, sheets_by_role: dict) -> pd.DataFrame:  # noqa: F821
    """trajectory id, client, intake, closed for one Leerwinkel."""
    import pandas as pd

    if code == "gent":
        (sheet_spec, frame), = sheets_by_role["contact_rows"]
        c = sheet_spec.columns
        frame = frame.assign(_at=_dates(frame[c["contact_date"]]), _closed=_dates(frame[c["closed_date"]]))
        frame = frame.dropna(subset=[c["trajectory_id"], "_at"]).sort_values("_at")
        per = frame.groupby(c["trajectory_id"]).agg(intake=("_at", "min"), closed=("_closed", "last"),
                                                    nn=(c["national_number"], "last"))
        client = _nn(per["nn"]).fillna("gent:" + per.index.to_series().astype(str))
        return pd.DataFrame({"id": per.index, "client": client.values, "intake": per["intake"].values, "closed": per["closed"].values})
    parts = []
    for sheet_spec, frame in sheets_by_role["trajectories"]:
        c = sheet_spec.columns
        if sheet_spec.skip_rows_where:
            column = c[sheet_spec.skip_rows_where["column"]]
            frame = frame[frame[column].astype(str).str.strip() != str(sheet_spec.skip_rows_where["equals"])]
        ids = frame[c["trajectory_id"]].astype("string").str.strip()
        if code == "mechelen":
            name = frame[c["client_name"]].astype("string").str.lower().str.split().str.join(" ")
            client = name + ":" + frame[c["birth_year"]].astype("string")
        elif code == "west_vlaanderen":
            (client_spec, clients), = sheets_by_role["clients"]
            cc = client_spec.columns
            nn = dict(zip(clients[cc["client_id"]].astype(str), _nn(clients[cc["national_number"]]), strict=True))
            local = frame[c["client_id"]].astype(str)
            client = local.map(nn).fillna("west_vlaanderen:" + local)
        else:
            client = _nn(frame[c["national_number"]]).fillna(f"{code}:" + ids)
        parts.append(pd.DataFrame({"id": ids, "client": client, "intake": _dates(frame[c["intake_date"]]),
                                   "closed": _dates(frame[c["closed_date"]])}))
    return pd.concat(parts, ignore_index=True)


def reach(root: Path, as_of: date) -> tuple[int, pd.DataFrame]:  # noqa: F821
    import pandas as pd

    from leerwinkels.ingest.readers import find_deliveries
    from leerwinkels.ingest.source_specs import NETWORK_FOLDER, all_specs

    rows_read = 0
    per_lw = []
    for code, spec in all_specs().items():
        sheets_by_role: dict[str, list] = {}
        for delivery, file_spec in zip(find_deliveries(root / spec.folder, spec.files), spec.files, strict=True):
            if delivery.path is None:
                continue
            header = file_spec.sheets[0].header_row
            for sheet_name, frame in _read(delivery.path, file_spec, header).items():
                rows_read += len(frame)
                for sheet_spec in file_spec.sheets:
                    if file_spec.format == "csv" or sheet_spec.matches(sheet_name):
                        if sheet_spec.header_row != header:  # another header row: read that sheet again
                            with warnings.catch_warnings():
                                warnings.simplefilter("ignore")
                                frame = pd.read_excel(delivery.path, sheet_name=sheet_name, engine="openpyxl",
                                                      header=sheet_spec.header_row - 1)
                        sheets_by_role.setdefault(sheet_spec.role, []).append((sheet_spec, frame))
        if code == NETWORK_FOLDER:
            continue  # the survey and the costs are read, but ind_reach does not use them
        t = _trajectories(code, spec, sheets_by_role)
        t = t[t["id"].notna() & (t["id"] != "") & t["intake"].notna()]
        t = t[t["intake"] <= pd.Timestamp(as_of)].drop_duplicates("id")
        per_lw.append(t.assign(leerwinkel=code))
    t = pd.concat(per_lw, ignore_index=True)
    t["intake_year"] = t["intake"].dt.year
    t["last_year"] = t["closed"].dt.year.fillna(as_of.year).clip(upper=as_of.year)
    out = []
    years = range(int(t["intake_year"].min()), as_of.year + 1)
    for leerwinkel, group in [*t.groupby("leerwinkel"), ("all", t)]:
        for year in years:
            active = group[(group["intake_year"] <= year) & (group["last_year"] >= year)]
            out.append({
                "leerwinkel": leerwinkel, "year": year,
                "new_trajectories": int((group["intake_year"] == year).sum()),
                "active_trajectories": len(active),
                "clients_reached": int(active["client"].nunique()),
            })
    return rows_read, pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("landing")
    parser.add_argument("--as-of", default="2026-11-26")
    args = parser.parse_args()
    import openpyxl  # noqa: F401  (imports before the clock starts)
    import pandas  # noqa: F401

    started = time.perf_counter()
    rows_read, table = reach(Path(args.landing), date.fromisoformat(args.as_of))
    seconds = time.perf_counter() - started
    network = table[table["leerwinkel"] == "all"]
    print(json.dumps({
        "seconds": seconds,
        "rows": rows_read,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "new_trajectories": int(network["new_trajectories"].sum()),
        "table_rows": len(table),
    }))


if __name__ == "__main__":
    main()
