"""Benchmarks from DfE's own published files: England, region, statistical neighbours, rank, quartile.

The files are read as DfE publishes them (EES "underlying data" CSVs, the LAIT long extract and its
data dictionary, ONS populations, the two statistical-neighbour models); which file and column
benchmark which of our indicator codes is data, in config/benchmark_measures.yaml. The comparator
maths (LAIT's rules) is SQL in sql/bm/. Nothing here imports Dagster.

Tables written (all `create or replace`):
    ref_population              one row per area x mid-year (ONS 0-17 estimates)
    ref_statistical_neighbours  one row per model x LA x neighbour
    ref_lait_dictionary         one row per LAIT measure (polarity, year type, dps)
    ref_benchmark_measures      one row per indicator x DfE measure (the YAML mapping, flattened)
    ref_benchmark_measure_filters  one row per EES measure x filter column x accepted value
    ref_benchmark_files         one row per reference file a pattern matched (x measure, for EES): the columns it
                                was expected to have, those it lacked, and the rows it gave (0 fails a check)
    bm_published                one row per indicator x source file x year x area
    bm_comparators              one row per indicator x year, for the partnership's LA
    bm_neighbour_values         one row per indicator x year x statistical neighbour: its published value
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.lib.paths import CONFIG_DIR
from pipeline.lib.settings import read_yaml
from pipeline.lib.warehouse import query, sql_text

PARTNERSHIP_FILE = CONFIG_DIR / "partnership.yaml"
MEASURES_FILE = CONFIG_DIR / "benchmark_measures.yaml"

POLARITIES = ("higher_is_better", "lower_is_better", "neutral")
# LAIT data dictionary Polarity: High / Low / "-" (no direction is better).
LAIT_POLARITY = {"High": "higher_is_better", "Low": "lower_is_better"}
SN_MODELS = ("april_2021", "may_2025")

# Geography columns every EES underlying-data file carries; everything else in a file is a filter
# column (category, population_type, ...) or a value column.
EES_GEOGRAPHY_COLUMNS = (
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "region_code", "region_name", "old_la_code", "new_la_code", "la_name",
)

_TRAILING_YEAR = re.compile(r"(\d{4})$")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


# --- configuration ---------------------------------------------------------------------------------

def read_config(partnership_file: Path = PARTNERSHIP_FILE, measures_file: Path = MEASURES_FILE) -> dict:
    """config/partnership.yaml, with the benchmark mapping under "benchmark_measures"."""
    config = read_yaml(partnership_file)
    config["benchmark_measures"] = read_yaml(measures_file)
    return config


def _measures(config: dict) -> dict:
    return config.get("benchmark_measures") or read_yaml(MEASURES_FILE)


def _partnership(config: dict) -> dict:
    """The LA, region and SN choices; validated, because a typo here silently changes every benchmark."""
    p, b = config["partnership"], config.get("benchmarks", {})
    model = str(b.get("statistical_neighbour_model", "auto"))
    statistic = str(b.get("statistical_neighbour_statistic", "mean"))
    if model not in ("auto", *SN_MODELS):
        raise ValueError(f"statistical_neighbour_model must be auto, april_2021 or may_2025, not {model!r}")
    if statistic not in ("mean", "median"):
        raise ValueError(f"statistical_neighbour_statistic must be mean or median, not {statistic!r}")
    return {
        "dfe_la_code": str(p["dfe_la_code"]),
        "region_name": str(p["region"]),
        "sn_model": model,
        "sn_statistic": statistic,
    }


def value_aliases(measures: dict) -> dict[str, dict[str, list[str]]]:
    """filter column -> accepted value -> the other spellings DfE has used for it in other releases."""
    out: dict[str, dict[str, list[str]]] = {}
    for column, values in ((measures.get("sources", {}).get("ees", {}) or {}).get("value_aliases") or {}).items():
        out[column] = {str(v): [str(a) for a in aliases] for v, aliases in values.items()}
    return out


def measure_frames(measures: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The YAML mapping as two tables: one row per indicator x DfE measure, and the EES row filters.

    A filter value also accepts the spellings listed for it under sources.ees.value_aliases (DfE's 2024 CLA file
    says "at 31 March" where the 2025 file says "on 31 March").
    """
    spellings = value_aliases(measures)
    rows, filters = [], []
    for code, ind in measures["indicators"].items():
        common = {"indicator_code": code, "label": ind.get("label"), "unit": ind["unit"],
                  "decimals": int(ind["decimals"])}
        for n, ees in enumerate(ind.get("ees") or [], start=1):
            if ees.get("polarity") not in POLARITIES:
                raise ValueError(f"{code}: EES polarity must be one of {POLARITIES}, not {ees.get('polarity')!r}")
            key = f"{code}:ees:{n}"
            rows.append({**common, "measure_key": key, "source": "ees", "dfe_file_glob": ees["file"],
                         "dfe_value_column": ees["value"], "lait_short_desc": None,
                         "polarity": ees["polarity"], "england_excluded": ees.get("england_excluded")})
            for column, value in (ees.get("filter") or {}).items():
                for accepted in [str(value), *spellings.get(column, {}).get(str(value), [])]:
                    filters.append({"measure_key": key, "filter_column": column, "filter_value": accepted})
        if ind.get("lait"):
            rows.append({**common, "measure_key": f"{code}:lait", "source": "lait", "dfe_file_glob": None,
                         "dfe_value_column": None, "lait_short_desc": ind["lait"]["short_desc"],
                         "polarity": None, "england_excluded": ind["lait"].get("england_excluded")})
    frame = pd.DataFrame(rows).astype({"england_excluded": "object"})
    if frame["measure_key"].duplicated().any():
        raise ValueError("benchmark_measures.yaml maps the same measure twice")
    filter_frame = pd.DataFrame(filters, columns=["measure_key", "filter_column", "filter_value"])
    return frame, filter_frame


