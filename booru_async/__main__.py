"""``python -m booru_async``: the ``booru-async`` command line."""

from booru_async.cli import main

if __name__ == "__main__":
    main()
