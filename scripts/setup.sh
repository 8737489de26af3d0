#!/usr/bin/env bash
# `npm run setup`: what a fresh Debian/Ubuntu machine needs for `npm run tutorial` and `npm test`,
# GPU or not: Debian's chromium (the headless browser of the browser tests, and the SwiftShader
# Vulkan driver that Xent.create() falls back to in Node without a GPU) and libvulkan1 (the
# Vulkan loader), through apt when missing; then `npm ci`. .ci/run calls the same script.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/lib/chromium/vk_swiftshader_icd.json ] || ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  if ! command -v apt-get >/dev/null; then
    echo "setup: install chromium (with its vk_swiftshader_icd.json) and the Vulkan loader with your package manager" >&2
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium libvulkan1
fi

npm ci --no-audit --no-fund
