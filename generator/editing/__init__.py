"""Commands that write content for editors: new, init, advance, import and export."""
