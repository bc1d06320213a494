"""Stage 3, rendering: Markdown, the theme, and one module per output kind (pages, feeds, sitemap, stats, open data)."""
