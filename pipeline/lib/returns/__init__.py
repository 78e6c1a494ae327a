"""Agency returns: specifications, tolerant reading, strict validation, quarantine and loading."""
