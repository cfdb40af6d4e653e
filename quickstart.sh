#!/usr/bin/env bash
# quickstart.sh: build natter on Debian 12 and either test it or try it.
#   ./quickstart.sh check   install what is missing, build, run make check
#   ./quickstart.sh         install what is missing, build, start natterd on
#                           127.0.0.1 and open natter against it
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
libsqlite3-dev tmux ii irssi ngircd mandoc"

missing=
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

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
	autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
	./configure
fi
make -j"$(nproc 2>/dev/null || echo 2)"

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

for f in server/natterd client/natter; do
	if [ ! -x "$f" ]; then
		echo "quickstart: $f is not built yet; nothing to run" >&2
		exit 1
	fi
done

port=${NATTER_PORT:-6667}
db=${TMPDIR:-/tmp}/natter-quickstart.db
server/natterd -l "127.0.0.1:$port" --db "$db" &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM
# Wait for the listener rather than sleeping a fixed time.
i=0
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 50 ] && { echo "quickstart: natterd did not start" >&2; exit 1; }
	sleep 0.1
done
client/natter -p "$port" -j '#lan' 127.0.0.1
