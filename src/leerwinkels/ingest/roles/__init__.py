"""One stager per role of a sheet (SOURCES.md): what its rows become in the staged tables."""
