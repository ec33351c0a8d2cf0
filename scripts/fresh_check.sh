#!/usr/bin/env bash
# Runs the README's quick start on a fresh, minimal Debian 12 — the machine a
# newcomer has — so that a package this machine happens to have cannot hide a
# missing install step.
#
#   scripts/fresh_check.sh [--keep] [COMMIT]     (root, or sudo; COMMIT defaults to HEAD)
#
# 1. debootstrap --variant=minbase --include=git,ca-certificates bookworm, from
#    this host's configured Debian mirror, with its apt settings and the extra
#    certificate authorities it trusts (nothing else is reachable here);
# 2. git clone of COMMIT from this checkout into the root (committed work only);
# 3. every command of the README's "## Quick start" code block, exactly as
#    written, one after the other, as root inside the root (the scripts use
#    apt-get directly then), each with its exit status and time.
# Exits non-zero when any command fails. Mounts are undone whatever happens; the
# root (in $EMBER_FRESH_DIR, default a new folder in /var/tmp — never inside the
# checkout, where `rm -rf build` could reach the host's /dev through a bind
# mount) is deleted unless --keep. About 4 GB, and 5 min on 2 idle cores.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

keep=0
commit=HEAD
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h | --help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fresh_check: unknown option $arg" >&2; exit 2 ;;
    *) commit=$arg ;;
  esac
done
if [[ $(id -u) -ne 0 ]]; then exec sudo -E "${BASH_SOURCE[0]}" "$@"; fi
command -v debootstrap >/dev/null || "$repo/scripts/install_deps.sh" --ci

sha=$(git -C "$repo" rev-parse --verify "$commit^{commit}")
if [[ -n $(git -C "$repo" status --porcelain --untracked-files=no) ]]; then
  echo "fresh_check: note: uncommitted changes are not checked, only $sha"
fi

# The quick start: the first code block after the "## Quick start" heading.
mapfile -t commands < <(git -C "$repo" show "$sha:README.md" | awk '
  /^## / { in_section = ($0 == "## Quick start") ; next }
  in_section && /^```/ { if (in_block) exit; in_block = 1; next }
  in_section && in_block && NF { print }')
if ((${#commands[@]} == 0)); then
  echo "fresh_check: README.md at $sha has no code block under '## Quick start'" >&2
  exit 1
fi

# The host's Debian mirror: the first URI serving bookworm (deb822 or one-line form).
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
  /^URIs:/ { uri = $2 } /^Suites:/ && / bookworm( |$)/ && uri { print uri; exit }')
if [[ -z $mirror ]]; then
  mirror=$(grep -hE '^deb +[^ ]+ +bookworm +' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '{ print $2; exit }')
fi
mirror=${mirror:-http://deb.debian.org/debian}

work="${EMBER_FRESH_DIR:-$(mktemp -d /var/tmp/ember-fresh-check.XXXXXX)}"
target="$work/root"
log="$work/debootstrap.log"
mounts=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null || true
  done
  if ((keep == 0)) && ! findmnt -rno TARGET | grep -q "^$target/"; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mount_in_root() { # mount_in_root ARGS... TARGET
  mount "$@"
  mounts+=("${!#}")
}

rm -rf "$target"
mkdir -p "$target"
((keep == 0)) || echo "fresh_check: the root stays in $target (--keep)"
echo "== fresh_check: debootstrap bookworm (minbase) from $mirror into $target"
start=$SECONDS
debootstrap --variant=minbase --include=git,ca-certificates bookworm "$target" "$mirror" \
  >"$log" 2>&1 || {
  tail -20 "$log"
  echo "fresh_check: debootstrap failed" >&2
  exit 1
}
echo "   $((SECONDS - start)) s"

# What this host's apt and TLS clients trust and where they fetch from.
rm -f "$target"/etc/apt/sources.list "$target"/etc/apt/sources.list.d/*
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [[ -s $f ]] && cp "$f" "$target$f"
done
for f in /etc/apt/apt.conf.d/*; do # only settings on how to fetch (proxies, validity), not hooks
  grep -q '^ *Acquire::' "$f" 2>/dev/null && cp "$f" "$target/etc/apt/apt.conf.d/"
done
if compgen -G '/usr/local/share/ca-certificates/*' >/dev/null; then
  cp -r /usr/local/share/ca-certificates/. "$target/usr/local/share/ca-certificates/"
fi
cp /etc/resolv.conf "$target/etc/resolv.conf" 2>/dev/null || true
printf '#!/bin/sh\nexit 101\n' >"$target/usr/sbin/policy-rc.d" # start no services
chmod +x "$target/usr/sbin/policy-rc.d"

mount_in_root -t proc proc "$target/proc"
mount_in_root -t sysfs sysfs "$target/sys"
mount_in_root --bind /dev "$target/dev"
mount_in_root --bind /dev/pts "$target/dev/pts"
mount_in_root -t tmpfs tmpfs "$target/tmp"

# A clean environment, as a new login would have; Node.js keeps its own CA list
# unless told to read the system's, which now includes the host's extra CAs.
in_root() {
  chroot "$target" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt /bin/bash -c "$1"
}
in_root 'update-ca-certificates >/dev/null 2>&1'

git clone -q --no-hardlinks "$repo" "$target/root/ember"
git -C "$target/root/ember" checkout -q --detach "$sha"
echo "== fresh_check: ember $sha, the README's quick start:"

failed=0
results=()
for cmd in "${commands[@]}"; do
  echo "== \$ $cmd"
  start=$SECONDS
  status=0
  in_root "cd /root/ember && $cmd" </dev/null || status=$?
  results+=("exit $status  $((SECONDS - start)) s  $cmd")
  ((status == 0)) || failed=1
done

echo "== fresh_check summary (Debian 12 bookworm minbase, $(dpkg --print-architecture), commit ${sha:0:12})"
printf '   %s\n' "${results[@]}"
if ((failed)); then
  echo "fresh_check: FAILED"
  exit 1
fi
echo "fresh_check: the quick start passes on a fresh Debian 12"
