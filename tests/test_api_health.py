"""GET /health: the rules in force and the claims stored, so that checking nothing never looks like finding nothing."""

from __future__ import annotations

from litestar.testing import TestClient

from service.rules.book import RuleBook
from service.store import Store


def test_health_counts_the_rules_in_force_on_an_empty_store(client: TestClient, rules: RuleBook) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "rules": len(rules.rules), "claims": 0}
    assert len(rules.rules) == 14


def test_health_counts_the_claims_stored(seeded_client: TestClient, seeded_store: Store) -> None:
    body = seeded_client.get("/health").json()
    assert body["claims"] == seeded_store.count_claims() > 0

