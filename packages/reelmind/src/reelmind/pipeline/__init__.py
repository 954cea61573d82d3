"""reelmind.pipeline: the reelmind CLI and the orchestration of installed stages."""
