"""Directory business logic: taxonomy, geocoding, HSDS import/export and search (no HTTP here)."""
