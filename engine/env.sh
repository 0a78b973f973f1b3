# Source this (bash or zsh) to use the engine that scripts/pulumi-from-source.sh built, offline:
#   source engine/env.sh
# It puts .engine/bin first on PATH and turns off everything that would reach the network. A test still
# chooses its own PULUMI_HOME, backend (`pulumi login file://<dir>`) and PULUMI_CONFIG_PASSPHRASE.
_aitb_engine_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
export PATH="${PULUMI_ENGINE_OUT:-$_aitb_engine_root/.engine}/bin:$PATH"
unset _aitb_engine_root
export PULUMI_SKIP_UPDATE_CHECK=true                  # no check for a newer CLI
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true  # Automation API: accept this CLI as is
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true # never try to download resource plugins
