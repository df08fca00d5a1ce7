"""/datapackage.zip: the store as a Frictionless Data Package (v2), for pandas, R, a spreadsheet (service/datapackage.py)."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency

from service import datapackage
from service.rules.book import RuleBook
from service.settings import Settings
from service.store import Store

ZIP = "application/zip"


class DataPackageController(Controller):
    path = "/datapackage.zip"
    tags = ["data"]

    @get("/", operation_id="getDataPackage", media_type=ZIP, sync_to_thread=True)
    def get_data_package(self, store: NamedDependency[Store], rules: NamedDependency[RuleBook], settings: NamedDependency[Settings]) -> Response[bytes]:
        """Every source, claim and verdict as a Frictionless Data Package (v2) in a zip: sources.csv, claims.csv,
        verdicts.csv, verdict_claims.csv (one row per verdict, role and claim) and datapackage.json, their typed
        schemas with primary and foreign keys, the desk's name and the licence of TALLY_DATA_LICENSE (none when unset).

        ``tally export --datapackage DIR`` writes the same files to a folder (docs/data.md).
        """
        package = datapackage.zipped(datapackage.files(store, rules, settings))
        filename = f"{datapackage.package_name(settings.desk_name)}-datapackage.zip"
        return Response(package, media_type=ZIP, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
