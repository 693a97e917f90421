#!/usr/bin/env bash
# One-command set-up for a fresh Debian machine with Node >= 20.19 (the README's first command).
# Idempotent: every step checks first and says what it installs and why. Run as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")

# 1. Debian packages: Jupyter (nbconvert/nbclient/ipykernel) executes the TypeScript notebooks through the tslab
#    kernel; jupyter-notebook lets you open them; Chromium drives the site's browser tests (playwright-core uses it).
APT_PACKAGES=(jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-notebook chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if ((${#missing[@]})); then
  step "Installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
else
  step "Debian packages present: ${APT_PACKAGES[*]}"
fi

# 2. pnpm, pinned by package.json's packageManager (installed with npm: corepack's signature check fails offline).
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version)" = "$PNPM_VERSION" ]; then
  step "pnpm $PNPM_VERSION present"
else
  step "Installing pnpm $PNPM_VERSION with npm"
  npm install -g --no-fund --no-audit "pnpm@$PNPM_VERSION"
fi

# 3. Node packages of every workspace, exactly as locked.
step "Installing node packages (pnpm install --frozen-lockfile)"
pnpm install --frozen-lockfile

# 4. Build core: notebooks and the site load its compiled dist/.
step "Building the workspace packages (turbo run build)"
pnpm build

# 5. Per-package set-up steps (e.g. registering the tslab kernel for this checkout), if a package has one.
for pkg in packages/*/; do
  if node -e "process.exit(require('./${pkg}package.json').scripts?.setup ? 0 : 1)" 2>/dev/null; then
    step "Set-up of ${pkg%/}"
    pnpm --dir "$pkg" run setup
  fi
done

step "Set-up complete. Next: pnpm test"
