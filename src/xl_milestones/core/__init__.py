"""The pure core: schema, validation, model and the computation rules. No I/O, no clock."""
