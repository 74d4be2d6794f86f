# Sourced by test.sh and the bench scripts: makes sure each tool they use is installed *and can do
# the job the tests ask of it*, installing the Debian packages it needs when it cannot.
#
# A command being on PATH is not enough: Debian's swaks without its Perl TLS modules runs but cannot
# STARTTLS, and `apt-get install --no-install-recommends swaks` leaves them out. So every tool names
# all the packages it needs (nothing is left to "Recommends"), and is checked by doing a small piece
# of its real work after installing. A tool that still fails its check stops the script with a
# message saying what is wrong, instead of letting tests fail later for a reason they do not show.
#
# Usage: source eng/packages.sh; ensure_tools python3 postgresql swaks mbsync chromium ...

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2; return 1; fi
}

# The Debian packages a tool needs to do its job here.
tool_packages() {
  case "$1" in
    python3) echo python3 ;;
    postgresql) echo postgresql ;;
    # Net::SSLeay and IO::Socket::SSL: STARTTLS and client certificates (only recommended by swaks).
    swaks) echo swaks libnet-ssleay-perl libio-socket-ssl-perl ;;
    mbsync) echo isync ;;
    # Fonts so that pages render text in screenshots (the browser only recommends them).
    chromium) echo chromium fonts-liberation ;;
    # NSS tools: the browser tests put the trust anchor in an NSS database, as a user would.
    certutil) echo libnss3-tools ;;
    stress-ng) echo stress-ng ;;
    *) echo "$1" ;;
  esac
}

_initdb() { compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1; }

# Succeeds when the tool is installed and can do what the tests ask of it.
tool_works() {
  case "$1" in
    python3) python3 -c 'import ssl, sqlite3, xml.etree.ElementTree' 2>/dev/null ;;
    postgresql) local initdb; initdb=$(_initdb) && [ -n "$initdb" ] && "$initdb" --version >/dev/null 2>&1 ;;
    swaks) command -v swaks >/dev/null && swaks --support 2>&1 | grep -q '^=== TLS supported' ;;
    mbsync) command -v mbsync >/dev/null && mbsync --version >/dev/null 2>&1 ;;
    chromium)
      [ -x /usr/bin/chromium ] || return 1
      # Render a page headless, with the flags the tests use (no sandbox as root, no network).
      local dom profile rc=0
      profile=$(mktemp -d /tmp/openmss-chromium-check.XXXXXX)
      dom=$(timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --disable-background-networking --disable-component-update --disable-sync --no-first-run \
        --user-data-dir="$profile" --dump-dom 'data:text/html,<p id="x">rendu</p>' 2>/dev/null) || rc=$?
      rm -rf "$profile"
      [ "$rc" = 0 ] && [[ "$dom" == *'<p id="x">rendu</p>'* ]] ;;
    certutil) command -v certutil >/dev/null ;;
    *) command -v "$1" >/dev/null ;;
  esac
}

# What a failed check means, for the message that stops the script.
tool_job() {
  case "$1" in
    swaks) echo "swaks cannot do TLS (swaks --support does not say 'TLS supported')" ;;
    chromium) echo "Chromium cannot render a page headless (/usr/bin/chromium --headless --dump-dom)" ;;
    postgresql) echo "no working initdb under /usr/lib/postgresql/*/bin" ;;
    python3) echo "python3 lacks ssl, sqlite3 or xml" ;;
    *) echo "$1 does not run" ;;
  esac
}

_apt_updated=0
ensure_tools() {
  local missing=() packages=() tool
  for tool in "$@"; do
    tool_works "$tool" || { missing+=("$tool"); read -r -a p <<<"$(tool_packages "$tool")"; packages+=("${p[@]}"); }
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> Installing what ${missing[*]} need(s): ${packages[*]}"
  if [ "$_apt_updated" = 0 ]; then as_root apt-get update -q; _apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}"
  local failed=0
  for tool in "${missing[@]}"; do
    if ! tool_works "$tool"; then
      echo "error: $(tool_job "$tool") after installing $(tool_packages "$tool")." >&2
      failed=1
    fi
  done
  return $failed
}

# Kept for the scripts that name packages rather than tools.
ensure_packages() { ensure_tools "$@"; }
