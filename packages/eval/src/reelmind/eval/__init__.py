"""reelmind.eval: ground truth and measurement, kept out of the analysis packages.

* :mod:`.groundtruth` builds a short film with exact ground truth from real photos and flite voices;
  :mod:`.synth` speaks scripts with known timing.
* :mod:`.film` scores a run (WER, speakers, speaking face, listeners, conflicts); :mod:`.audio`
  scores the audio stage (word times, speakers, LibriVox clips); :mod:`.text` is the one WER.
* :mod:`.render_check` checks that an HTML report renders in headless Chromium.
* ``reelmind eval`` and ``reelmind audio-eval`` (:mod:`.cli`).
"""
