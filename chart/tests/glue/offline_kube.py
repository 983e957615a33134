"""Import first in the glue's tests: puts the chart's glue on sys.path and points KubeSpawner at no
cluster. KubeSpawner loads a kubeconfig when constructed, and kubernetes_asyncio reads $KUBECONFIG
when it is imported; this one names a closed port, since nothing here talks to a cluster.
"""

import os
import sys
import tempfile
from pathlib import Path

GLUE_DIR = Path(__file__).resolve().parent.parent.parent / "files"
sys.path.insert(0, str(GLUE_DIR))

KUBECONFIG = Path(tempfile.mkdtemp(prefix="launchpad-glue-")) / "config"
KUBECONFIG.write_text(
    "apiVersion: v1\nkind: Config\n"
    'clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]\n'
    "users: [{name: none, user: {token: none}}]\n"
    "contexts: [{name: none, context: {cluster: none, user: none, namespace: hub}}]\n"
    "current-context: none\n"
)
os.environ["KUBECONFIG"] = str(KUBECONFIG)
