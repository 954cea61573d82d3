"""Archive scale: the stages of ``reelmind run`` over whole film archives on Ray Data.

* films.py: the archive manifest (CSV / Parquet / plain list) and film ids
* store.py: the archive store (one run folder per film + ``_archive/``) and per-film status
* pools.py: actor pool sizes from each stage's resources and the GPU-tier profile
* driver.py: the Ray Data pipeline (``reelmind archive``), resumable through the run store
* voices.py: the ``voices`` stage (a voice profile per speaker of a film)
* identities.py: archive-wide persons and voices, names given once (``reelmind name STORE``)
* query.py: DuckDB views over every film's Parquet (``reelmind query STORE "SELECT ..."``)
* summary.py: the archive HTML summary
"""
