"""The resource directory: HSDS 3.0 organizations, services and locations, search, import and export."""
