"""Stage 2, what is derived from the model: indexes, the closed loop's figures, the media a site publishes."""
