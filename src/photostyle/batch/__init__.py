"""Many transfers in one run: resumable, atomic, in local processes or on Ray.

* :mod:`~photostyle.batch.local`: a CSV of pairs (:func:`read_pairs`, :func:`run_batch`).
* :mod:`~photostyle.batch.ray_jobs`: the same jobs on a Ray cluster.
* :mod:`~photostyle.batch.dataset`: a whole dataset with a style pool and label maps.
"""
