#!/usr/bin/env bash
# quickstart.sh: build natter on Debian 12 and either test it or try it.
#   ./quickstart.sh check   install what is missing, build, run make check
#   ./quickstart.sh         install what is missing, build, start natterd on
#                           127.0.0.1 and open natter against it over TLS
# NATTER_PORT picks the plain port (6667), NATTER_TLS_PORT the TLS one
# (6697); when another program holds one, the next free one above is used
# and named. For tests: QUICKSTART_BUILD=no skips the install and build
# steps, and NATTERD/NATTER name the binaries.
set -eu

cd "$(dirname "$0")"

usage() {
	echo "usage: $0 [check]" >&2
	exit 64
}

verb=${1:-run}
case $verb in
check|run) ;;
-h|--help) echo "usage: $0 [check]"; exit 0 ;;
*) usage ;;
esac

# Build dependencies, then what make check uses (tmux for the screen tests,
# ii, irssi and ngircd as real peers, mandoc for the man page lint).
pkgs="build-essential autoconf automake pkg-config libncurses-dev check \
libsqlite3-dev libssl-dev libcrypt-dev tmux ii irssi ngircd mandoc"

missing=
[ "${QUICKSTART_BUILD:-yes}" = no ] && pkgs=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		sudo=
	elif command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "quickstart: missing packages:$missing; run as root or install them" >&2
		exit 1
	fi
	echo "quickstart: installing with apt-get:$missing"
	$sudo apt-get update -qq
	# ngircd's package would start a system-wide ngircd on port 6667; the
	# tests run their own, so keep the package from starting a service.
	DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
		$sudo apt-get install -y -qq --no-install-recommends $missing
fi

if [ "${QUICKSTART_BUILD:-yes}" != no ]; then
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
		autoreconf -fi
	fi
	if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
		./configure
	fi
	make -j"$(nproc 2>/dev/null || echo 2)"
fi

if [ "$verb" = check ]; then
	status=0
	make -j"$(nproc 2>/dev/null || echo 2)" check || status=$?
	# Show the Check summaries, and the log of anything that failed.
	grep -h -E '^[0-9]+%: Checks: ' tests/*.log 2>/dev/null || true
	if [ "$status" -ne 0 ]; then
		for t in tests/*.trs; do
			grep -q ':test-result: \(FAIL\|ERROR\)' "$t" 2>/dev/null &&
				cat "${t%.trs}.log"
		done
	fi
	exit "$status"
fi

natterd=${NATTERD:-server/natterd}
natter=${NATTER:-client/natter}
for f in "$natterd" "$natter"; do
	if [ ! -x "$f" ]; then
		echo "quickstart: $f is not built yet; nothing to run" >&2
		exit 1
	fi
done

port=${NATTER_PORT:-6667}
tls_port=${NATTER_TLS_PORT:-6697}
# natterd keeps its history, log and TLS certificate in a directory of its
# own: the certificate is made beside the database, and a tls.key in a
# directory others can write to could be anyone's.
state=${TMPDIR:-/tmp}/natter-quickstart
mkdir -p -m 700 "$state"
if [ ! -O "$state" ] || [ -L "$state" ]; then
	echo "quickstart: $state belongs to someone else; set TMPDIR" >&2
	exit 1
fi
chmod 700 "$state"
log=$state/natterd.log
# The box's identity, which natter pins (--tls-fingerprint) instead of
# asking: natterd --fingerprint makes the certificate if there is none yet
# and prints what natterd will present.
fingerprint=$("$natterd" --fingerprint --db "$state/history.db") || {
	echo "quickstart: natterd --fingerprint failed" >&2
	exit 1
}
ready=$(mktemp -u "$state/ready.XXXXXX")
mkfifo -m 600 "$ready"
server=
trap 'rm -f "$ready"; [ -n "$server" ] && kill "$server" 2>/dev/null' EXIT INT TERM
# natterd itself says when it listens: a line on --ready-fd, or EOF if it
# exited first. Probing the port instead would find any other server that
# holds it (an ngircd from a package, say) and connect natter to that.
# A port in use is tried as far as ten ports up.
for try in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	# natterd's log goes to a file: on the terminal it would scribble over natter.
	"$natterd" -l "127.0.0.1:$port" --tls-listen "127.0.0.1:$tls_port" \
		--db "$state/history.db" --ready-fd 3 \
		2>"$log" 3>"$ready" &
	server=$!
	line=
	IFS= read -r -t 30 line <"$ready" || true
	case $line in
	"listening on "*) break ;;
	esac
	kill "$server" 2>/dev/null || true
	wait "$server" 2>/dev/null || true
	server=
	if [ "$port" -lt "$((${NATTER_PORT:-6667} + 10))" ] &&
	    grep -q "127.0.0.1:$port: address already in use" "$log"; then
		echo "quickstart: port $port is taken (another IRC server?); trying $((port + 1))"
		port=$((port + 1))
		continue
	fi
	if [ "$tls_port" -lt "$((${NATTER_TLS_PORT:-6697} + 10))" ] &&
	    grep -q "127.0.0.1:$tls_port: address already in use" "$log"; then
		echo "quickstart: TLS port $tls_port is taken; trying $((tls_port + 1))"
		tls_port=$((tls_port + 1))
		continue
	fi
	echo "quickstart: natterd did not start on 127.0.0.1:$port and $tls_port:" >&2
	tail -3 "$log" >&2
	exit 1
done
echo "quickstart: natterd on 127.0.0.1:$port, TLS on $tls_port, log in $log"
echo "quickstart: natter pins natterd's certificate, SHA-256 fingerprint"
echo "  $fingerprint"
echo "quickstart: in natter, /help lists the commands and /quit ends both"
echo "quickstart: the manuals before make install: man -l man/natter.1," \
	"man -l man/natterd.8, man -l man/natter-protocol.7"
"$natter" --tls-fingerprint "$fingerprint" -p "$tls_port" -j '#lan' 127.0.0.1
