"""`bulletin serve`: the live preview server and the watcher that rebuilds on edits."""
