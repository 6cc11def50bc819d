"""What gunicorn runs in each Flask or Django worker once its app is built."""

import gc

from app.server import worker_started


def test_a_worker_freezes_what_it_loaded_out_of_the_collectors_sight() -> None:
    gc.unfreeze()
    try:
        worker_started(None)

        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
