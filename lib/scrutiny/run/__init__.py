"""Running a cycle: notebook parameter checks, the runner (cache, workers) and publishing."""
