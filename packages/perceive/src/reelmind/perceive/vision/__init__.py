"""reelmind.perceive.vision: faces every 0.25 s — decode, detect, recognise, 7-class emotion, old-film mode."""
