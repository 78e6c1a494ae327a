"""The hub's partnerships (config/partnerships.yaml): who each is, whom it compares itself with, its own key.

Each partnership becomes the same dict `pipeline.lib.benchmarks.read_config()` gives for the single partnership,
so the library functions (comparators, indicators, dashboard) take it unchanged.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.defs.resources import MAKE_A_KEY, MIN_KEY_LENGTH
from pipeline.lib.benchmarks import MEASURES_FILE, SN_MODELS
from pipeline.lib.paths import CONFIG_DIR
from pipeline.lib.settings import read_yaml

DEFAULT_HUB_FILE = CONFIG_DIR / "partnerships.yaml"
HUB_FILE_ENV = "SAFEGUARDING_HUB_FILE"
# A slug is a folder name and a partition key: no separators Dagster uses ('|', ','), no path characters.
SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
REQUIRED = ("slug", "name", "local_authority", "dfe_la_code", "ons_la_code", "region", "pseudonym_key_env")


class HubConfigError(ValueError):
    """config/partnerships.yaml cannot be used; the message names the file, the entry and the fix."""


@dataclass(frozen=True)
class Partnership:
    slug: str
    name: str
    short_name: str
    local_authority: str
    dfe_la_code: str
    ons_la_code: str
    region: str
    pseudonym_key_env: str
    statistical_neighbour_model: str = "auto"
    statistical_neighbour_statistic: str = "mean"
    returns_due_days: int = 30
    expected_returns: tuple[dict, ...] = field(default=())
    childrens_services: str = ""          # the name the report gives its children's social care ("SCT")
    published_figures: Path | None = None  # its published_figures.yaml (none: no earlier figures to note)

    def config(self) -> dict:
        """The shape of benchmarks.read_config(): partnership, benchmarks, expected_returns, benchmark_measures."""
        return {
            "partnership": {
                "name": self.name, "short_name": self.short_name, "local_authority": self.local_authority,
                "dfe_la_code": int(self.dfe_la_code), "ons_la_code": self.ons_la_code, "region": self.region,
                "returns_due_days": self.returns_due_days,
                # as its ind_values are counted (pipeline.regional.definitions): the member is its own CDOP area
                "cdop_area": self.local_authority, "childrens_services": self.childrens_services,
                "published_figures": self.published_figures,
            },
            "benchmarks": {"statistical_neighbour_model": self.statistical_neighbour_model,
                           "statistical_neighbour_statistic": self.statistical_neighbour_statistic},
            "expected_returns": [dict(r) for r in self.expected_returns],
            "benchmark_measures": read_yaml(MEASURES_FILE),
        }

    def pseudonym_key(self) -> str:
        """The partnership's key from its environment variable; a missing or short one stops the run, named
        (the key itself is never shown)."""
        key = os.environ.get(self.pseudonym_key_env, "")
        if not key:
            raise HubConfigError(f"{self.pseudonym_key_env} is not set: {self.name}'s returns need their own "
                                 f"pseudonymisation key. Make one with {MAKE_A_KEY} and set it in the environment.")
        if len(key) < MIN_KEY_LENGTH:
            raise HubConfigError(f"{self.pseudonym_key_env} is {len(key)} characters; a key needs at least "
                                 f"{MIN_KEY_LENGTH}. Make one with {MAKE_A_KEY}.")
        return key


@dataclass(frozen=True)
class Hub:
    name: str
    region: str
    partnerships: tuple[Partnership, ...]
    path: Path

    @property
    def slugs(self) -> list[str]:
        return [p.slug for p in self.partnerships]

    def get(self, slug: str) -> Partnership:
        for p in self.partnerships:
            if p.slug == slug:
                return p
        raise HubConfigError(f"No partnership {slug!r} in {self.path} (it has {', '.join(self.slugs)}).")


def hub_file() -> Path:
    return Path(os.environ.get(HUB_FILE_ENV) or DEFAULT_HUB_FILE)


def load_hub(path: Path | str | None = None) -> Hub:
    """Read and check the hub file: every problem is named with the entry it is in and what to write instead."""
    path = Path(path) if path else hub_file()
    if not path.exists():
        raise HubConfigError(f"No hub file at {path}: copy config/partnerships.yaml and list your partnerships.")
    raw = read_yaml(path) or {}
    hub = raw.get("hub") or {}
    defaults = hub.get("defaults") or {}
    entries = raw.get("partnerships")
    if not isinstance(entries, list) or not entries:
        raise HubConfigError(f"{path}: 'partnerships:' must list at least one partnership.")
    partnerships, problems = [], []
    for i, entry in enumerate(entries, start=1):
        where = f"{path}, partnership {i} ({entry.get('slug', 'no slug') if isinstance(entry, dict) else entry!r})"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping of name, slug, LA codes, region and key variable")
            continue
        merged = {**defaults, **entry}
        missing = [k for k in REQUIRED if merged.get(k) in (None, "")]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        slug = str(merged["slug"])
        if not SLUG.match(slug):
            problems.append(f"{where}: slug {slug!r} must be lower-case letters, digits, '-' or '_' (a folder name)")
        model = str(merged.get("statistical_neighbour_model", "auto"))
        if model not in ("auto", *SN_MODELS):
            problems.append(f"{where}: statistical_neighbour_model must be auto, {' or '.join(SN_MODELS)}, not {model!r}")
        statistic = str(merged.get("statistical_neighbour_statistic", "mean"))
        if statistic not in ("mean", "median"):
            problems.append(f"{where}: statistical_neighbour_statistic must be mean or median, not {statistic!r}")
        if not re.fullmatch(r"\d{3}", str(merged["dfe_la_code"])):
            problems.append(f"{where}: dfe_la_code must be DfE's 3-digit LA code, not {merged['dfe_la_code']!r}")
        if not re.fullmatch(r"E\d{8}", str(merged["ons_la_code"])):
            problems.append(f"{where}: ons_la_code must be the ONS code (E + 8 digits), not {merged['ons_la_code']!r}")
        published = path.parent / str(merged["published_figures"]) if merged.get("published_figures") else None
        if published is not None and not published.exists():
            problems.append(f"{where}: published_figures {merged['published_figures']!r} is not a file "
                            f"(it is read from {path.parent}); name the partnership's published_figures.yaml or leave it out")
        partnerships.append(Partnership(
            slug=slug, name=str(merged["name"]), short_name=str(merged.get("short_name") or merged["name"]),
            local_authority=str(merged["local_authority"]), dfe_la_code=str(merged["dfe_la_code"]),
            ons_la_code=str(merged["ons_la_code"]), region=str(merged["region"]),
            pseudonym_key_env=str(merged["pseudonym_key_env"]), statistical_neighbour_model=model,
            statistical_neighbour_statistic=statistic, returns_due_days=int(merged.get("returns_due_days", 30)),
            expected_returns=tuple(dict(r) for r in merged.get("expected_returns") or ()),
            childrens_services=str(merged.get("childrens_services") or ""),
            published_figures=published,
        ))
    for attr, what in (("slug", "slug"), ("dfe_la_code", "dfe_la_code"), ("pseudonym_key_env", "pseudonym_key_env")):
        seen: dict[str, str] = {}
        for p in partnerships:
            value = getattr(p, attr)
            if value in seen:
                problems.append(f"{path}: {p.name} and {seen[value]} share {what} {value!r}; each needs its own")
            seen[value] = p.name
    if problems:
        raise HubConfigError("\n".join(problems))
    return Hub(name=str(hub.get("name") or path.stem), region=str(hub.get("region") or partnerships[0].region),
               partnerships=tuple(partnerships), path=path)
