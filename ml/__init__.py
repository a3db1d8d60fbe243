"""Model registry, input schema and validation, the ML executor, training and the paid-run service."""
