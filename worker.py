"""The journey worker: `python worker.py` (the same as the installed `itc-worker`).

Settings come from the environment; see itc/base/settings.py and the README.
"""

from itc.runtime.worker import main

if __name__ == "__main__":
    main()
