"""Makes this folder the package ``service.shipped.rules.lexicon`` (pyproject's package-dir), so a wheel carries the lexicon."""
