"""Categories: the directory's own taxonomy, outside taxonomies mapped onto it, and the SUD-care attributes."""
