"""Makes this folder the package ``service.shipped.rules`` (pyproject's package-dir), so a wheel carries the rules."""
