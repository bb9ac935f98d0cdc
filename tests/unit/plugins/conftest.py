"""Makes `ansible_collections.eksforge.platform` importable for the unit tests below this folder.

ansible.cfg points collections_path at .venv/collections, where `make setup` links this checkout as
eksforge.platform; ansible's collection loader then resolves the imports the modules use.
"""

import os
import warnings
from pathlib import Path

os.environ.setdefault("ANSIBLE_CONFIG", str(Path(__file__).resolve().parents[3] / "ansible.cfg"))

from ansible.plugins.loader import init_plugin_loader  # noqa: E402

with warnings.catch_warnings():  # another test module may have set the collection loader up already
    warnings.simplefilter("ignore", UserWarning)
    init_plugin_loader()
