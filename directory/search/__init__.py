"""Finding listings: the search documents, the in-memory index, one listing search, text folding, language
names, and the re-verification that moves a doubted listing down."""
