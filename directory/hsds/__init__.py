"""HSDS exchange: reading packages (3.0 and 1.x), importing them, exporting, mirroring a remote HSDS API, and
the HSDS 3.0 objects the API serves."""
