#!/usr/bin/env bash
# ansible-test sanity on exactly what we ship: build the collection (galaxy.yml build_ignore applies),
# install it under .build/collections/ansible_collections/eksforge/platform, make the dependency
# collections from the `ansible` package visible beside it, and run every sanity test with no ignores.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(pwd)/.venv
# Outside the checkout: inside it, ansible-test would ask git and see only tracked files (none here).
build=$(mktemp -d "${TMPDIR:-/tmp}/eksforge-sanity.XXXXXX")
trap 'rm -rf "$build"' EXIT
root=$build/collections/ansible_collections
mkdir -p "$build/dist" "$root"
"$venv/bin/ansible-galaxy" collection build --force --output-path "$build/dist" . >/dev/null
"$venv/bin/ansible-galaxy" collection install --no-deps --force -p "$build/collections" "$build"/dist/eksforge-platform-*.tar.gz >/dev/null
site=$("$venv/bin/python" -c 'import ansible_collections.amazon.aws as m, os; print(os.path.dirname(os.path.dirname(list(m.__path__)[0])))')
for dep in amazon/aws community/aws kubernetes/core community/general; do
  mkdir -p "$root/${dep%/*}"
  ln -sfn "$site/$dep" "$root/$dep"
done
if ls tests/sanity/ignore-*.txt >/dev/null 2>&1; then echo "sanity ignore files are not allowed" >&2; exit 1; fi
# ansible-test bootstraps pip in its venvs with a script it downloads; give it an offline one.
test_root=$("$venv/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
pip_version=$(sed -n "s/^ *pip='\(.*\)',$/\1/p" "$test_root/_internal/python_requirements.py")
mkdir -p ~/.ansible/test/cache
cp scripts/lib/get_pip_offline.py ~/.ansible/test/cache/get_pip_${pip_version//./_}.py
cd "$root/eksforge/platform"
python_version=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
"$venv/bin/ansible-test" sanity --venv --requirements --python "$python_version" --color no "$@"
