"""Places: geocoding addresses, ZIP and city centroids, distances on the earth."""
