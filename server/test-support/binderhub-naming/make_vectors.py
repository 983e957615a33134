"""Golden vectors of BinderHub's naming, computed by BinderHub's own code.

Run with a checkout of jupyterhub/binderhub (never copied into this repository) in a venv that
has BinderHub's runtime dependencies the two modules import; see README.md beside this file for
the exact commands. Prints the JSON fixture on stdout.

What runs is upstream's, unchanged:
- ``binderhub.repoproviders``: each provider's ``get_repo_url()`` (the build pod's ``binder-repo``
  annotation, builder.py ``repo_url = provider.get_repo_url()``) and ``get_build_slug()``;
- ``binderhub.builder``: ``_safe_build_slug`` and ``_generate_build_name``, taken from the module's
  source by name (importing builder.py whole would need docker and JupyterHub).
Only the image name is written out here, as builder.py ``BuildHandler.get`` writes it inline:
``f"{image_prefix}{_safe_build_slug(slug, limit=255 - len(image_prefix))}:{ref}"``, then
``.replace("_", "-").lower()``.

What upstream learns from the network (a DOI's record, a dataset's version, a branch's commit) is
set by hand on the provider, exactly the attributes its ``get_resolved_ref()`` sets, and recorded in
each vector under ``resolved`` so the test feeds the double the same values.
"""

import ast
import hashlib
import json
import string
import subprocess
import sys
import types
from pathlib import Path

import escapism

CHECKOUT = Path(sys.argv[1]).resolve()
PACKAGE = CHECKOUT / "binderhub"

# binderhub/__init__.py only reads versioneer's version; import the package's modules without it.
package = types.ModuleType("binderhub")
package.__path__ = [str(PACKAGE)]
sys.modules["binderhub"] = package

from binderhub import repoproviders  # noqa: E402


def builder_functions():
    tree = ast.parse((PACKAGE / "builder.py").read_text())
    wanted = {"_safe_build_slug", "_generate_build_name"}
    nodes = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
    namespace = {"hashlib": hashlib, "string": string, "escapism": escapism}
    exec(compile(ast.Module(body=nodes, type_ignores=[]), "builder.py", "exec"), namespace)
    return namespace["_safe_build_slug"], namespace["_generate_build_name"]


safe_build_slug, generate_build_name = builder_functions()

PROVIDERS = {
    "gh": repoproviders.GitHubRepoProvider,
    "gl": repoproviders.GitLabRepoProvider,
    "git": repoproviders.GitRepoProvider,
    "gist": repoproviders.GistRepoProvider,
    "zenodo": repoproviders.ZenodoProvider,
    "figshare": repoproviders.FigshareProvider,
    "dataverse": repoproviders.DataverseProvider,
    "hydroshare": repoproviders.HydroshareProvider,
    "ckan": repoproviders.CKANProvider,
}

OCTAVE_COMMIT = "1479e0252b2e648bb755ee913292b79495931717"  # fullbuild.eventsource's commit
SHA = "0123456789abcdef0123456789abcdef01234567"

