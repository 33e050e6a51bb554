"""Upload: file -> Portfolio + row issues."""
