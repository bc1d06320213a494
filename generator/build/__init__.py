"""Stage 4, building: the pipeline that runs the stages, its caches, the atomic writer, photo processing."""