# --- releases --------------------------------------------------------------------------------------

def ees_release_year(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> int:
    """End year of an EES file: the year ending its name (…_2013_to_2025.csv), else its latest time_period."""
    match = _TRAILING_YEAR.search(Path(path).name.split(".")[0])
    if match:
        return int(match.group(1))
    if con is None:
        raise ValueError(f"{Path(path).name}: no year in the file name and no connection to read one from")
    return int(_first_row(
        con,
        "select max(try_cast(time_period as integer)) from read_csv($path, all_varchar = true)",
        {"path": str(path)},
    )[0])


def _first_row(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> tuple | None:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and refuses the next statement.
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else None


def lait_release_month(path: Path) -> tuple[int, int]:
    match = _YEAR_MONTH.search(Path(path).name)
    if not match:
        raise ValueError(f"{Path(path).name}: a LAIT file name must end with its YYYY-MM")
    return int(match.group(1)), int(match.group(2))


def _glob(reference_dir: Path, pattern: str, what: str) -> list[Path]:
    """The reference files matching `pattern`, oldest release first; none is an error naming what is missing."""
    files = sorted(p for p in reference_dir.glob(pattern) if p.is_file())
    if not files:
        raise FileNotFoundError(f"No {what} matches {pattern} under {reference_dir}")
    return files


def source_name(path: Path, reference_dir: Path) -> str:
    """How a reference file is named in the tables: its path under the reference folder, which is unique even
    where two releases share a file name (DfE's CLA file has no year in its name: dfe/ and dfe-releases/2024/)."""
    return Path(path).relative_to(reference_dir).as_posix()


def column_aliases(measures: dict, file_name: str) -> dict[str, list[str]]:
    """canonical column -> the names other releases of this file use (sources.ees.column_aliases)."""
    out: dict[str, list[str]] = {}
    for prefix, columns in ((measures.get("sources", {}).get("ees", {}) or {}).get("column_aliases") or {}).items():
        if file_name.startswith(prefix):
            for canonical, aliases in columns.items():
                out.setdefault(canonical, []).extend(str(a) for a in aliases)
    return out


# --- loading ---------------------------------------------------------------------------------------

def load_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path, config: dict) -> dict:
    """Read every DfE/ONS reference file and (re)build the ref_* tables and bm_published.

    Returns a summary: rows per table, the releases and files found, the years covered. A file a pattern
    matches that gives no rows does not stop the others: it is listed in ref_benchmark_files with the columns it
    was expected to have, and the blocking check every_reference_file_yields_rows fails naming it.
    """
    reference_dir = Path(reference_dir)
    measures = _measures(config)
    measure_frame, filter_frame = measure_frames(measures)

    con.register("_measures", measure_frame)
    con.register("_filters", filter_frame)
    con.execute("create or replace table ref_benchmark_measures as select * from _measures")
    con.execute("create or replace table ref_benchmark_measure_filters as select * from _filters")
    con.unregister("_measures")
    con.unregister("_filters")

    aliases = pd.DataFrame(
        [{"alias": k, "area_name": v} for k, v in (measures.get("area_aliases") or {}).items()],
        columns=["alias", "area_name"],
    )
    con.register("_aliases", aliases)
    con.execute("create or replace temp table raw_area_aliases as select * from _aliases")
    con.unregister("_aliases")

    population_files, population_checks = _load_population(con, reference_dir, measures)
    ees_files, ees_checks = _load_ees(con, reference_dir, measures, measure_frame, filter_frame)
    lait_files, dictionary_file, lait_checks = _load_lait(con, reference_dir, measures)
    sn_files = _load_statistical_neighbours(con, reference_dir, measures)

    con.execute("create or replace table bm_published as " + sql_text("bm/bm_published"))
    _store_file_checks(con, population_checks + ees_checks + lait_checks)

    summary = _first_row(
        con,
        """
        select count(*), min(time_period), max(time_period),
               list(distinct release order by release), list(distinct source_file order by source_file)
        from bm_published
        """,
    )
    return {
        "bm_published_rows": summary[0],
        "first_time_period": summary[1],
        "last_time_period": summary[2],
        "releases": summary[3],
        "source_files": summary[4],
        "ees_files": [source_name(p, reference_dir) for p in ees_files],
        "lait_files": [source_name(p, reference_dir) for p in lait_files],
        "lait_dictionary": dictionary_file.name,
        "population_files": [source_name(p, reference_dir) for p in population_files],
        "sn_files": [source_name(p, reference_dir) for p in sn_files],
        "ref_population_rows": _count(con, "ref_population"),
        "ref_statistical_neighbours_rows": _count(con, "ref_statistical_neighbours"),
    }


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return _first_row(con, f'select count(*) from "{table}"')[0]


FILE_CHECK_COLUMNS = ["source", "measure_key", "source_file", "release", "expected", "missing_columns",
                      "file_columns", "rows_found"]


def _store_file_checks(con: duckdb.DuckDBPyConnection, checks: list[dict]) -> None:
    """ref_benchmark_files; an EES file's rows are those bm_published holds for its measure (filters applied)."""
    frame = pd.DataFrame(checks, columns=FILE_CHECK_COLUMNS).astype({"measure_key": "object", "rows_found": "float64"})
    con.register("_checks", frame)
    try:
        con.execute(
            """
            create or replace table ref_benchmark_files as
            select c.source, c.measure_key, c.source_file, c.release, c.expected, c.missing_columns, c.file_columns,
                   cast(coalesce(c.rows_found, p.n_rows, 0) as bigint) as rows_found
            from _checks as c
            left join (select measure_key, source_file, count(*) as n_rows from bm_published group by all) as p
                on c.source = 'ees' and p.measure_key = c.measure_key and p.source_file = c.source_file
            order by c.source, c.source_file, c.measure_key
            """
        )
    finally:
        con.unregister("_checks")


def _load_population(con: duckdb.DuckDBPyConnection, reference_dir: Path, measures: dict) -> tuple[list[Path], list]:
    spec = measures["population"]
    files = _glob(reference_dir, spec["file"], "ONS population file")
    con.execute(
        """
        create or replace temp table raw_population (
            source_file varchar, file_end_year integer, time_period varchar, geographic_level varchar,
            country_code varchar, country_name varchar, region_code varchar, region_name varchar,
            old_la_code varchar, new_la_code varchar, la_name varchar, age_group varchar,
            population_estimate varchar)
        """
    )
    checks = []
    for path in files:
        name = source_name(path, reference_dir)
        columns = _csv_columns(con, path)
        expected = ["time_period", "geographic_level", "age_group", "population_estimate", "old_la_code",
                    "new_la_code", "la_name", "region_name", "country_name"]
        missing = [c for c in expected if c not in columns]
        if not missing:
            con.execute(
                """
                insert into raw_population by name
                select $source_file as source_file, $end_year as file_end_year,
                       time_period, geographic_level, country_code, country_name, region_code,
                       region_name, old_la_code, new_la_code, la_name, age_group, population_estimate
                from read_csv($path, all_varchar = true)
                """,
                {"path": str(path), "source_file": name, "end_year": ees_release_year(path, con)},
            )
        rows = _first_row(con, "select count(*) from raw_population where source_file = $f and age_group = $a",
                          {"f": name, "a": spec["age_group"]})[0]
        checks.append({"source": "population", "measure_key": None, "source_file": name, "release": None,
                       "expected": f"columns {', '.join(expected)}; rows with age_group = '{spec['age_group']}'",
                       "missing_columns": ", ".join(missing), "file_columns": ", ".join(columns), "rows_found": rows})
    con.execute(
        "create or replace table ref_population as " + sql_text("bm/ref_population"),
        {"age_group": spec["age_group"]},
    )
    return files, checks


def _csv_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    return [r[0] for r in con.execute("describe select * from read_csv($path, all_varchar = true)",
                                      {"path": str(path)}).fetchall()]


def _load_ees(
    con: duckdb.DuckDBPyConnection, reference_dir: Path, measures: dict, measure_frame: pd.DataFrame,
    filter_frame: pd.DataFrame,
) -> tuple[list[Path], list[dict]]:
    """Every EES file a measure's glob matches, its columns mapped through the aliases, unpivoted to one row per
    file row x column; and, per measure x file, the columns the measure needs and whether the file has them."""
    spec = measures["sources"]["ees"]
    ees = measure_frame[measure_frame["source"] == "ees"]
    con.execute(
        """
        create or replace temp table raw_ees_long (
            source_file varchar, row_id bigint, time_period varchar, time_identifier varchar,
            geographic_level varchar, country_code varchar, country_name varchar,
            region_code varchar, region_name varchar, old_la_code varchar, new_la_code varchar,
            la_name varchar, dfe_column varchar, value_text varchar)
        """
    )
    file_rows, loaded, checks = [], {}, []
    for key, pattern, value_column in zip(ees["measure_key"], ees["dfe_file_glob"], ees["dfe_value_column"],
                                          strict=True):
        matched = _glob(reference_dir, pattern, f"EES file for {key}")
        filters = filter_frame[filter_frame["measure_key"] == key].groupby("filter_column", sort=True)["filter_value"]
        for path in matched:
            if path not in loaded:
                loaded[path] = _load_ees_file(con, path, reference_dir, measures)
            year, columns = loaded[path]
            name = source_name(path, reference_dir)
            release = spec["release_name"].format(year=year)
            file_rows.append({
                "measure_key": key,
                "source_file": name,
                "dfe_file_stem": path.name.split(".")[0],
                "release": release,
                "release_date": dt.date(year, int(spec["published_month"]), 1),
            })
            aliases = column_aliases(measures, path.name)
            needed = [value_column, *(column for column, _ in filters)]
            missing = [c for c in needed if c not in columns]
            described = [f"value column {_with_aliases(value_column, aliases)}"] + [
                f"{_with_aliases(column, aliases)} = " + " or ".join(f"'{v}'" for v in values)
                for column, values in filters]
            checks.append({"source": "ees", "measure_key": key, "source_file": name, "release": release,
                           "expected": "; ".join(described), "missing_columns": ", ".join(missing),
                           "file_columns": ", ".join(columns), "rows_found": None})
    con.register("_ees_files", pd.DataFrame(file_rows))
    con.execute("create or replace temp table raw_ees_files as select * from _ees_files")
    con.unregister("_ees_files")
    return sorted(loaded), checks


def _with_aliases(column: str, aliases: dict[str, list[str]]) -> str:
    others = aliases.get(column)
    return f"{column} (or {', '.join(others)})" if others else column


def _load_ees_file(con: duckdb.DuckDBPyConnection, path: Path, reference_dir: Path,
                   measures: dict) -> tuple[int, list[str]]:
    """Load one EES file into raw_ees_long; returns its release year and its columns after the aliases.

    A column another release names differently (c1 2024's `Referrals` for `referral_count`, the CLA file's
    `population_count` / `number`) is renamed to the name the mapping uses, matched without regard to case. A
    file that is not an EES underlying-data file loads nothing (its check fails, naming it).
    """
    con.execute(
        "create or replace temp table _ees_file as "
        "select row_number() over () as row_id, * from read_csv($path, all_varchar = true)",
        {"path": str(path)},
    )
    columns = [r[0] for r in con.execute("describe _ees_file").fetchall()]
    by_lower = {c.lower(): c for c in columns}
    for canonical, aliases in column_aliases(measures, path.name).items():
        if canonical in columns:
            continue
        found = list(dict.fromkeys(by_lower[a.lower()] for a in [canonical, *aliases] if a.lower() in by_lower))
        if len(found) > 1:
            raise ValueError(f"{source_name(path, reference_dir)}: columns {found} could each be {canonical}; "
                             "keep one alias per column in config/benchmark_measures.yaml")
        if found:
            con.execute(f'alter table _ees_file rename column "{found[0]}" to "{canonical}"')
    columns = [r[0] for r in con.execute("describe _ees_file").fetchall()]
    if set(EES_GEOGRAPHY_COLUMNS) <= set(columns):
        # The geography columns are fixed EES names; every other column becomes (dfe_column, value_text).
        con.execute(
            """
            insert into raw_ees_long by name
            select $source_file as source_file, *
            from _ees_file
            unpivot include nulls (
                value_text for dfe_column in (
                    columns(* exclude (row_id, time_period, time_identifier, geographic_level,
                                       country_code, country_name, region_code, region_name,
                                       old_la_code, new_la_code, la_name))
                )
            )
            """,
            {"source_file": source_name(path, reference_dir)},
        )
    # a file with no year in its name and no time_period column has no release year: 1 (its check fails anyway)
    year = ees_release_year(path, con) if "time_period" in columns or _TRAILING_YEAR.search(
        path.name.split(".")[0]) else 1
    con.execute("drop table _ees_file")
    return year, [c for c in columns if c != "row_id"]


def _load_lait(con: duckdb.DuckDBPyConnection, reference_dir: Path,
               measures: dict) -> tuple[list[Path], Path, list[dict]]:
    spec = measures["sources"]["lait"]
    dictionaries = _glob(reference_dir, spec["dictionary"], "LAIT data dictionary")
    dictionary = dictionaries[-1]
    con.execute(
        """
        create or replace table ref_lait_dictionary as
        select
            Measure_short as measure_short,
            try_cast(Measure_code as integer) as measure_code,
            Topic as topic,
            Measure as measure,
            Polarity as polarity_lait,
            case trim(Polarity) when 'High' then 'higher_is_better'
                                when 'Low' then 'lower_is_better'
                                else 'neutral' end as polarity,
            y_axis_name,
            try_cast(dps as double) as dps,
            Year_Type as year_type,
            No_Quartile as no_quartile,
            Description as description,
            Methodology as methodology,
            $source_file as source_file
        from read_csv($path, all_varchar = true)
        """,
        {"path": str(dictionary), "source_file": source_name(dictionary, reference_dir)},
    )

    files = _glob(reference_dir, spec["files"], "LAIT extract")
    con.execute(
        """
        create or replace temp table raw_lait (
            source_file varchar, release varchar, release_date date, short_desc varchar,
            data_item varchar, years varchar, area_name varchar, value_text varchar,
            la_number varchar, region varchar)
        """
    )
    expected = ["Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number", "Region"]
    checks = []
    for path in files:
        year, month = lait_release_month(path)
        name = source_name(path, reference_dir)
        release = spec["release_name"].format(year_month=f"{year}-{month:02d}")
        columns = _csv_columns(con, path)
        missing = [c for c in expected if c not in columns]
        if not missing:
            # Only the mapped measures are kept: the extract holds 184 measures, we benchmark a few dozen.
            con.execute(
                """
                insert into raw_lait
                select $source_file, $release, $release_date,
                       "Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number", "Region"
                from read_csv($path, all_varchar = true)
                where "Short Desc" in (select lait_short_desc from ref_benchmark_measures)
                """,
                {"path": str(path), "source_file": name, "release": release, "release_date": dt.date(year, month, 1)},
            )
        rows = _first_row(con, "select count(*) from raw_lait where source_file = $f", {"f": name})[0]
        checks.append({"source": "lait", "measure_key": None, "source_file": name, "release": release,
                       "expected": f"columns {', '.join(expected)}; rows whose Short Desc is a mapped measure",
                       "missing_columns": ", ".join(missing), "file_columns": ", ".join(columns), "rows_found": rows})
    return files, dictionary, checks


def _load_statistical_neighbours(con: duckdb.DuckDBPyConnection, reference_dir: Path, measures: dict) -> list[Path]:
    """Both SN models, wide (10 code/closeness pairs per LA) to long."""
    rows, files = [], []
    for model, spec in measures["statistical_neighbours"].items():
        if model not in SN_MODELS:
            continue
        matched = _glob(reference_dir, spec["file"], f"{model} statistical-neighbour file")
        path = matched[-1]
        files.append(path)
        with path.open(encoding="utf-8-sig", newline="") as f:
            records = list(csv.reader(f))
        header = records[0]
        code_at = header.index(spec["la_code_column"])
        name_at = header.index(spec["la_name_column"])
        first_at = header.index(spec["first_neighbour_column"])
        names = {}
        model_rows = []
        for record in records[1:]:
            code = record[code_at].strip() if len(record) > code_at else ""
            if not code.isdigit():  # blank lines and the "Old SNs:" caption in the April 2021 file
                continue
            names[code] = record[name_at].strip()
            for order in range(1, 11):
                at = first_at + 2 * (order - 1)
                neighbour = record[at].strip()
                if neighbour.isdigit():
                    model_rows.append({
                        "model": model, "dfe_la_code": code, "la_name": names[code],
                        "neighbour_order": order, "neighbour_dfe_code": neighbour,
                        "closeness": record[at + 1].strip() or None,
                        "source_file": source_name(path, reference_dir),
                    })
        for row in model_rows:
            row["neighbour_name"] = names.get(row["neighbour_dfe_code"])
        rows.extend(model_rows)
    frame = pd.DataFrame(rows)
    con.register("_sn", frame)
    # A neighbour with no row of its own in the model file takes its name from the ONS file.
    con.execute(
        """
        create or replace table ref_statistical_neighbours as
        select
            s.model, s.dfe_la_code, s.la_name, cast(s.neighbour_order as integer) as neighbour_order,
            s.neighbour_dfe_code,
            coalesce(s.neighbour_name, p.area_name) as neighbour_name,
            s.closeness, s.source_file
        from _sn as s
        left join (
            select dfe_la_code, arg_max(area_name, mid_year) as area_name
            from ref_population where geographic_level = 'Local authority' group by all
        ) as p on p.dfe_la_code = s.neighbour_dfe_code
        order by s.model, s.dfe_la_code, neighbour_order
        """
    )
    con.unregister("_sn")
    return files


# --- comparators -----------------------------------------------------------------------------------

def comparator_params(config: dict) -> dict:
    p = _partnership(config)
    auto_from = _measures(config)["statistical_neighbours"]["auto_may_2025_from_time_period"]
    return {
        "dfe_la_code": p["dfe_la_code"],
        "region_name": p["region_name"],
        "sn_model": p["sn_model"],
        "may_2025_from": int(auto_from),
        "sn_statistic": p["sn_statistic"],
    }


def build_comparators(con: duckdb.DuckDBPyConnection, config: dict) -> pd.DataFrame:
    """(Re)build bm_comparators for the partnership's LA from bm_published, and bm_neighbour_values (each
    neighbour's value its SN figures were taken from); return bm_comparators."""
    con.execute(
        "create or replace table bm_comparators as " + sql_text("bm/bm_comparators"),
        comparator_params(config),
    )
    con.execute("create or replace table bm_neighbour_values as " + sql_text("bm/bm_neighbour_values"))
    return con.execute("select * from bm_comparators order by indicator_code, time_period").df()


def comparator(con: duckdb.DuckDBPyConnection, indicator_code: str, year_label: str) -> dict | None:
    """The comparator row for one indicator and year, as plain Python values; None if DfE has none.

    A calendar-year measure (e.g. first-time entrants, year ending December) asked for with a
    financial year '2022-23' answers with the calendar year that ended inside it (2022).
    """
    sql = "select * from bm_comparators where indicator_code = $code and year_label = $year"
    frame = con.execute(sql, {"code": indicator_code, "year": year_label}).df()
    fy = re.fullmatch(r"(\d{4})-\d{2}", year_label)
    if frame.empty and fy:
        frame = con.execute(
            sql + " and year_type = 'calendar'", {"code": indicator_code, "year": fy.group(1)}
        ).df()
    if frame.empty:
        return None
    return {k: _plain(v) for k, v in frame.iloc[0].to_dict().items()}


def _plain(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def population_0_17(con: duckdb.DuckDBPyConnection, dfe_la_code: str | int, year_label: str) -> int | None:
    """ONS 0-17 population DfE uses for a financial year's rates: 2022-23 uses mid-2022."""
    mid_year = int(year_label[:4])
    row = _first_row(
        con,
        "select population_0_17 from ref_population "
        "where geographic_level = 'Local authority' and dfe_la_code = $code and mid_year = $mid_year",
        {"code": str(dfe_la_code), "mid_year": mid_year},
    )
    return None if row is None else row[0]


# --- assertions (used by the asset checks; each returns the offending rows) ------------------------

ASSERTIONS = (
    "assert_one_row_per_indicator_and_year",
    "assert_england_values_present_every_year",
    "assert_every_published_value_parsed",
    "assert_every_mapped_measure_published",
    "assert_polarity_agrees_between_sources",
    "assert_england_within_la_range",
    "assert_every_reference_file_yields_rows",
)


def failing_rows(con: duckdb.DuckDBPyConnection, assertion: str) -> pd.DataFrame:
    """Rows that break an assertion in sql/bm/<assertion>.sql; empty means it holds."""
    if assertion not in ASSERTIONS:
        raise ValueError(f"Unknown assertion {assertion}")
    return query(con, f"bm/{assertion}")
