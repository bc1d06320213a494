"""Stage 3, rendering: Markdown, the theme, and one module per output kind (pages, feeds, data, search)."""
