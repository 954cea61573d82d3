"""reelmind.perceive: the perception stages (faces from video, utterances from audio)."""
