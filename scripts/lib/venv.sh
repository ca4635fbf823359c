# shellcheck shell=bash
# The Python tools the tests use, pinned in interop/requirements.txt, in target/interop-venv:
# the interface checks (scripts/interop.sh) and the SMTP server the message tests send to
# (aiosmtpd). `ensure_test_venv` installs them when missing or when the pins changed and sets
# TEST_VENV; it fails (returns 1) when they cannot be installed.
ensure_test_venv() {
  local target="${CARGO_TARGET_DIR:-$PWD/target}"
  TEST_VENV="$target/interop-venv"
  if [ ! -x "$TEST_VENV/bin/python" ] || [ interop/requirements.txt -nt "$TEST_VENV/.installed" ]; then
    python3 -m venv "$TEST_VENV" || return 1
    "$TEST_VENV/bin/pip" install --quiet --disable-pip-version-check -r interop/requirements.txt \
      || return 1
    touch "$TEST_VENV/.installed"
  fi
}
