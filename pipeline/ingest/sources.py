"""Sources of minutes for the nightly job, read from a TOML file (see deploy/sources.example.toml).

    [settings]                      # all optional; every key can be overridden per source
    user_agent = "minutes-pipeline/0.1 (+mailto:data@example.org)"
    raw_dir = "data/raw"            # downloads land in <raw_dir>/<source name>/
    delay_seconds = 1.0             # pause between two requests to the same host
    timeout_seconds = 30            # connect/read timeout of one request
    max_seconds = 300               # wall-clock limit of one download
    retries = 3                     # extra attempts on 5xx, 429, timeouts and connection errors (never on 404)
    backoff_seconds = 2.0           # first retry waits this long, then 2x, 4x, ...
    max_file_mb = 50                # a download bigger than this is aborted
    max_depth = 5                   # pagination hops from the index page (0 = index page only)
    max_index_pages = 200           # index pages read per source per run
    max_links = 1000                # PDF links fetched per source per run (new links first; the rest next run)
    max_retry_after_seconds = 120   # a 429/503 Retry-After up to this long is waited for; longer: give up

    [[source]]
    name = "koege"                  # folder name under raw_dir; letters, digits, - and _
    municipality = "Køge Kommune"
    kind = "http"                   # or "folder"
    index_url = "https://www.koege.dk/politik/dagsordener"
    link_pattern = '\\.pdf$'        # regex searched in each absolute link URL: links to minutes PDFs
    next_pattern = '[?&]page=\\d+'  # regex for pagination links (links with rel="next" are followed too)
    allowed_hosts = []              # extra hosts links and redirects may point to (default: index host only)

    [[source]]
    name = "greve-archive"
    municipality = "Greve Kommune"
    kind = "folder"
    path = "/srv/minutes/greve"     # every *.pdf below it is ingested

Relative paths (raw_dir, folder path) are taken from the working directory, like --db.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_CONFIG = Path("sources.toml")
DEFAULT_USER_AGENT = "minutes-pipeline/0.1 (+https://example.org/minutes-pipeline; set user_agent in sources.toml)"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ConfigError(ValueError):
    """The sources file cannot be used; the message says which key is wrong."""


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = DEFAULT_USER_AGENT
    raw_dir: str = "data/raw"
    delay_seconds: float = 1.0
    timeout_seconds: float = 30.0
    max_seconds: float = 300.0
    retries: int = 3
    backoff_seconds: float = 2.0
    max_file_mb: float = 50.0
    max_depth: int = 5
    max_index_pages: int = 200
    max_links: int = 1000
    max_retry_after_seconds: float = 120.0

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


@dataclass(frozen=True)
class Source:
    name: str
    municipality: str
    kind: str  # http | folder
    settings: FetchSettings
    index_url: str | None = None
    link_pattern: str = r"\.pdf(\?.*)?$"
    next_pattern: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    path: Path | None = None
    committees: tuple[str, ...] = ()  # kind firstagenda: committees to follow (empty: all)
    days_back: int | None = None  # kind firstagenda: meetings dated at most this many days back

    @property
    def raw_dir(self) -> Path:
        return Path(self.settings.raw_dir) / self.name


@dataclass
class Config:
    settings: FetchSettings
    sources: list[Source] = field(default_factory=list)
    path: Path | None = None


_SETTING_TYPES = {f.name: f.type for f in fields(FetchSettings)}


def _settings(table: dict, base: FetchSettings, where: str) -> FetchSettings:
    values = {}
    for key, value in table.items():
        if key not in _SETTING_TYPES:
            continue
        kind = _SETTING_TYPES[key]
        try:
            values[key] = {"str": str, "float": float, "int": int}[kind](value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: {key} must be a {kind}, got {value!r}")
        if kind in ("float", "int") and values[key] < 0:
            raise ConfigError(f"{where}: {key} must not be negative")
    return replace(base, **values)


def parse_config(data: dict, path: Path | None = None) -> Config:
    unknown = set(data) - {"settings", "source"}
    if unknown:
        raise ConfigError(f"unknown top-level keys: {', '.join(sorted(unknown))} (expected [settings] and [[source]])")
    settings = _settings(data.get("settings", {}), FetchSettings(), "[settings]")
    unknown = set(data.get("settings", {})) - set(_SETTING_TYPES)
    if unknown:
        raise ConfigError(f"[settings]: unknown keys {', '.join(sorted(unknown))}")
    sources: list[Source] = []
    source_keys = set(_SETTING_TYPES) | {"name", "municipality", "kind", "index_url", "link_pattern", "next_pattern",
                                         "allowed_hosts", "path", "committees", "days_back"}
    for number, table in enumerate(data.get("source", []), 1):
        where = f"[[source]] #{number}"
        name = table.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(f"{where}: name must be letters, digits, '-', '_' or '.', got {name!r}")
        where = f"source {name!r}"
        if any(s.name == name for s in sources):
            raise ConfigError(f"{where}: duplicate name")
        unknown = set(table) - source_keys
        if unknown:
            raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        kind = table.get("kind")
        common = dict(name=name, municipality=str(table.get("municipality", "")),
                      kind=kind, settings=_settings(table, settings, where))
        if kind == "folder":
            if not table.get("path"):
                raise ConfigError(f"{where}: a folder source needs path")
            sources.append(Source(**common, path=Path(table["path"])))
        elif kind == "http":
            url = table.get("index_url")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ConfigError(f"{where}: an http source needs index_url starting with http:// or https://")
            for key in ("link_pattern", "next_pattern"):
                if table.get(key) is not None:
                    try:
                        re.compile(table[key])
                    except re.error as exc:
                        raise ConfigError(f"{where}: {key} is not a valid regex: {exc}")
            hosts = table.get("allowed_hosts", [])
            if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
                raise ConfigError(f"{where}: allowed_hosts must be a list of host names")
            extra = {k: table[k] for k in ("link_pattern", "next_pattern") if table.get(k) is not None}
            sources.append(Source(**common, index_url=url, allowed_hosts=tuple(h.lower() for h in hosts), **extra))
        elif kind == "firstagenda":  # portal hook (issue 13): FirstAgenda meeting JSON through the portal's API
            from pipeline.portal.firstagenda import source_from_table
            sources.append(source_from_table(common, table, where, ConfigError))
        else:
            raise ConfigError(f"{where}: kind must be 'http', 'folder' or 'firstagenda', got {kind!r}")
    if not sources:
        raise ConfigError("no [[source]] tables: nothing to fetch")
    return Config(settings, sources, path)


def load_config(path: Path) -> Config:
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"no sources file at {path}; copy deploy/sources.example.toml and edit it")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}")
    return parse_config(data, path)
