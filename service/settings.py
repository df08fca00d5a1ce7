"""Settings: one struct, read from the environment or the command line, passed in."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from service import shipped


def _store_in_working_folder() -> str:
    # Not next to the code: installed from a wheel, that is inside site-packages.
    return str(Path.cwd() / "tally.duckdb")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    # Defaults are computed when Settings are made, not at import time.
    db_path: str = msgspec.field(default_factory=_store_in_working_folder)
    rules_dir: str = msgspec.field(default_factory=lambda: str(shipped.rules_dir()))
    fixtures_dir: str = msgspec.field(default_factory=lambda: str(shipped.fixtures_dir()))
    load_fixtures: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    desk_name: str = "Tally"  # the author of every ClaimReview
    desk_locale: str = "fr"  # how the desk's pages write the numbers Tally computes (babel)
    data_license: str | None = None  # the licence of the data package (service/datapackage.py): an SPDX id or a URL; none when unset
    public_url: str = "http://127.0.0.1:8000"  # where readers reach this API: a verdict's URL is {public_url}/verdicts/{id}
    # Who may write (service/api/access.py): with neither token, the service is this machine's alone (loopback only).
    write_token: str | None = None  # Authorization: Bearer <token> for every write of the JSON API; the desk signs in with it
    admin_token: str | None = None  # rule changes (POST /rules/reload); also opens every write
    max_body_bytes: int = 4 * 1024 * 1024  # a larger request body is a 413
    max_batch_claims: int = 5_000  # a larger POST /claims/batch is a 413
    body_timeout_seconds: float = 30.0  # a request body not arrived in full this long after its headers is a 408
    # Guessing tokens (service/api/throttle.py): an address past this many wrong tokens in a minute waits (429).
    auth_failures_per_minute: int = 10
    # The reverse proxies (addresses, CIDR networks; comma-separated) whose X-Forwarded-For names the client; none by default.
    trusted_proxies: str = ""

    def __repr__(self) -> str:
        # Settings reach logs and tracebacks; the tokens must not.
        hidden = {name: "***" for name in ("write_token", "admin_token") if getattr(self, name)}
        shown = {name: hidden.get(name, getattr(self, name)) for name in self.__struct_fields__}
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``TALLY_*`` variables; explicit overrides (CLI flags) win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, field_type in (("db_path", str), ("rules_dir", str), ("fixtures_dir", str), ("host", str), ("port", int),
                                 ("desk_name", str), ("desk_locale", str), ("public_url", str), ("data_license", str),
                                 ("write_token", str), ("admin_token", str), ("max_body_bytes", int), ("max_batch_claims", int),
                                 ("body_timeout_seconds", float), ("auth_failures_per_minute", int), ("trusted_proxies", str)):
            if (raw := env.get(f"TALLY_{name.upper()}")) is not None:
                values[name] = field_type(raw)
        if (raw := env.get("TALLY_LOAD_FIXTURES")) is not None:
            values["load_fixtures"] = raw.lower() not in {"0", "false", "no"}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
