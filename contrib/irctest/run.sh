#!/bin/sh
# make irctest: irctest (github.com/progval/irctest, the conformance suite
# of Ergo, InspIRCd, UnrealIRCd ...) against this build's natterd, on the
# RFC-core plus small-IRCv3 selection: the tests that are not specific to
# one server (Ergo's included), not deprecated, not strict, without
# services. Not part of make check: irctest is not in Debian.
#
#	IRCTEST_DIR=/path/to/irctest make irctest [IRCTEST_ARGS='-k WHOWAS']
#
# Exits 77 with a reason when irctest or pytest is missing.
set -u
: "${NATTERD:?}" "${srcdir:?}"
MARKERS='not implementation-specific and not Ergo and not deprecated and not strict and not services'

skip() {
	echo "irctest: skipped: $*" >&2
	exit 77
}

[ -n "${IRCTEST_DIR:-}" ] ||
	skip "IRCTEST_DIR is not set (a copy of https://github.com/progval/irctest)"
[ -f "$IRCTEST_DIR/irctest/cases.py" ] ||
	skip "$IRCTEST_DIR is not a copy of irctest (no irctest/cases.py)"
py=
for p in ${PYTHON:-} python3 /usr/bin/python3; do
	if "$p" -c 'import pytest' 2>/dev/null; then
		py=$p
		break
	fi
done
[ -n "$py" ] || skip "no python3 with pytest (Debian: apt-get install python3-pytest)"
# irctest from 2026-01-27 on needs pluggy 1.2 (hookimpl wrapper=True);
# Debian 12 has 1.0: its last commit before that is 219ca65.
if grep -q 'hookimpl(wrapper=True)' "$IRCTEST_DIR/conftest.py" &&
    ! "$py" -c 'import pluggy; pluggy.HookimplMarker("x")(wrapper=True)' \
    2>/dev/null; then
	skip "this irctest needs pluggy >= 1.2; use irctest 219ca65 or older with this pytest"
fi
controller=$(cd "$srcdir/contrib/irctest" && pwd) || exit 99
cd "$IRCTEST_DIR" || exit 99
echo "irctest: $NATTERD, markers: $MARKERS"
# shellcheck disable=SC2086 # IRCTEST_ARGS is split on purpose
PYTHONPATH="$controller${PYTHONPATH:+:$PYTHONPATH}" NATTERD="$NATTERD" \
    exec "$py" -m pytest -p no:cacheprovider --controller natterd \
    -m "$MARKERS" -q -rfs ${IRCTEST_ARGS:-}
