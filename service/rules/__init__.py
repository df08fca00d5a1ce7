"""Rules as data: YAML relations over bound figures, compiled to SQL for DuckDB."""
