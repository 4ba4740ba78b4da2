"""Content as data: the schema, the loader and the validated library."""
