"""Shared pieces every stage may use: problems, YAML, dates, slugs, URLs, the typed reader, cache files."""
