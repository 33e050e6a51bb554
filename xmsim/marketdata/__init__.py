"""Market data: history files, the synthetic history and the embedded default market."""
