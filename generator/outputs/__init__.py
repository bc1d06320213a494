"""Producers of non-page outputs: feeds, sitemap/robots, open data. Pure."""
