#!/usr/bin/env bash
# Installs headless Chromium (Debian packages `chromium`, `fonts-dejavu-core`) for the report's
# browser test, if it is missing. Never stops the test command: when the install is impossible it
# says so, and the browser test then fails under CI (CI=true) or skips with this reason elsewhere.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
HOW="sudo apt-get install -y --no-install-recommends chromium fonts-dejavu-core"
SUDO=""
if [ "$(id -u)" != "0" ]; then
  # never prompt: sudo only when it works without a password (-n), otherwise say how
  if command -v sudo >/dev/null 2>&1 && sudo -n true </dev/null >/dev/null 2>&1; then
    SUDO="sudo -n"
  else
    echo "install-browser: not root and sudo would ask for a password: not installing chromium" \
         "(the browser test will not run). To install it: $HOW" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get on this machine: install Chromium yourself for the browser test" >&2
  exit 0
fi
if $SUDO apt-get update -qq </dev/null >/dev/null && \
   $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core </dev/null >/dev/null; then
  command -v chromium >/dev/null && exit 0
fi
echo "install-browser: installing Debian's chromium failed; the browser test will fail under CI. To install it: $HOW" >&2
exit 0
