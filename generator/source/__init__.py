"""Stage 1, reading: site.yaml, places, topics and content files into the model, every problem with its line."""