# (provider, spec as it follows /build/<provider>/, attributes get_resolved_ref() would set)
CASES = [
    ("gh", "binder-examples/octave/HEAD", {"resolved_ref": OCTAVE_COMMIT}),
    ("gh", "binder-examples/requirements.git/main", {"resolved_ref": SHA}),
    ("gh", "Owner/Repo_Name/feature/x", {"resolved_ref": SHA}),
    ("gh", "user/ends-with_/HEAD", {"resolved_ref": SHA}),
    ("gh", f"{'o' * 39}/{'r' * 100}/HEAD", {"resolved_ref": SHA}),
    ("gh", "ünï/cödé/HEAD", {"resolved_ref": SHA}),
    ("gh", "tab\tname/repo/HEAD", {"resolved_ref": SHA}),
    ("gh", f"binder-examples/octave/{SHA}", {"resolved_ref": SHA}),
    ("gl", "group%2Fproject/main", {"resolved_ref": SHA}),
    ("gl", "my-group%2Fsub-group%2Fmy_project/HEAD", {"resolved_ref": SHA}),
    ("gl", "group%2Fproject.git/v1.0", {"resolved_ref": SHA}),
    ("git", "https%3A%2F%2Fgithub.com%2Fbinder-examples%2Fconda/main", {"resolved_ref": SHA}),
    ("git", "https%3A%2F%2Fexample.org%2Fr.git/v1", {"resolved_ref": SHA}),
    ("git", "http%3A%2F%2Fexample.org%2Fgroup%2Frepo/HEAD", {"resolved_ref": SHA}),
    ("git", "git%3A%2F%2Fexample.org%2Frepo.git/HEAD", {"resolved_ref": SHA}),
    ("git", "git%40github.com%3Abinder-examples%2Fconda.git/main", {"resolved_ref": SHA}),
    ("git", "deploy%40git.example.org%3Agroup%2Frepo/HEAD", {"resolved_ref": SHA}),
    ("git", "ssh%3A%2F%2Fgit%40example.org%3A2222%2Fr.git/v1", {"resolved_ref": SHA}),
    ("git", f"https%3A%2F%2Fexample.org%2Frepo/{SHA}", {"resolved_ref": SHA}),
    ("gist", "user/0123456789abcdef0123", {"resolved_ref": SHA}),
    ("gist", f"User/0123456789abcdef0123/{SHA}", {"resolved_ref": SHA}),
    ("zenodo", "10.5281/zenodo.3242074", {"record_id": "3242074"}),
    ("zenodo", "10.5281/zenodo.3242073", {"record_id": "3242074"}),
    ("figshare", "10.6084/m9.figshare.9782777.v1", {"record_id": "9782777.v1"}),
    ("figshare", "10.6084/m9.figshare.9782777", {"record_id": "9782777.v3"}),
    (
        "dataverse",
        "10.7910/DVN/TJCLKP",
        {"identifier": "DVN/TJCLKP", "record_id": "3035124.v3.0"},
    ),
    (
        "hydroshare",
        "b8f6eae9d89241cf8b5904033460af61",
        {"record_id": "b8f6eae9d89241cf8b5904033460af61.v1585005408"},
    ),
    (
        "hydroshare",
        "https%3A%2F%2Fwww.hydroshare.org%2Fresource%2Fb8f6eae9d89241cf8b5904033460af61%2F",
        {"record_id": "b8f6eae9d89241cf8b5904033460af61.v1585005408"},
    ),
    (
        "ckan",
        "https%3A%2F%2Fdemo.ckan.org%2Fdataset%2Fsample-dataset-1",
        {"dataset_id": "sample-dataset-1", "record_id": "sample-dataset-1.v1643280000"},
    ),
    (
        "ckan",
        "https%3A%2F%2Fdata.example.org%2Fportal%2Fdataset%2FMy_Data%2Fhistory%2Fabc",
        {"dataset_id": "My_Data", "record_id": "My_Data.v1643280000"},
    ),
]

IMAGE_PREFIXES = ["", "registry.example.org/binder-"]


def vector(provider, spec, resolved):
    # builder.py BuildHandler.get: `spec = spec.rstrip("/")`, then get_provider(prefix, spec=spec)
    instance = PROVIDERS[provider](spec=spec.rstrip("/"))
    for name, value in resolved.items():
        setattr(instance, name, value)
    # The image tag and the build name's ref are get_resolved_ref()'s return value.
    ref = resolved.get("resolved_ref") or resolved["record_id"]
    slug = instance.get_build_slug()
    images = {}
    for prefix in IMAGE_PREFIXES:
        safe = safe_build_slug(slug, limit=255 - len(prefix))
        images[prefix] = f"{prefix}{safe}:{ref}".replace("_", "-").lower()
    return {
        "provider": provider,
        "spec": spec,
        "resolved": resolved,
        "ref": ref,
        "repo_url": instance.get_repo_url(),
        "build_slug": slug,
        "image_names": images,
        "build_pod_name": generate_build_name(slug, ref, prefix="build-"),
    }


commit = subprocess.run(
    ["git", "-C", str(CHECKOUT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
).stdout.strip()
print(
    json.dumps(
        {
            "source": f"https://github.com/jupyterhub/binderhub/tree/{commit}",
            "escapism": escapism.__version__,
            "vectors": [vector(*case) for case in CASES],
        },
        indent=2,
        ensure_ascii=False,
    )
)
