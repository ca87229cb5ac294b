"""Settings, read once from the environment (and an optional TOML file)."""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from testio.errors import ConfigError

DEFAULT_API_URL = "https://api.test.io/customer/v2"
ENV_PREFIX = "TESTIO_"


def _cache_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".cache")
    return Path(base) / "testio"


def _config_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "testio"


@attrs.frozen(kw_only=True)
class Settings:
    """Everything testio can be configured with; the token never appears in a repr."""

    api_url: str = DEFAULT_API_URL
    api_token: str | None = attrs.field(default=None, repr=False)
    database_url: str = ""
    reports_dir: Path = Path("reports")
    refresh_interval_s: float = 3600.0
    bug_ttl_s: float = 3600.0
    refresh_timeout_s: float = 45.0
    max_in_flight: int = 10
    timeout_s: float = 90.0
    max_retries: int = 4
    bug_batch_size: int = 40
    page_size: int = 25
    log_level: str = "INFO"
    allow_writes: bool = False
    """Whether the triage write tools are listed and may write to TestIO (off by default)."""
    user: str = attrs.field(factory=lambda: _os_user())
    """Who the audit log names for each write (default: the operating system user)."""
    serve_sync: bool = True
    """Whether `testio serve` refreshes the cache itself (background sync, bugs before answers)."""
    worker_interval_s: float = 900.0
    http_tokens: str = attrs.field(default="", repr=False)
    """Comma-separated bearer tokens HTTP clients of `testio serve --http` must present."""
    http_allowed_origins: str = ""
    """Comma-separated browser origins allowed to call `testio serve --http` (CORS)."""

    def __attrs_post_init__(self) -> None:
        if not self.api_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"TESTIO_API_URL must start with http:// or https:// (got {self.api_url!r})."
            )
        if self.max_in_flight < 1:
            raise ConfigError("TESTIO_MAX_IN_FLIGHT must be at least 1.")
        if self.refresh_interval_s < 0 or self.bug_ttl_s < 0 or self.refresh_timeout_s <= 0:
            raise ConfigError(
                "TESTIO_REFRESH_INTERVAL and TESTIO_BUG_TTL must not be negative, and "
                "TESTIO_REFRESH_TIMEOUT must be positive."
            )
        if self.bug_batch_size < 1 or self.page_size < 1:
            raise ConfigError("TESTIO_BUG_BATCH_SIZE and TESTIO_PAGE_SIZE must be at least 1.")
        if self.worker_interval_s <= 0:
            raise ConfigError("TESTIO_WORKER_INTERVAL must be a positive number of seconds.")

    def client_tokens(self) -> tuple[str, ...]:
        """The bearer tokens of `TESTIO_HTTP_TOKENS` (blank entries dropped)."""
        return tuple(t.strip() for t in self.http_tokens.split(",") if t.strip())

    def allowed_origins(self) -> tuple[str, ...]:
        """The origins of `TESTIO_HTTP_ALLOWED_ORIGINS`, without trailing slashes."""
        return tuple(
            o.strip().rstrip("/") for o in self.http_allowed_origins.split(",") if o.strip()
        )

    def require_token(self) -> str:
        """The API token, or a ConfigError that says how to set it."""
        if not self.api_token:
            raise ConfigError(
                "No TestIO API token is set; export TESTIO_API_TOKEN (from TestIO: Integrations → API), "
                "or try `testio demo` to run against the built-in sandbox."
            )
        return self.api_token

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from `TESTIO_*` variables, then the config file, then defaults.

        The config file is `$TESTIO_CONFIG` or `~/.config/testio/config.toml` (keys are the
        attribute names, e.g. `api_url = "..."`); environment variables win over it, and
        keyword overrides win over both.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        config_path = Path(env.get("TESTIO_CONFIG") or _config_dir(env) / "config.toml")
        if config_path.is_file():
            try:
                values.update(tomllib.loads(config_path.read_text(encoding="utf-8")))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"Cannot read the config file {config_path}: {exc}.") from exc
        elif env.get("TESTIO_CONFIG"):
            raise ConfigError(f"TESTIO_CONFIG points to {config_path}, which does not exist.")
        names = {
            "API_URL": "api_url",
            "API_TOKEN": "api_token",
            "DATABASE_URL": "database_url",
            "REPORTS_DIR": "reports_dir",
            "REFRESH_INTERVAL": "refresh_interval_s",
            "BUG_TTL": "bug_ttl_s",
            "REFRESH_TIMEOUT": "refresh_timeout_s",
            "MAX_IN_FLIGHT": "max_in_flight",
            "TIMEOUT": "timeout_s",
            "MAX_RETRIES": "max_retries",
            "BUG_BATCH_SIZE": "bug_batch_size",
            "PAGE_SIZE": "page_size",
            "LOG_LEVEL": "log_level",
            "ALLOW_WRITES": "allow_writes",
            "USER": "user",
            "SERVE_SYNC": "serve_sync",
            "WORKER_INTERVAL": "worker_interval_s",
            "HTTP_TOKENS": "http_tokens",
            "HTTP_ALLOWED_ORIGINS": "http_allowed_origins",
        }
        for suffix, attr in names.items():
            raw = env.get(ENV_PREFIX + suffix)
            if raw is not None and raw != "":
                values[attr] = raw
        values.update(overrides)
        unknown = set(values) - set(attrs.fields_dict(cls))
        if unknown:
            raise ConfigError(f"Unknown setting(s) in {config_path}: {', '.join(sorted(unknown))}.")
        kwargs: dict[str, Any] = {}
        for attr, raw in values.items():
            kwargs[attr] = _coerce(attr, raw)
        if not kwargs.get("database_url"):
            kwargs["database_url"] = default_database_url(env)
        if "reports_dir" not in kwargs:
            kwargs["reports_dir"] = Path(env.get("HOME", "~")).expanduser() / "testio-reports"
        return cls(**kwargs)


def default_database_url(env: Mapping[str, str] | None = None) -> str:
    """The SQLite file in the user's cache directory."""
    env = os.environ if env is None else env
    return f"sqlite+aiosqlite:///{_cache_dir(env) / 'cache.db'}"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return "unknown"


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _coerce(attr: str, raw: Any) -> Any:
    field = attrs.fields_dict(Settings)[attr]
    kind = field.type
    if kind in ("bool", bool):
        return _boolean(attr, raw)
    try:
        if kind in ("float", float):
            return float(raw)
        if kind in ("int", int):
            return int(raw)
        if kind in ("Path", Path):
            return Path(str(raw)).expanduser()
    except (TypeError, ValueError) as exc:
        env_name = ENV_PREFIX + attr.removesuffix("_s").upper()
        raise ConfigError(f"{env_name} must be a number (got {raw!r}).") from exc
    return raw if raw is None else str(raw)


def _boolean(attr: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ConfigError(f"{ENV_PREFIX}{attr.upper()} must be 1 or 0 (true or false), not {raw!r}.")
