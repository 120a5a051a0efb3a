#!/bin/sh
# Installs the Debian packages cnnc needs, only when some are missing.
# Idempotent and quiet when there is nothing to do.
set -eu
pkgs="gcc ninja-build pkg-config liblua5.4-dev libcjson-dev libcmocka-dev
      libclang-dev clang libclang-rt-14-dev valgrind
      python3 python3-torch python3-torchvision python3-numpy
      dataset-fashion-mnist
      protobuf-c-compiler libprotobuf-c-dev libonnx-dev libonnx-testdata python3-onnx"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
