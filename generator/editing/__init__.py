"""Commands for editors and staff: new, init, advance, import and export, due."""
